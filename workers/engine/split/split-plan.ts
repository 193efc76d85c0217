// Which nodes of a decoder graph go into which stage: consecutive decoder layers grouped so each
// stage's weights stay within a budget (or into a given number of stages, balanced). A node's
// layer comes from the graph's topology (the KV inputs and outputs it or its inputs touch), never
// from node names, which exporters need not write. Nodes that touch no KV (embedding, rotary
// tables, attention-mask arithmetic) go into every stage that needs them.
import { EngineError } from '../../protocol/errors.ts';
import type { OnnxModel, OnnxNode } from './onnx-model.ts';
import { unpackedSize, type UnpackPlan } from './unpack-weights.ts';

/** -1: read only graph inputs and initializers, so copied into each stage that uses it. */
export const SHARED = -1;

export interface SplitPlan {
  stages: number;
  /** The stage of each node (SHARED for the shared ones), by index into model.nodes. */
  nodeStage: number[];
  /** The first layer of each stage. */
  firstLayers: number[];
}

export interface PlanOptions {
  layers: number;
  /** Weights one stage may hold; a single layer above it gets a stage of its own. */
  stageBytes: number;
  /** Exactly this many stages (at most one per layer), balanced by weight, instead of the budget. */
  stages?: number;
  /** MatMulNBits whose weights are unpacked to float32: counted at that size. */
  unpack: UnpackPlan;
}

export function planSplit(model: OnnxModel, options: PlanOptions): SplitPlan {
  const { layers } = options;
  const producers = producerIndex(model.nodes);
  const layerOf = nodeLayers(model, producers, layers);
  const unitBytes = new Array<number>(layers).fill(0);
  const counted = new Set<string>();
  model.nodes.forEach((node, i) => {
    const layer = layerOf[i]!;
    const unit = layer === SHARED ? 0 : layer;
    const unpacked = options.unpack.get(node.name);
    if (unpacked) {
      counted.add(unpacked.weight.name).add(unpacked.scales.name);
      unitBytes[unit] = unitBytes[unit]! + unpackedSize(unpacked);
      return;
    }
    for (const input of node.inputs) {
      const tensor = model.initializers.get(input);
      if (tensor && !counted.has(input)) {
        counted.add(input);
        unitBytes[unit] = unitBytes[unit]! + tensor.bytes;
      }
    }
  });
  const firstLayers = options.stages ? balanced(unitBytes, Math.min(options.stages, layers)) : greedy(unitBytes, options.stageBytes);
  const stageOfLayer = (layer: number): number => firstLayers.filter((first) => first <= layer).length - 1;
  const nodeStage = layerOf.map((l) => (l === SHARED ? SHARED : stageOfLayer(l)));
  // A stage with no nodes of its own would be an empty session (onnxruntime-web fails to create it).
  for (let stage = 0; stage < firstLayers.length; stage++) {
    if (!nodeStage.includes(stage)) {
      throw new EngineError('model_files_invalid', `The model cannot be split: no node reads the KV cache of layers ${firstLayers[stage]}–${(firstLayers[stage + 1] ?? layers) - 1}, so it is not a Qwen2-architecture decoder export.`);
    }
  }
  return { stages: firstLayers.length, nodeStage, firstLayers };
}

export function producerIndex(nodes: readonly OnnxNode[]): Map<string, OnnxNode> {
  const producers = new Map<string, OnnxNode>();
  for (const node of nodes) for (const output of node.outputs) if (output) producers.set(output, node);
  return producers;
}

const KV_NAME = /^(?:past_key_values|present)\.(\d+)\./;

/**
 * Each node's layer: the latest whose KV (past_key_values.N.* read, present.N.* written) it or any
 * node before it touches; SHARED if none. So a layer's attention and everything after it up to the
 * next layer's attention are that layer's (the final norm and lm_head the last one's). Node order
 * is not trusted (a rewrite appends nodes), so the inputs are followed instead.
 */
function nodeLayers(model: OnnxModel, producers: Map<string, OnnxNode>, layers: number): number[] {
  const index = new Map(model.nodes.map((node, i) => [node, i]));
  const memo = new Array<number | undefined>(model.nodes.length);
  const visit = (node: OnnxNode, path: Set<OnnxNode>): number => {
    const i = index.get(node)!;
    const known = memo[i];
    if (known !== undefined) return known;
    if (path.has(node)) throw new Error(`the graph has a cycle at ${node.name}`);
    path.add(node);
    let layer = SHARED;
    for (const name of [...node.inputs, ...node.outputs]) {
      const kv = KV_NAME.exec(name);
      if (kv && Number(kv[1]) < layers) layer = Math.max(layer, Number(kv[1]));
    }
    for (const input of node.inputs) {
      const producer = producers.get(input);
      if (producer) layer = Math.max(layer, visit(producer, path));
    }
    path.delete(node);
    memo[i] = layer;
    return layer;
  };
  return model.nodes.map((node) => visit(node, new Set()));
}

/** First layers of the fewest stages whose weights stay within `budget` each. */
function greedy(bytes: readonly number[], budget: number): number[] {
  const firsts = [0];
  let sum = 0;
  bytes.forEach((b, layer) => {
    if (layer > 0 && sum + b > budget) {
      firsts.push(layer);
      sum = 0;
    }
    sum += b;
  });
  return firsts;
}

/** First layers of `count` stages with the largest stage as small as it can be. */
function balanced(bytes: readonly number[], count: number): number[] {
  let low = Math.max(...bytes);
  let high = bytes.reduce((a, b) => a + b, 0);
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if (greedy(bytes, mid).length <= count) high = mid;
    else low = mid + 1;
  }
  const firsts = greedy(bytes, low);
  // Fewer groups than asked (one layer outweighs the rest): add boundaries at the first free layers.
  for (let layer = 1; firsts.length < count && layer < bytes.length; layer++) if (!firsts.includes(layer)) firsts.push(layer);
  return firsts.sort((a, b) => a - b);
}
