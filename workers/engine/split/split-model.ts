// Splits a decoder graph into stages when it must be: weights above what one stage may hold, a
// tensor above the largest piece, or a stage count asked for; and rewrites a graph file holding
// more weights than INLINE_WEIGHT_BYTES as one stage with them outside (onnxruntime holds a
// graph's own bytes several times over while it creates a session); and unpacks 4-bit weights to
// float32 within a memory allowance (unpack-weights.ts). Null when the graph can load as it is.
import { INLINE_WEIGHT_BYTES } from '../../protocol/memory-limits.ts';
import { readOnnxModel } from './onnx-model.ts';
import { planSplit } from './split-plan.ts';
import { writeStageGraphs, type StageGraph } from './stage-graphs.ts';
import { planBytes, planUnpack } from './unpack-weights.ts';

export interface SplitOptions {
  layers: number;
  /** Weights one stage may hold. */
  stageBytes: number;
  /** The largest tensor or external-data file a stage may be given. */
  pieceBytes: number;
  /** Split into this many stages even when the weights fit one. */
  stages?: number;
  /** Memory that unpacking 4-bit weights to float32 may add (0: none, as on WebGPU). */
  unpackBytes: number;
}

export function splitModel(bytes: Uint8Array, options: SplitOptions): StageGraph[] | null {
  const model = readOnnxModel(bytes);
  const tensors = [...model.initializers.values()];
  const weights = tensors.reduce((sum, t) => sum + t.bytes, 0);
  const oversized = tensors.some((t) => t.bytes > options.pieceBytes);
  const inline = tensors.reduce((sum, t) => sum + (t.external ? 0 : t.bytes), 0);
  const unpack = planUnpack(model, options.unpackBytes, options.pieceBytes);
  if ((options.stages ?? 1) <= 1 && weights <= options.stageBytes && !oversized && inline <= INLINE_WEIGHT_BYTES && unpack.size === 0) return null;
  const plan = planSplit(model, { ...options, unpack });
  return writeStageGraphs(model, plan, options.pieceBytes, options.layers, unpack);
}

/** What unpacking within `unpackBytes` would make of this graph's 4-bit weights. */
export function plannedUnpack(bytes: Uint8Array, unpackBytes: number, pieceBytes: number): ReturnType<typeof planBytes> {
  return planBytes(planUnpack(readOnnxModel(bytes), unpackBytes, pieceBytes));
}
