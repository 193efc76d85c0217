// Reads whether a graph's KV cache can be written in place (../kv-in-place.ts): its present.*
// outputs come straight from GroupQueryAttention ops fed the matching past inputs, whose lengths
// (seqlens_k, total_sequence_length) the graph computes from the attention mask alone, so a past
// buffer longer than the tokens it holds is read right.
import { indexGraph } from './graph-edit.ts';
import { text } from './protobuf.ts';

const GQA_PAST_KEY = 3;
const GQA_SEQLENS_K = 5;
const GQA_TOTAL_LENGTH = 6;

/**
 * Whether every present.* output of `model` comes straight from a GroupQueryAttention whose past
 * inputs are the matching past_key_values.*, with its lengths computed from the attention mask
 * alone (not from the past's shape, which is the whole buffer here).
 */
export function writesKvInPlace(model: Uint8Array, pastNames: readonly string[]): boolean {
  const graph = indexGraph(model);
  if (!graph || pastNames.length === 0) return false;
  const producers = new Map<string, { opType: string; inputs: string[]; outputs: string[] }>();
  for (const node of graph.nodes) {
    const info = { opType: node.opType, inputs: node.inputs.map((f) => text(model, f)), outputs: node.outputs.map((f) => text(model, f)) };
    for (const output of info.outputs) producers.set(output, info);
  }
  // The attention op behind a present output, through Identity nodes (onnxruntime removes them).
  const attentionOf = (name: string): { inputs: string[]; slot: number } | null => {
    let node = producers.get(name);
    let value = name;
    while (node?.opType === 'Identity') {
      value = node.inputs[0] ?? '';
      node = producers.get(value);
    }
    if (node?.opType !== 'GroupQueryAttention') return null;
    const slot = node.outputs.indexOf(value);
    return slot === 1 || slot === 2 ? { inputs: node.inputs, slot } : null;
  };
  const past = new Set(pastNames);
  // The graph inputs a value is computed from.
  const sources = (name: string, seen = new Set<string>()): Set<string> => {
    if (seen.has(name)) return seen;
    seen.add(name);
    for (const input of producers.get(name)?.inputs ?? []) if (input) sources(input, seen);
    return seen;
  };
  return pastNames.every((name) => {
    const attention = attentionOf(name.replace('past_key_values.', 'present.'));
    // present_key (output 1) is written over past_key (input 3), present_value over past_value.
    if (!attention || attention.inputs[GQA_PAST_KEY + attention.slot - 1] !== name) return false;
    const lengths = [...sources(attention.inputs[GQA_SEQLENS_K] ?? ''), ...sources(attention.inputs[GQA_TOTAL_LENGTH] ?? '')];
    return lengths.includes('attention_mask') && !lengths.some((n) => past.has(n));
  });
}
