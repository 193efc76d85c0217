// Where the e2e tests serve the forged hub (see playwright.config.ts) and how pages pick a model.
import { customSource } from '../../workers/protocol/model-source.ts';

export const HUB_PORT = Number(process.env['QWEN_HUB_PORT'] ?? 8787);
export const HUB_URL = `http://localhost:${HUB_PORT}`;
/** The forged hub as a model source (the hub's URL layout on localhost). */
export const HUB_SOURCE = customSource(HUB_URL);

export const TINY_INSTRUCT = 'qwen-local-forge/Qwen2.5-Tiny-Instruct';
export const TINY_INSTRUCT_GQA = 'qwen-local-forge/Qwen2.5-Tiny-Instruct-ONNX-GQA';
export const TINY_INSTRUCT_KV32 = 'qwen-local-forge/Qwen2.5-Tiny-Instruct-KV32';
export const TINY_BASE = 'qwen-local-forge/Qwen2.5-Tiny';
/** Qwen's own release layouts (safetensors), converted in the browser. */
export const OFFICIAL_GPTQ = 'qwen-local-official/Qwen2.5-Tiny-Instruct-GPTQ-Int4';
export const OFFICIAL_AWQ = 'qwen-local-official/Qwen2.5-Tiny-Instruct-AWQ';
export const OFFICIAL_BF16 = 'qwen-local-official/Qwen2.5-Tiny-Instruct';

export function appUrl(model: string, device: 'webgpu' | 'wasm', dtype = 'q4'): string {
  return `/?hub=${encodeURIComponent(HUB_URL)}&model=${encodeURIComponent(model)}&device=${device}&dtype=${dtype}`;
}
