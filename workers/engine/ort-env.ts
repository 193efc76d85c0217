// The worker's onnxruntime-web builds, shared with transformers.js. WebGPU sessions need the
// build with the WebGPU EP, whose whole wasm is compiled with asyncify (any call may suspend for
// the GPU): that slows each call and its 4-bit kernels, so WASM sessions use the plain build. Tensors
// are made with the WebGPU build's class; a session reads a tensor by its fields (type, dims, data,
// location), whichever build made it. The plain build is imported on first use, into a chunk of
// its own: onnxruntime's threads start from the script holding the build, and each build's
// script may start its own threads only. Importing transformers.js points onnxruntime-web at a
// CDN for its .wasm; the app serves its own copies (offline use, and cross-origin isolation
// would block the CDN), so that is undone here.
import '@huggingface/transformers';
import * as ort from 'onnxruntime-web/webgpu';
import type { Device } from '../protocol/messages.ts';

type Build = { env: typeof ort.env; InferenceSession: typeof ort.InferenceSession };

function configure<T extends Build>(build: T): T {
  delete build.env.wasm.wasmPaths;
  build.env.wasm.numThreads = self.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
  return build;
}

configure(ort);
let wasmBuild: Promise<Build> | null = null;

/** The build that creates sessions on this device. */
export async function sessionsOn(device: Device): Promise<typeof ort.InferenceSession> {
  if (device === 'webgpu') return ort.InferenceSession;
  wasmBuild ??= import('onnxruntime-web/wasm').then(configure);
  return (await wasmBuild).InferenceSession;
}

export { ort };
