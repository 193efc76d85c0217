// Creates the model's pipeline: one session when it fits, else the stages of a load-time split
// (split-model.ts), created one after another so no creation step holds more than one stage's
// weights. On WebGPU every stage runs in this worker (one device: hidden states and KV stay on
// the GPU, and weights go to the GPU, not the heap); on WASM each stage after the first (or every
// stage, allInWorkers) gets a worker of its own, with its own 4 GiB heap. A stage's external data
// is a Blob of slices of the stored files, read by onnxruntime only while that stage is created.
import { EngineError } from '../../protocol/errors.ts';
import type { StageReport } from '../../protocol/messages.ts';
import type { ModelFiles } from '../../store/model-reader.ts';
import type { DeviceChoice } from '../gpu-device.ts';
import { Pipeline, type Stage } from '../pipeline.ts';
import { SessionStage, type KvShape, type SessionGraph } from '../stage-session.ts';
import { MAX_PIECE_BYTES, STAGE_WEIGHT_BYTES } from '../../protocol/memory-limits.ts';
import { plannedUnpack, splitModel } from './split-model.ts';
import { GRAPH_BYTES, type StoredPart } from './stage-graphs.ts';
import { stageFileBytes } from './unpack-weights.ts';
import { WorkerStage } from './worker-stage.ts';

export interface StagesOptions {
  /** The model's graph after the load-time rewrites. */
  model: Uint8Array;
  files: ModelFiles;
  choice: DeviceChoice;
  layers: number;
  shape: KvShape;
  /** Split into this many stages even when one would do. */
  stages?: number;
  /** A GPU buffer limit below the adapter's (LoadRequest.bufferLimitBytes). */
  bufferLimit?: number;
  /** Memory that unpacking 4-bit weights to float32 may add (unpack-weights.ts); 0 on WebGPU. */
  unpackBytes: number;
  /**
   * WASM: every stage in a worker of its own, the first too, so releasing the pipeline gives its
   * heaps back (a 4-bit pipeline that serves while the unpacked one is built: speed-up.ts).
   */
  allInWorkers?: boolean;
  onStage?: (index: number, count: number) => void;
  /** Stops the load between stages (those created are released). */
  signal?: AbortSignal;
  /** Creates one stage (its session, here or in a worker of its own); the default is the real one. */
  createStage?: (graph: SessionGraph, place: StagePlace) => Promise<Stage>;
}

/** Where a stage runs: `worker` names the stage worker of a WASM stage after the first. */
export interface StagePlace {
  choice: DeviceChoice;
  shape: KvShape;
  worker: string | null;
}

const createStage = (graph: SessionGraph, { choice, shape, worker }: StagePlace): Promise<Stage> =>
  worker ? WorkerStage.create(graph, shape, worker) : SessionStage.create(graph, choice, shape);

/** The largest tensor or external-data file a stage is given on this device. */
function pieceBytesOn(choice: DeviceChoice, bufferLimit: number | undefined): number {
  const limits = choice.gpu?.limits;
  return Math.min(MAX_PIECE_BYTES, bufferLimit ?? Infinity, limits?.maxBufferSize ?? Infinity, limits?.maxStorageBufferBindingSize ?? Infinity);
}

/** What createPipeline would unpack of the graph's 4-bit weights with these options. */
export function pipelineUnpack(options: Pick<StagesOptions, 'model' | 'choice' | 'bufferLimit' | 'unpackBytes'>): ReturnType<typeof plannedUnpack> {
  return plannedUnpack(options.model, options.unpackBytes, pieceBytesOn(options.choice, options.bufferLimit));
}

export async function createPipeline(options: StagesOptions): Promise<{ pipeline: Pipeline; stages: StageReport[] }> {
  const { model, files, choice, layers, shape } = options;
  const create = options.createStage ?? createStage;
  const pieceBytes = pieceBytesOn(choice, options.bufferLimit);
  const graphs = splitModel(model, { layers, stageBytes: STAGE_WEIGHT_BYTES, pieceBytes, stages: options.stages, unpackBytes: options.unpackBytes });
  const workerFor = (index: number): string | null => (choice.device === 'wasm' && (index > 0 || options.allInWorkers) ? `qwen-stage-${index}` : null);
  if (!graphs) {
    const worker = workerFor(0);
    // A worker is handed the graph's buffer; the caller's stays whole for a later build from it.
    const stage = await create({ fileName: files.fileName, model: worker ? model.slice() : model, externalData: files.externalData }, { choice, shape, worker });
    const weightBytes = model.byteLength + files.externalData.reduce((sum, f) => sum + f.data.size, 0);
    return { pipeline: new Pipeline([stage]), stages: [{ layers: [0, layers], weightBytes, unpackedBytes: 0, worker: worker !== null }] };
  }
  const stored = new Map(files.externalData.map((f) => [f.path, f.data]));
  const slice = (part: StoredPart): Blob | Uint8Array<ArrayBuffer> => {
    if (part.location === GRAPH_BYTES) return model.subarray(part.offset, part.offset + part.length) as Uint8Array<ArrayBuffer>;
    const blob = stored.get(part.location);
    if (!blob) throw new EngineError('model_files_invalid', `${files.fileName} refers to the external data file ${part.location}, which is not stored with it. Delete the model and download it again.`);
    return blob.slice(part.offset, part.offset + part.length);
  };
  const read = async (part: StoredPart): Promise<Uint8Array> => {
    const bytes = slice(part);
    return bytes instanceof Blob ? new Uint8Array(await bytes.arrayBuffer()) : bytes;
  };
  const created: Stage[] = [];
  try {
    for (const [index, graph] of graphs.entries()) {
      if (options.signal?.aborted) throw new EngineError('aborted', 'The load was stopped.');
      options.onStage?.(index, graphs.length);
      const externalData = [];
      for (const file of graph.files) {
        const storedParts = file.parts.filter((part): part is StoredPart => !('unpack' in part));
        const unpacks = storedParts.length < file.parts.length;
        externalData.push({ path: file.path, data: unpacks ? await stageFileBytes(file.parts, read) : new Blob(storedParts.map(slice)) });
      }
      const stageGraph = { fileName: `${files.fileName} (stage ${index + 1} of ${graphs.length})`, model: graph.model, externalData };
      created.push(await create(stageGraph, { choice, shape, worker: workerFor(index) }));
    }
  } catch (error) {
    // A failed release must not hide why the load failed.
    await Promise.all(created.map((s) => s.release().catch(() => undefined)));
    throw error;
  }
  const stages = graphs.map((g, i) => ({ layers: g.layers, weightBytes: g.weightBytes, unpackedBytes: g.unpackedBytes, worker: workerFor(i) !== null }));
  return { pipeline: new Pipeline(created), stages };
}
