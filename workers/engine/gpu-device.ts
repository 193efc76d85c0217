// Picks the execution provider: our own WebGPU adapter and device (handed to onnxruntime-web, so
// its limits and features are the adapter's best), or WASM with the reason why.
import type { Device } from '../protocol/messages.ts';

export interface DeviceChoice {
  device: Device;
  gpu: GPUDevice | null;
  adapter: string | null;
  shaderF16: boolean;
  notes: string[];
}

const WANTED_FEATURES: GPUFeatureName[] = ['shader-f16', 'subgroups' as GPUFeatureName, 'timestamp-query'];

export async function chooseDevice(requested: Device | undefined): Promise<DeviceChoice> {
  const wasm = (note: string | null): DeviceChoice => ({ device: 'wasm', gpu: null, adapter: null, shaderF16: false, notes: note ? [note] : [] });
  if (requested === 'wasm') return wasm(null);
  if (!('gpu' in navigator) || !navigator.gpu) {
    return wasm('This browser has no WebGPU (Chrome or Edge 113+ on https or localhost): running on the slower WASM engine.');
  }
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' }).catch(() => null);
  if (!adapter) {
    return wasm('WebGPU found no usable GPU adapter (blocklisted driver or GPU disabled in chrome://gpu): running on the slower WASM engine.');
  }
  const info = adapter.info;
  const requiredFeatures = WANTED_FEATURES.filter((f) => adapter.features.has(f) && (f !== 'subgroups' || subgroupsUsable(info)));
  // Every limit at the adapter's best, as onnxruntime asks for its own device (storage buffers
  // per stage, buffer sizes, workgroup sizes): the defaults are too small for some kernels.
  const requiredLimits: Record<string, number> = {};
  for (const name in adapter.limits) {
    const value = adapter.limits[name as keyof GPUSupportedLimits];
    if (typeof value === 'number') requiredLimits[name] = value;
  }
  const gpu = await adapter.requestDevice({ requiredFeatures, requiredLimits });
  countBuffers(gpu);
  const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unnamed adapter';
  return { device: 'webgpu', gpu, adapter: name, shaderF16: adapter.features.has('shader-f16'), notes: [] };
}

/** onnxruntime's flash attention, which it runs when `subgroups` is on, assumes subgroups of 16
 * lanes or more; on SwiftShader's 4 its GroupQueryAttention prefill of 32+ tokens is wrong. */
const MIN_SUBGROUP_SIZE = 16;

function subgroupsUsable(info: GPUAdapterInfo): boolean {
  // Browsers that do not report it do not offer subgroups either.
  const min: number | undefined = info.subgroupMinSize;
  return min === undefined || min >= MIN_SUBGROUP_SIZE;
}

interface BufferCensus {
  count: number;
  /** The largest buffer created so far, in bytes. */
  largest: number;
}

const censuses = new WeakMap<GPUDevice, BufferCensus>();

/** Wraps createBuffer/destroy so the engine can report live GPU buffers (leak checks) and the largest one. */
function countBuffers(gpu: GPUDevice): void {
  const census = { count: 0, largest: 0 };
  censuses.set(gpu, census);
  const create = gpu.createBuffer.bind(gpu);
  gpu.createBuffer = (descriptor: GPUBufferDescriptor): GPUBuffer => {
    const buffer = create(descriptor);
    census.count++;
    census.largest = Math.max(census.largest, descriptor.size);
    const destroy = buffer.destroy.bind(buffer);
    let destroyed = false;
    buffer.destroy = (): void => {
      if (!destroyed) census.count--;
      destroyed = true;
      destroy();
    };
    return buffer;
  };
}

export function gpuBufferCensus(gpu: GPUDevice | null): BufferCensus | null {
  return gpu ? (censuses.get(gpu) ?? null) : null;
}
