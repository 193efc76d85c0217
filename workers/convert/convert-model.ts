// Qwen's official checkpoint → the engine's INT4 ONNX model: the format from config.json, the
// tensors from the safetensors headers, the graph built while its weights stream into `sink`
// (the external data file `<fileName>_data`). The result is an ordinary ONNX model with external
// data: stored, read and loaded like any other.
import { Checkpoint, type CheckpointFiles } from './checkpoint.ts';
import { dataFileName, GraphBuilder, type WeightSink } from './graph-builder.ts';
import { buildQwenGraph, type ComputeType } from './qwen-graph.ts';
import { weightFormat, type WeightFormat } from './weight-format.ts';

/** Bumped when the converter's output changes, so stored conversions can be rebuilt. */
export const CONVERTER_VERSION = 1;

export interface ConvertRequest {
  repo: string;
  config: Record<string, unknown>;
  /** model.safetensors.index.json of a sharded checkpoint, else null. */
  index: unknown | null;
  compute: ComputeType;
  files: CheckpointFiles;
  sink: WeightSink;
  /** The graph file's name; its external data files are `<fileName>_data`, `<fileName>_data_1`, ... */
  fileName: string;
  onProgress?: (done: number, total: number) => void;
  slabBytes?: number;
  /** At most this many bytes per external data file (default: just under 2 GiB). */
  dataFileBytes?: number;
}

export interface Converted {
  graph: Uint8Array;
  externalBytes: number;
  /** The external data files written, in order. */
  dataFiles: string[];
  format: WeightFormat;
}

export async function convertCheckpoint(req: ConvertRequest): Promise<Converted> {
  const format = weightFormat(req.repo, req.config);
  const checkpoint = await Checkpoint.open(req.files, req.index);
  const g = await buildQwenGraph(checkpoint, new GraphBuilder(req.sink, req.dataFileBytes), { config: req.config, format, compute: req.compute, onProgress: req.onProgress, slabBytes: req.slabBytes });
  return {
    graph: g.encode(req.fileName, { name: 'qwen-local-converter', version: String(CONVERTER_VERSION) }),
    externalBytes: g.externalBytes,
    dataFiles: Array.from({ length: g.externalFiles }, (_, i) => dataFileName(req.fileName, i)),
    format,
  };
}
