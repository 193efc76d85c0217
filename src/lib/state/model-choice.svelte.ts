// Which model to load, from where and on what: the picker's choice and the custom repositories
// (kept in localStorage), the download source setting, and the URL's overrides (?hub= ?model=
// ?dtype= ?device= ?chunkMiB=, for tests and self-hosting), which win for the visit. The load
// request carries the capability check's shorter context when the model needs one.
import type { Device, LoadRequest } from '../../../workers/protocol/messages.ts';
import type { ModelSource } from '../../../workers/protocol/model-source.ts';
import { checkCapability, deviceProfile, maxContextTokensFor, type CapabilityDevice } from '../catalog/capability.ts';
import { catalogEntry } from '../catalog/models.ts';
import type { GpuCapabilities } from '../utils/gpu-capabilities.ts';
import { loadSourceSetting, saveSourceSetting } from '../services/source-setting.ts';
import { modelSelection } from '../utils/model-selection.ts';

export type DevicePreference = 'auto' | Device;

const REPO_KEY = 'qwen-local.model';
const CUSTOM_KEY = 'qwen-local.custom-models';
const DEVICE_KEY = 'qwen-local.device';

function readList(key: string): string[] {
  try {
    const value: unknown = JSON.parse(localStorage.getItem(key) ?? '[]');
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  } catch {
    return [];
  }
}

class ModelChoice {
  readonly #params = new URLSearchParams(location.search);
  savedSource = $state(loadSourceSetting());
  /** The URL's selection: its source, dtype, device and chunk size override the settings. */
  readonly url = $derived(modelSelection(location.search, this.savedSource));
  repo = $state(this.#params.get('model') || localStorage.getItem(REPO_KEY) || '');
  customRepos = $state(readList(CUSTOM_KEY));
  device = $state<DevicePreference>(this.#deviceSetting());

  constructor() {
    // A ?model= outside the catalog becomes a custom entry, so the picker can show it.
    const fromUrl = this.#params.get('model');
    if (fromUrl) this.addCustom(fromUrl, false);
  }

  /** The load request for `repo`, with the context the capability check allows a catalog model. */
  request(repo: string, caps: GpuCapabilities | null): Omit<LoadRequest, 'kind' | 'id'> {
    const { source, dtype, chunkBytes } = this.url;
    const entry = catalogEntry(repo);
    const maxContextTokens = entry && maxContextTokensFor(checkCapability(entry, this.deviceProfile(caps)));
    return { source, repo, dtype, device: this.device === 'auto' ? undefined : this.device, chunkBytes, maxContextTokens };
  }

  /** What the capability check assumes: the adapter unless WASM was chosen, and the memory the browser reports. */
  deviceProfile(caps: GpuCapabilities | null): CapabilityDevice {
    return deviceProfile(caps, this.device !== 'wasm', (navigator as Navigator & { deviceMemory?: number }).deviceMemory);
  }

  choose(repo: string): void {
    this.repo = repo;
    localStorage.setItem(REPO_KEY, repo);
  }

  addCustom(repo: string, choose = true): void {
    const id = repo.trim();
    if (!catalogEntry(id) && !this.customRepos.includes(id)) {
      this.customRepos.push(id);
      localStorage.setItem(CUSTOM_KEY, JSON.stringify(this.customRepos));
    }
    if (choose) this.choose(id);
  }

  setDevice(device: DevicePreference): void {
    this.device = device;
    localStorage.setItem(DEVICE_KEY, device);
  }

  setSource(source: ModelSource): void {
    saveSourceSetting(source);
    this.savedSource = source;
  }

  #deviceSetting(): DevicePreference {
    const value = this.#params.get('device') ?? localStorage.getItem(DEVICE_KEY);
    return value === 'webgpu' || value === 'wasm' ? value : 'auto';
  }
}

export const modelChoice = new ModelChoice();
