// Model selection from the page URL, for tests and self-hosting:
// ?hub=<host with the hub's layout, or a {repo}/{file} template>&source=<preset id>
// &model=<repo id>&dtype=q4|q4f16|fp32&device=webgpu|wasm&chunkMiB=<stored chunk size>
import type { Device, LoadRequest, ModelDtype } from '../../../workers/protocol/messages.ts';
import { SOURCE_PRESETS, customSource, sourceFromPreset, type ModelSource } from '../../../workers/protocol/model-source.ts';

const DEFAULT_MODEL = 'Qwen/Qwen2.5-0.5B-Instruct-GPTQ-Int4';

const DTYPES: readonly ModelDtype[] = ['q4', 'q4f16', 'fp32'];
const DEVICES: readonly Device[] = ['webgpu', 'wasm'];

/** The load request the URL asks for; `savedSource` (the settings) when the URL names none. */
export function modelSelection(search: string, savedSource: ModelSource): Omit<LoadRequest, 'kind' | 'id'> {
  const params = new URLSearchParams(search);
  const dtype = params.get('dtype');
  const device = params.get('device');
  const chunkMiB = Number(params.get('chunkMiB'));
  return {
    source: urlSource(params) ?? savedSource,
    repo: params.get('model') || DEFAULT_MODEL,
    dtype: DTYPES.find((d) => d === dtype),
    device: DEVICES.find((d) => d === device),
    chunkBytes: chunkMiB > 0 ? Math.round(chunkMiB * 2 ** 20) : undefined,
  };
}

function urlSource(params: URLSearchParams): ModelSource | null {
  const hub = params.get('hub');
  if (hub) return customSource(hub);
  const preset = SOURCE_PRESETS.find((p) => p.id === params.get('source'));
  return preset ? sourceFromPreset(preset.id) : null;
}
