// What this device offers the engine: the WebGPU adapter and its limits, and whether the page is
// cross-origin isolated (onnxruntime-web's WASM threads need it). Detection only; the
// DeviceCapabilities panel shows the result.

export interface GpuAdapterSummary {
  vendor: string;
  architecture: string;
  description: string;
  shaderF16: boolean;
  maxBufferSizeBytes: number;
  maxStorageBufferBindingSizeBytes: number;
}

/** Why there is no adapter: no secure context (https or localhost), no WebGPU API, or the browser offered none. */
export type NoGpuReason = 'insecure-context' | 'no-webgpu-api' | 'no-adapter';

export type GpuCapabilities =
  | { webgpu: true; adapter: GpuAdapterSummary; crossOriginIsolated: boolean }
  | { webgpu: false; reason: NoGpuReason; crossOriginIsolated: boolean };

/** The globals detection reads, injectable so tests need no browser. */
export interface GpuEnvironment {
  gpu: GPU | undefined;
  isSecureContext: boolean;
  crossOriginIsolated: boolean;
}

function currentGpuEnvironment(): GpuEnvironment {
  return {
    // lib.dom types `navigator.gpu` as always present; it is missing in insecure contexts and
    // in browsers without WebGPU.
    gpu: 'gpu' in navigator ? navigator.gpu : undefined,
    isSecureContext: globalThis.isSecureContext,
    crossOriginIsolated: globalThis.crossOriginIsolated,
  };
}

export async function detectGpuCapabilities(
  env: GpuEnvironment = currentGpuEnvironment(),
): Promise<GpuCapabilities> {
  const { crossOriginIsolated } = env;
  if (!env.gpu) {
    return { webgpu: false, reason: env.isSecureContext ? 'no-webgpu-api' : 'insecure-context', crossOriginIsolated };
  }
  const adapter = await env.gpu.requestAdapter();
  if (!adapter) return { webgpu: false, reason: 'no-adapter', crossOriginIsolated };
  // adapter.info arrived in Chrome 127; Chrome 113-126 have WebGPU without it.
  const info: Partial<GPUAdapterInfo> = adapter.info ?? {};
  return {
    webgpu: true,
    adapter: {
      vendor: info.vendor ?? '',
      architecture: info.architecture ?? '',
      description: info.description ?? '',
      shaderF16: adapter.features.has('shader-f16'),
      maxBufferSizeBytes: adapter.limits.maxBufferSize,
      maxStorageBufferBindingSizeBytes: adapter.limits.maxStorageBufferBindingSize,
    },
    crossOriginIsolated,
  };
}
