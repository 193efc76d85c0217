// The load-time rewrites a model gets before its session is created, in order: YaRN when the
// load asks for it; the attention in the form the device runs best (on WebGPU GroupQueryAttention,
// whose KV cache is written in place; on WASM plain ops, as its GroupQueryAttention kernel is slow
// on long prompts); then logits only where needed (unless the load turns it off). A rewrite that
// does not recognise the graph leaves it as it is, and says why where that costs speed.
import { attentionToGqa, type AttentionShape } from './attention-gqa.ts';
import { attentionToPlainOps } from './attention-plain.ts';
import { sliceLogits } from './logits-slice.ts';
import { applyYarn } from './yarn.ts';
import { yarnFromConfig } from './yarn-rope.ts';

export interface GraphOptions {
  ropeScaling: 'yarn' | undefined;
  /** Default: on. */
  logitsSlice: boolean | undefined;
  /** The attention form to rewrite to: GroupQueryAttention (WebGPU), plain ops (WASM), or as exported. */
  attention: 'gqa' | 'plain' | undefined;
  /** The heads, from the model's config (the loader reads it once). */
  shape: AttentionShape;
  config: Record<string, unknown>;
}

export interface PreparedGraph {
  model: Uint8Array;
  /** The context YaRN gives, when it was applied. */
  contextTokens: number | null;
  notes: string[];
}

export function prepareGraph(original: Uint8Array, options: GraphOptions): PreparedGraph {
  let model = original;
  let contextTokens: number | null = null;
  const notes: string[] = [];
  if (options.ropeScaling === 'yarn') {
    const yarn = withYarn(model, options.config);
    if ('reason' in yarn) notes.push(`YaRN was not applied (${yarn.reason}), so the context stays at the model's own length.`);
    else ({ model, contextTokens } = yarn);
  }
  if (options.attention) {
    const { attention, shape } = options;
    const result = guarded(() => (attention === 'gqa' ? attentionToGqa(model, shape) : attentionToPlainOps(model, shape.headDim)));
    if (result.rewritten) model = result.model;
    else if (result.applies) notes.push(options.attention === 'gqa' ? `The attention was left as exported (${result.reason}), so the KV cache is copied at every step instead of written in place.` : `The attention was left as GroupQueryAttention (${result.reason}), whose WASM kernel makes long prompts slow.`);
  }
  if (options.logitsSlice ?? true) {
    const result = guarded(() => sliceLogits(model));
    if (result.rewritten) model = result.model;
  }
  return { model, contextTokens, notes };
}

function withYarn(model: Uint8Array, config: Record<string, unknown>): { model: Uint8Array; contextTokens: number } | { reason: string } {
  const support = yarnFromConfig(config);
  if (!support.supported) return { reason: support.reason };
  const result = guarded(() => applyYarn(model, support.rope));
  return result.rewritten ? { model: result.model, contextTokens: support.rope.contextTokens } : { reason: result.reason };
}

// A model the protobuf walk cannot read is left as it is: onnxruntime reports what is wrong with it.
function guarded<T>(rewrite: () => T): T | { rewritten: false; applies: true; reason: string } {
  try {
    return rewrite();
  } catch (error) {
    return { rewritten: false, applies: true, reason: `unreadable ONNX protobuf: ${error instanceof Error ? error.message : String(error)}` };
  }
}
