// Which WebGPU adapter the bench runs on: Chromium's flags for SwiftShader or for the machine's
// GPU, and what the adapter says of itself (name, features, limits), read on a page of the app.
import { existsSync } from 'node:fs';
import type { BrowserContext } from '@playwright/test';
import { WEBGPU_ARGS } from '../../../e2e/helpers/browser.ts';

export type AdapterChoice = 'swiftshader' | 'gpu';

/** GPU_BENCH_ADAPTER, else the GPU where Linux shows one (an NVIDIA or a DRI device) or the OS is not Linux. */
export function adapterChoice(): AdapterChoice {
  const asked = process.env['GPU_BENCH_ADAPTER'];
  if (asked === 'swiftshader' || asked === 'gpu') return asked;
  if (asked) throw new Error(`GPU_BENCH_ADAPTER must be swiftshader or gpu (got ${asked})`);
  return process.platform !== 'linux' || existsSync('/dev/nvidia0') || existsSync('/dev/dri') ? 'gpu' : 'swiftshader';
}

/**
 * Headless Chromium on a real GPU goes through ANGLE on Vulkan with no surface (Chrome's own
 * advice for WebGPU in headless Linux); the tests' flags pin SwiftShader.
 */
export function webgpuArgs(choice: AdapterChoice): string[] {
  return choice === 'swiftshader' ? WEBGPU_ARGS : ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=vulkan', '--disable-vulkan-surface', '--ignore-gpu-blocklist'];
}

export interface AdapterReport {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  features: string[];
  limits: Record<string, number>;
}

/** The adapter the engine would get (the same request: high-performance), or null when there is none. */
export async function readAdapter(context: BrowserContext, appUrl: string): Promise<AdapterReport | null> {
  const page = await context.newPage();
  try {
    await page.goto(appUrl);
    return await page.evaluate(async () => {
      const adapter = await navigator.gpu?.requestAdapter({ powerPreference: 'high-performance' });
      if (!adapter) return null;
      const limits: Record<string, number> = {};
      for (const name in adapter.limits) {
        const value = adapter.limits[name as keyof GPUSupportedLimits];
        if (typeof value === 'number') limits[name] = value;
      }
      const { vendor, architecture, device, description, isFallbackAdapter } = adapter.info;
      return { vendor, architecture, device, description, isFallbackAdapter: isFallbackAdapter ?? false, features: [...adapter.features].sort(), limits };
    });
  } finally {
    await page.close();
  }
}

/** A CPU rasterizer (SwiftShader, llvmpipe, WARP) rather than a GPU: only the tiny shape is worth timing. */
export function isSoftware(adapter: AdapterReport): boolean {
  const name = `${adapter.vendor} ${adapter.architecture} ${adapter.device} ${adapter.description}`;
  return adapter.isFallbackAdapter || /swiftshader|llvmpipe|lavapipe|warp|basic render/i.test(name);
}

const KEY_LIMITS = ['maxBufferSize', 'maxStorageBufferBindingSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup', 'maxStorageBuffersPerShaderStage'];

export function describeAdapter(adapter: AdapterReport): string {
  const name = [adapter.vendor, adapter.architecture, adapter.device, adapter.description].filter(Boolean).join(' / ') || 'unnamed';
  const has = (feature: string): string => (adapter.features.includes(feature) ? 'yes' : 'no');
  const limits = KEY_LIMITS.map((l) => `  ${l.padEnd(34)} ${adapter.limits[l]?.toLocaleString('en-US') ?? 'n/a'}`);
  return [
    `adapter: ${name}${adapter.isFallbackAdapter ? ' (fallback adapter)' : ''}`,
    `  shader-f16 ${has('shader-f16')}, subgroups ${has('subgroups')}, timestamp-query ${has('timestamp-query')}`,
    `  features: ${adapter.features.join(', ')}`,
    ...limits,
  ].join('\n');
}
