// Which model to load, from where and on what: the picker's choice and the custom repositories
// (kept in localStorage), the download source setting, and the URL's overrides (?hub= ?model=
// ?dtype= ?device= ?chunkMiB=, for tests and self-hosting), which win for the visit; and, per
// model, whether it loads with YaRN's long context. The load request carries the capability
// check's shorter context when the model needs one.
import type { Device, LoadRequest } from '../../../workers/protocol/messages.ts';
import { DEFAULT_SOURCE, type ModelSource } from '../../../workers/protocol/model-source.ts';
import { checkCapability, contextWindow, deviceProfile, maxContextTokensFor, type CapabilityDevice } from '../catalog/capability.ts';
import { catalogEntry, weightsOf, type CatalogModel } from '../catalog/models.ts';
import type { GpuCapabilities } from '../utils/gpu-capabilities.ts';
import { isRecord, isString, readSetting, writeSetting } from '../services/settings-store.ts';
import { modelSelection } from '../utils/model-selection.ts';

export type DevicePreference = 'auto' | Device;

function isModelSource(value: unknown): value is ModelSource {
  return isRecord(value) && typeof value['template'] === 'string' && typeof value['id'] === 'string';
}

class ModelChoice {
  readonly #params = new URLSearchParams(location.search);
  #savedSource = $state(readSetting('modelSource', isModelSource, DEFAULT_SOURCE));
  /** The URL's selection: its source, dtype, device and chunk size override the settings. */
  readonly url = $derived(modelSelection(location.search, this.#savedSource));
  #repo = $state(this.#params.get('model') || readSetting('model', isString, ''));
  #customRepos = $state(readSetting('customModels', Array.isArray, []).filter(isString));
  #device = $state<DevicePreference>(this.#deviceSetting());
  /** Repositories loaded with YaRN (long context). */
  #longContext = $state(readSetting('longContextModels', Array.isArray, []).filter(isString));

  constructor() {
    // A ?model= outside the catalog becomes a custom entry, so the picker can show it.
    const fromUrl = this.#params.get('model');
    if (fromUrl) this.#remember(fromUrl.trim());
  }

  /** The chosen model ('' until the user or the URL picks one). */
  get repo(): string {
    return this.#repo;
  }

  /** Repositories outside the catalog the user added. */
  get customRepos(): readonly string[] {
    return this.#customRepos;
  }

  get device(): DevicePreference {
    return this.#device;
  }

  /** Whether `repo` loads with YaRN: its window four times as long, at that much more KV memory. */
  longContext(repo: string): boolean {
    return this.#longContext.includes(repo);
  }

  setLongContext(repo: string, on: boolean): void {
    this.#longContext = on ? [...new Set([...this.#longContext, repo])] : this.#longContext.filter((r) => r !== repo);
    writeSetting('longContextModels', this.#longContext);
  }

  /** The context the capability check plans `model` for: its window, with YaRN when chosen. */
  wantedContext(model: CatalogModel): number {
    return contextWindow(model, this.longContext(model.repo));
  }

  /** The load request for `repo`, with the context the capability check allows a catalog model. */
  request(repo: string, caps: GpuCapabilities | null): Omit<LoadRequest, 'kind' | 'id'> {
    const { source, dtype, chunkBytes } = this.url;
    const entry = catalogEntry(repo);
    const maxContextTokens = entry && maxContextTokensFor(checkCapability(entry, this.deviceProfile(caps), this.wantedContext(entry)));
    // Outside the catalog the engine reads what the repo holds from its files.
    const weights = entry && weightsOf(entry);
    const ropeScaling = this.longContext(repo) ? ('yarn' as const) : undefined;
    return { source, repo, weights, dtype, device: this.device === 'auto' ? undefined : this.device, chunkBytes, maxContextTokens, ropeScaling };
  }

  /** What the capability check assumes: the adapter unless WASM was chosen, and the memory the browser reports. */
  deviceProfile(caps: GpuCapabilities | null): CapabilityDevice {
    return deviceProfile(caps, this.device !== 'wasm', (navigator as Navigator & { deviceMemory?: number }).deviceMemory);
  }

  choose(repo: string): void {
    this.#repo = repo;
    writeSetting('model', repo);
  }

  /** Adds a repository outside the catalog and chooses it. */
  addCustom(repo: string): void {
    const id = repo.trim();
    this.#remember(id);
    this.choose(id);
  }

  setDevice(device: DevicePreference): void {
    this.#device = device;
    writeSetting('device', device);
  }

  setSource(source: ModelSource): void {
    writeSetting('modelSource', source);
    this.#savedSource = source;
  }

  #remember(id: string): void {
    if (catalogEntry(id) || this.#customRepos.includes(id)) return;
    this.#customRepos.push(id);
    writeSetting('customModels', this.#customRepos);
  }

  #deviceSetting(): DevicePreference {
    // The URL's ?device= wins for the visit, even one the app does not know (then 'auto').
    const value = this.#params.get('device') ?? readSetting('device', isString, null);
    return value === 'webgpu' || value === 'wasm' ? value : 'auto';
  }
}

export const modelChoice = new ModelChoice();
