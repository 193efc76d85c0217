// The worker's onnxruntime-web builds, shared with transformers.js. WebGPU sessions need the
// build with the WebGPU EP, whose whole wasm is compiled with asyncify (any call may suspend for
// the GPU): its CPU kernels run at about half speed, so WASM sessions use the plain build. Tensors
// are made with the WebGPU build's class; a session reads a tensor by its fields (type, dims, data,
// location), whichever build made it. Importing transformers.js points onnxruntime-web at a CDN
// for its .wasm; the app serves its own copies (offline use, and cross-origin isolation would
// block the CDN), so that is undone here.
import '@huggingface/transformers';
import * as ort from 'onnxruntime-web/webgpu';
import * as wasmOrt from 'onnxruntime-web/wasm';
import type { Device } from '../protocol/messages.ts';

for (const build of [ort, wasmOrt]) {
  delete build.env.wasm.wasmPaths;
  build.env.wasm.numThreads = self.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
}

/** The build that creates sessions on this device. */
export function sessionsOn(device: Device): typeof ort.InferenceSession {
  return device === 'webgpu' ? ort.InferenceSession : wasmOrt.InferenceSession;
}

export { ort };
