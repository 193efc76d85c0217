// The parameters of a Qwen2 model, by their Hugging Face names and shapes. The graphs are
// built from this list, and parameter counts are read from it (tied lm_head counted once).
import type { ModelShape } from './model-shape.ts';

export type ParamKind = 'embedding' | 'linear' | 'bias' | 'norm';

export interface ParamSpec {
  name: string;
  kind: ParamKind;
  /** PyTorch layout: linear weights are [out, in]. */
  shape: number[];
}

export function layerPrefix(i: number): string {
  return `model.layers.${i}`;
}

export function planParams(s: ModelShape): ParamSpec[] {
  const q = s.heads * s.headDim;
  const kv = s.kvHeads * s.headDim;
  const plan: ParamSpec[] = [{ name: 'model.embed_tokens.weight', kind: 'embedding', shape: [s.vocab, s.hidden] }];
  for (let i = 0; i < s.layers; i++) {
    const p = layerPrefix(i);
    plan.push(
      { name: `${p}.input_layernorm.weight`, kind: 'norm', shape: [s.hidden] },
      { name: `${p}.self_attn.q_proj.weight`, kind: 'linear', shape: [q, s.hidden] },
      { name: `${p}.self_attn.q_proj.bias`, kind: 'bias', shape: [q] },
      { name: `${p}.self_attn.k_proj.weight`, kind: 'linear', shape: [kv, s.hidden] },
      { name: `${p}.self_attn.k_proj.bias`, kind: 'bias', shape: [kv] },
      { name: `${p}.self_attn.v_proj.weight`, kind: 'linear', shape: [kv, s.hidden] },
      { name: `${p}.self_attn.v_proj.bias`, kind: 'bias', shape: [kv] },
      { name: `${p}.self_attn.o_proj.weight`, kind: 'linear', shape: [s.hidden, q] },
      { name: `${p}.post_attention_layernorm.weight`, kind: 'norm', shape: [s.hidden] },
      { name: `${p}.mlp.gate_proj.weight`, kind: 'linear', shape: [s.intermediate, s.hidden] },
      { name: `${p}.mlp.up_proj.weight`, kind: 'linear', shape: [s.intermediate, s.hidden] },
      { name: `${p}.mlp.down_proj.weight`, kind: 'linear', shape: [s.hidden, s.intermediate] },
    );
  }
  plan.push({ name: 'model.norm.weight', kind: 'norm', shape: [s.hidden] });
  if (!s.tied) plan.push({ name: 'lm_head.weight', kind: 'linear', shape: [s.vocab, s.hidden] });
  return plan;
}

export interface ParamCounts {
  total: number;
  nonEmbedding: number;
}

export function countParams(plan: ParamSpec[]): ParamCounts {
  let total = 0;
  let embedding = 0;
  for (const p of plan) {
    const n = p.shape.reduce((a, b) => a * b, 1);
    total += n;
    if (p.kind === 'embedding' || p.name === 'lm_head.weight') embedding += n;
  }
  return { total, nonEmbedding: total - embedding };
}
