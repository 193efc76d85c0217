// The load-time rewrites a model gets before its session is created, in order: YaRN when the
// load asks for it, then logits only where needed (unless the load turns it off). A rewrite that does
// not recognise the graph leaves it as it is; a YaRN that was asked for and not applied says why.
import { sliceLogits } from './logits-slice.ts';
import { applyYarn } from './yarn.ts';
import { yarnFromConfig } from './yarn-rope.ts';

export interface GraphOptions {
  ropeScaling: 'yarn' | undefined;
  /** Default: on. */
  logitsSlice: boolean | undefined;
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
function guarded<T>(rewrite: () => T): T | { rewritten: false; reason: string } {
  try {
    return rewrite();
  } catch (error) {
    return { rewritten: false, reason: `unreadable ONNX protobuf: ${error instanceof Error ? error.message : String(error)}` };
  }
}
