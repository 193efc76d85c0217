// The load-time rewrites a model gets before its session is created, in order: YaRN when the
// load asks for it, the attention as GroupQueryAttention where the KV cache can then be written in
// place (WebGPU), then logits only where needed (unless the load turns it off). A rewrite that
// does not recognise the graph leaves it as it is, and says why where that costs speed.
import { attentionToGqa } from './attention-gqa.ts';
import { sliceLogits } from './logits-slice.ts';
import { applyYarn } from './yarn.ts';
import { yarnFromConfig } from './yarn-rope.ts';

export interface GraphOptions {
  ropeScaling: 'yarn' | undefined;
  /** Default: on. */
  logitsSlice: boolean | undefined;
  /** Rewrite an Optimum graph's attention as GroupQueryAttention (on WebGPU, where its cache is written in place). */
  attentionToGqa: boolean;
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
  if (options.attentionToGqa) {
    const result = guarded(() => attentionToGqa(model, attentionShape(options.config)));
    if (result.rewritten) model = result.model;
    else if (!ALREADY_GQA.includes(result.reason)) notes.push(`The attention was left as exported (${result.reason}), so the KV cache is copied at every step instead of written in place.`);
  }
  if (options.logitsSlice ?? true) {
    const result = guarded(() => sliceLogits(model));
    if (result.rewritten) model = result.model;
  }
  return { model, contextTokens, notes };
}

const ALREADY_GQA = ['the graph already uses GroupQueryAttention', 'no past_key_values inputs'];

function attentionShape(config: Record<string, unknown>): { heads: number; kvHeads: number; headDim: number } {
  const number = (key: string): number => (typeof config[key] === 'number' ? config[key] : NaN);
  return { heads: number('num_attention_heads'), kvHeads: number('num_key_value_heads'), headDim: number('hidden_size') / number('num_attention_heads') };
}

function withYarn(model: Uint8Array, config: Record<string, unknown>): { model: Uint8Array; contextTokens: number } | { reason: string } {
  const support = yarnFromConfig(config);
  if (!support.supported) return { reason: support.reason };
  const result = guarded(() => applyYarn(model, support.rope));
  return result.rewritten ? { model: result.model, contextTokens: support.rope.contextTokens } : { reason: result.reason };
}

// A model the protobuf walk cannot read is left as it is: onnxruntime reports what is wrong with it.
function guarded<T>(rewrite: () => T): T | { rewritten: false; reason: string } {
  try {
    return rewrite();
  } catch (error) {
    return { rewritten: false, reason: `unreadable ONNX protobuf: ${error instanceof Error ? error.message : String(error)}` };
  }
}
