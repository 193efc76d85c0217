// The graph contract of a one-layer, one-KV-head fake decoder, shared by the decoder and session tests.
import type { GraphContract } from '../../../workers/engine/graph-contract.ts';

export function oneLayerContract(vocab: number, overrides: Partial<GraphContract> = {}): GraphContract {
  return {
    layers: 1,
    kvHeads: 1,
    headDim: 2,
    kvType: 'float32',
    hasPositionIds: true,
    hasLogitsRows: true,
    vocab,
    heads: 1,
    contextTokens: 4096,
    pastNames: ['past_key_values.0.key', 'past_key_values.0.value'],
    presentNames: ['present.0.key', 'present.0.value'],
    ...overrides,
  };
}
