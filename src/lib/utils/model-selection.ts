// Model selection from the page URL, for tests and self-hosting:
// ?hub=<model host with the hub's layout>&model=<repo id>&dtype=q4|q4f16|fp32&device=webgpu|wasm
import type { Device, LoadRequest, ModelDtype } from '../../../workers/protocol/messages.ts';

export const DEFAULT_HUB = 'https://huggingface.co';
export const DEFAULT_MODEL = 'onnx-community/Qwen2.5-0.5B-Instruct';

const DTYPES: readonly ModelDtype[] = ['q4', 'q4f16', 'fp32'];
const DEVICES: readonly Device[] = ['webgpu', 'wasm'];

export function modelSelection(search: string): Omit<LoadRequest, 'kind' | 'id'> {
  const params = new URLSearchParams(search);
  const dtype = params.get('dtype');
  const device = params.get('device');
  return {
    hubUrl: params.get('hub') || DEFAULT_HUB,
    repo: params.get('model') || DEFAULT_MODEL,
    dtype: DTYPES.find((d) => d === dtype),
    device: DEVICES.find((d) => d === device),
  };
}
