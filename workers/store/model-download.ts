// Makes a model "ready" in the store: plans its files (the small JSONs fetched to memory and
// checked, the weights' sizes from HEAD and SHA-256 from their LFS pointers), checks the quota
// before writing a byte, downloads what is missing (resuming a partial download), and marks the
// model ready only when every file is complete and verified. Runs under the model's lock; a
// deletion announced meanwhile stops it. A quota failure keeps what is stored.
import { EngineError } from '../protocol/errors.ts';
import type { ModelDtype, WeightsFormat } from '../protocol/messages.ts';
import { DEFAULT_RETRY, downloadFile, storeWholeFile, type RetryPolicy } from './file-download.ts';
import { abortError, refuseHtml, request, reportedSize, sleep, TransientError } from './http.ts';
import { getModel, putModel } from './idb.ts';
import { fetchLfsPointer } from './lfs-pointer.ts';
import { checkMetadataFile } from './metadata-check.ts';
import { checkpointFiles, METADATA_FILES, OPTIONAL_FILES, SAFETENSORS_INDEX, SAFETENSORS_SINGLE, weightFiles } from './model-files.ts';
import { onDeletion, withModelLock } from './model-lock.ts';
import type { DownloadProgress } from '../protocol/messages.ts';
import { ProgressTracker } from './progress.ts';
import { checkQuota, isQuotaError, quotaExceeded } from './quota.ts';
import { modelBytes, modelKey, storedBytes, storedModelBytes, type StoredFile, type StoredModel } from './records.ts';
import { fileUrl, pointerUrl, SOURCE_PRESETS, sourceHost, type ModelSource } from '../protocol/model-source.ts';

/** Tens of MB: small enough to buffer, large enough that IndexedDB writes stay efficient. */
const DEFAULT_CHUNK_BYTES = 32 * 2 ** 20;

export interface ModelRequest {
  repo: string;
  dtype: ModelDtype;
  source: ModelSource;
  /** The app's origin, for sources given as a path (/models/...). */
  origin: string;
  chunkBytes?: number;
  retry?: RetryPolicy;
  signal?: AbortSignal;
  /** Default onnx. A safetensors checkpoint is made ready by `convert`. */
  weights?: WeightsFormat;
  convert?: Converter;
}

/** Builds a safetensors model's stored ONNX form from its stored checkpoint (workers/convert/). */
export interface Converter {
  /** A stored conversion by another version is rebuilt, from the stored checkpoint. */
  version: number;
  /** Bytes the converted files will take, for the quota check before the download. */
  estimateBytes: (repo: string, config: Record<string, unknown>, dtype: ModelDtype) => number;
  /** Adds the converted files and the conversion record to `model` (not yet saved). */
  run: (model: StoredModel, signal?: AbortSignal) => Promise<void>;
}

/** Ready to load: complete, and for a checkpoint, converted by this converter. */
function isReady(model: StoredModel | undefined, req: ModelRequest): model is StoredModel {
  if (model?.state !== 'ready') return false;
  return model.weights !== 'safetensors' || model.conversion?.converterVersion === req.convert?.version;
}

export interface EnsuredModel {
  model: StoredModel;
  /** Bytes this call added to the store (0 when the model was ready). */
  addedBytes: number;
}

/** The stored model, downloading what is missing; no network at all when it is already ready. */
export async function ensureModel(req: ModelRequest, onProgress: (p: DownloadProgress) => void): Promise<EnsuredModel> {
  const key = modelKey(req.repo, req.dtype);
  const ready = await getModel(key);
  if (isReady(ready, req)) return { model: ready, addedBytes: 0 };
  // Stopped by the caller, or by a deletion of this model from any tab (listened for before
  // the lock is asked for, so a download queued behind another gives up its place too).
  const controller = new AbortController();
  const forward = (): void => controller.abort(req.signal?.reason);
  req.signal?.addEventListener('abort', forward, { once: true });
  let deleted = false;
  const unsubscribe = onDeletion(key, () => {
    deleted = true;
    controller.abort();
  });
  try {
    // One writer per model across tabs: a second tab waits, then finds it ready.
    return await withModelLock(
      key,
      async () => {
        const existing = await getModel(key);
        if (isReady(existing, req)) return { model: existing, addedBytes: 0 };
        try {
          return await download({ ...req, signal: controller.signal }, key, existing, onProgress);
        } catch (error) {
          if (!isQuotaError(error)) throw error;
          const model = await getModel(key);
          throw quotaExceeded(`${req.repo} (${req.dtype})`, model ? modelBytes(model) - storedModelBytes(model) : null, error);
        }
      },
      controller.signal,
    );
  } catch (error) {
    if (deleted) throw new EngineError('aborted', `${req.repo} (${req.dtype}) was deleted while it downloaded, so the download stopped. Load it again to download it anew.`, { repo: req.repo, reason: 'deleted' });
    if (controller.signal.aborted) throw abortError();
    throw error;
  } finally {
    unsubscribe();
    req.signal?.removeEventListener('abort', forward);
  }
}

async function download(req: ModelRequest, key: string, existing: StoredModel | undefined, onProgress: (p: DownloadProgress) => void): Promise<EnsuredModel> {
  const url = (file: string): string => fileUrl(req.source, req.repo, file, req.origin);
  const retry = req.retry ?? DEFAULT_RETRY;
  const metadata = existing ? new Map<string, Uint8Array>() : await fetchMetadata(req, url, retry, METADATA_FILES);
  const weights = existing?.weights ?? req.weights ?? (await detectWeights(req, metadata, url, retry));
  if (!existing && weights === 'safetensors') for (const [file, bytes] of await fetchMetadata(req, url, retry, [SAFETENSORS_INDEX])) metadata.set(file, bytes);
  const model = existing ?? (await plan({ ...req, weights }, key, metadata, url, retry));
  // A download begun by an older version may carry a SHA-256 taken from a CDN's ETag.
  if (existing && existing.state !== 'ready') await refreshPublishedSha(req, existing, retry);
  model.source = req.source;
  const left = model.files.reduce((sum, f) => sum + (f.complete ? 0 : f.size - storedBytes(f, model.chunkBytes)), 0);
  const converter = model.weights === 'safetensors' ? checkConverter(req) : null;
  const converted = converter && metadata.has('config.json') ? converter.estimateBytes(req.repo, parseJson(metadata.get('config.json')!), req.dtype) : 0;
  await checkQuota(left + converted, `${req.repo} (${req.dtype})`);
  await putModel(model);

  const tracker = new ProgressTracker(model.files.reduce((sum, f) => sum + f.size, 0), onProgress);
  for (const file of model.files) tracker.seed(file.path, file.complete ? file.size : storedBytes(file, model.chunkBytes));
  const before = tracker.totalDone;
  const signal = req.signal;
  for (const file of model.files) {
    if (file.complete) continue;
    const bytes = metadata.get(file.path);
    if (signal?.aborted) throw abortError();
    if (bytes) await storeWholeFile(model, file, bytes);
    else await downloadFile({ model, file, url: url(file.path), retry, signal, onBytes: (done) => tracker.update(file.path, done, file.size) });
    tracker.update(file.path, file.size, file.size);
  }
  if (converter) {
    if (signal?.aborted) throw abortError();
    // Every checkpoint file is complete and matches its published SHA-256 (file-download.ts)
    // before a byte of it is converted.
    await converter.run(model, signal);
  }
  model.state = 'ready';
  model.completedAt = Date.now();
  await putModel(model);
  return { model, addedBytes: tracker.totalDone - before };
}

// The JSON files, whole, into memory and checked for what each must be: config.json names the
// weight files, and nothing is written before the quota check. A missing optional file (the
// generation config, a checkpoint index) is left out.
async function fetchMetadata(req: ModelRequest, url: (file: string) => string, retry: RetryPolicy, names: readonly string[]): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  const host = sourceHost(req.source, req.origin);
  const optional = [...OPTIONAL_FILES, SAFETENSORS_INDEX];
  for (const file of names) {
    const bytes = await withRetry(retry, req, async () => {
      try {
        const response = await request({ url: url(file), file, signal: req.signal });
        const body = await readAll(response, file);
        checkMetadataFile(file, body, host);
        return body;
      } catch (error) {
        if (isNotFound(error) && optional.includes(file)) return null;
        throw isNotFound(error) ? missingOnSource(req, file) : error;
      }
    });
    if (bytes) files.set(file, bytes);
  }
  return files;
}

async function plan(req: ModelRequest, key: string, metadata: Map<string, Uint8Array>, url: (file: string) => string, retry: RetryPolicy): Promise<StoredModel> {
  const config = checkMetadataFile('config.json', metadata.get('config.json')!, sourceHost(req.source, req.origin));
  const files: StoredFile[] = [...metadata].map(([path, bytes]) => newFile(path, bytes.byteLength, null, null));
  const index = metadata.get(SAFETENSORS_INDEX);
  const weights = req.weights === 'safetensors' ? checkpointFiles(index ? parseJson(index) : null) : weightFiles(config, req.dtype);
  for (const path of weights) {
    const pointer = pointerUrl(req.source, req.repo, path, req.origin);
    try {
      files.push(await withRetry(retry, req, () => describeFile({ url: url(path), pointer, path, signal: req.signal })));
    } catch (error) {
      throw isNotFound(error) ? missingOnSource(req, path) : error;
    }
  }
  return {
    key,
    repo: req.repo,
    dtype: req.dtype,
    source: req.source,
    chunkBytes: req.chunkBytes ?? DEFAULT_CHUNK_BYTES,
    files,
    weights: req.weights ?? 'onnx',
    state: 'downloading',
    startedAt: Date.now(),
    completedAt: null,
  };
}

// Size and ETag of a weight file from HEAD (a one-byte range where HEAD gives no length), and
// its SHA-256 from the LFS pointer where the source publishes one. Never from an ETag: after the
// hub's redirect it is the CDN's, which may be 64 hex digits and still not the SHA-256.
async function describeFile({ url, pointer, path, signal }: { url: string; pointer: string | null; path: string; signal?: AbortSignal }): Promise<StoredFile> {
  let response = await request({ url, file: path, method: 'HEAD', signal });
  refuseHtml(response, path);
  let size = reportedSize(response);
  if (size === null) {
    response = await request({ url, file: path, headers: { Range: 'bytes=0-0' }, signal });
    await response.body?.cancel();
    size = reportedSize(response);
  }
  if (size === null) throw new EngineError('model_fetch_failed', `The model host does not say how large ${path} is, so it cannot be downloaded safely.`, { url });
  const lfs = pointer ? await fetchLfsPointer(pointer, path, signal) : null;
  if (lfs && lfs.size !== size) {
    throw new EngineError('model_files_invalid', `The model host sends ${size} bytes for ${path} but the repository says it has ${lfs.size}: the host serves another file. Pick another model source.`, { url, size, lfsSize: lfs.size });
  }
  return newFile(path, size, response.headers.get('ETag'), lfs?.sha256 ?? null);
}

async function refreshPublishedSha(req: ModelRequest, model: StoredModel, retry: RetryPolicy): Promise<void> {
  for (const file of model.files) {
    const pointer = pointerUrl(req.source, req.repo, file.path, req.origin);
    if (file.complete || (METADATA_FILES as readonly string[]).includes(file.path)) continue;
    file.sha256 = pointer ? ((await withRetry(retry, req, () => fetchLfsPointer(pointer, file.path, req.signal)))?.sha256 ?? null) : null;
  }
}

/**
 * ONNX exports or a safetensors checkpoint, from the repo's own files when the request does not
 * say: a quantization_config is a GPTQ/AWQ release, a transformers.js_config an ONNX export;
 * otherwise the files present decide: the dtype's ONNX graph, else a checkpoint (Qwen's bf16
 * releases), else the graph is what is missing.
 */
async function detectWeights(req: ModelRequest, metadata: Map<string, Uint8Array>, url: (file: string) => string, retry: RetryPolicy): Promise<WeightsFormat> {
  const config = parseJson(metadata.get('config.json')!);
  if (config['quantization_config']) return 'safetensors';
  if (config['transformers.js_config']) return 'onnx';
  const graph = weightFiles(config, req.dtype)[0]!;
  if (await exists(req, url, retry, graph)) return 'onnx';
  for (const file of [SAFETENSORS_INDEX, SAFETENSORS_SINGLE]) if (await exists(req, url, retry, file)) return 'safetensors';
  throw missingOnSource(req, graph);
}

/** Whether the source has `file` (an HTML page in its place, as a SPA fallback serves, is not it). */
async function exists(req: ModelRequest, url: (file: string) => string, retry: RetryPolicy, file: string): Promise<boolean> {
  try {
    const response = await withRetry(retry, req, () => request({ url: url(file), file, method: 'HEAD', signal: req.signal }));
    refuseHtml(response, file);
    return true;
  } catch (error) {
    if (isNotFound(error) || (error instanceof EngineError && error.code === 'model_files_invalid')) return false;
    throw error;
  }
}

function isNotFound(error: unknown): boolean {
  return error instanceof EngineError && error.detail?.['status'] === 404;
}

/** A 404: the repo or the file is not on this source; say which, and where else to look. */
function missingOnSource(req: ModelRequest, file: string): EngineError {
  const host = sourceHost(req.source, req.origin);
  const others = SOURCE_PRESETS.filter((p) => p.id !== req.source.id && p.id !== 'same-origin').map((p) => p.label.en);
  return new EngineError(
    'model_files_invalid',
    `${req.repo} has no ${file} on ${host} (404). Check the repository id (Qwen's own releases are Qwen/Qwen2.5-<size>[-Instruct][-GPTQ-Int4|-AWQ]), or load it from another source in settings: ${others.join(', ')}.`,
    { repo: req.repo, file, host, status: 404 },
  );
}

function checkConverter(req: ModelRequest): Converter {
  if (!req.convert) throw new EngineError('internal', `${req.repo} is a safetensors checkpoint, but no converter was given to build its ONNX model.`);
  return req.convert;
}

function parseJson(bytes: Uint8Array): Record<string, unknown> {
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
}

async function readAll(response: Response, file: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    throw new TransientError(`the connection dropped during ${file}: ${String(error)}`);
  }
}

function newFile(path: string, size: number, etag: string | null, sha256: string | null): StoredFile {
  return { path, size, etag, sha256, chunks: [], hashState: null, complete: false };
}

async function withRetry<T>(retry: RetryPolicy, req: ModelRequest, run: () => Promise<T>): Promise<T> {
  for (let failures = 1; ; failures++) {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof TransientError)) throw error;
      if (failures > retry.attempts) {
        // A browser reports a host that refuses cross-origin reads (CORS) as a network failure.
        const advice =
          req.source.id === 'modelscope'
            ? "ModelScope may not let web pages read its files (cross-origin access), which this app cannot tell apart from a network failure: use the hf-mirror.com mirror, or copy the files beside the app (/models/) and pick 'This site'."
            : 'Check the connection, or pick another model source (e.g. the hf-mirror.com mirror or ModelScope) in settings.';
        throw new EngineError('model_fetch_failed', `Could not download ${req.repo} from ${sourceHost(req.source, req.origin)} (${error.message}). ${advice}`, { repo: req.repo });
      }
      if (req.signal?.aborted) throw abortError();
      await sleep(retry.baseDelayMs * 2 ** (failures - 1), req.signal);
    }
  }
}
