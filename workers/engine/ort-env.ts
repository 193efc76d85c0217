// The one onnxruntime-web instance of the worker, shared with transformers.js. Importing
// transformers.js points onnxruntime-web at a CDN for its .wasm; the app serves its own copy
// (offline use, and cross-origin isolation would block the CDN), so that is undone here.
import '@huggingface/transformers';
import * as ort from 'onnxruntime-web/webgpu';

delete ort.env.wasm.wasmPaths;
ort.env.wasm.numThreads = self.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;

export { ort };
