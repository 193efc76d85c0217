// Shown: without top-k, the candidates are exactly min-p ∩ the top-p nucleus a full sort would
// give, with weights exp(logit - max), on peaked, flat, tied and masked logits, and with a
// +Infinity logit taking every draw.
import { describe, expect, it } from 'vitest';
import { Random } from '../../../workers/generation/random.ts';
import { gatherVocabularyCandidates, type CandidateCut } from '../../../workers/generation/vocabulary-candidates.ts';

function gather(logits: Float32Array, cut: CandidateCut): Map<number, number> {
  const ids = new Int32Array(logits.length);
  const weights = new Float64Array(logits.length);
  const count = gatherVocabularyCandidates(logits, cut, ids, weights);
  return new Map(Array.from(ids.subarray(0, count), (id, at) => [id, weights[at]!]));
}

/** The definition, by full sort: the nucleus by cumulative probability, then min-p. */
function reference(logits: Float32Array, { min_p, top_p }: CandidateCut): number[] {
  const max = Math.max(...Array.from(logits).filter((logit) => !Number.isNaN(logit)));
  const weightOf = (id: number): number => (logits[id]! > -Infinity ? Math.exp(logits[id]! - max) : 0);
  const ranked = Array.from(logits.keys())
    .filter((id) => weightOf(id) > 0)
    .sort((a, b) => weightOf(b) - weightOf(a) || a - b);
  const total = ranked.reduce((sum, id) => sum + weightOf(id), 0);
  let sum = 0;
  // top_p 1 is off: rounding in the running sum must not cut the tail.
  const cut = top_p === 1 ? -1 : ranked.findIndex((id) => (sum += weightOf(id)) >= top_p * total);
  return ranked
    .slice(0, cut < 0 ? ranked.length : cut + 1)
    .filter((id) => weightOf(id) >= min_p)
    .sort((a, b) => a - b);
}

describe('gatherVocabularyCandidates', () => {
  it('keeps the nucleus and min-p set of a hand-made example, weighted against the top token', () => {
    const logits = Float32Array.from([0.15, 0.05, 0.5, 0.3], Math.log);
    const kept = gather(logits, { min_p: 0, top_p: 0.7 });
    expect([...kept.keys()].sort()).toEqual([2, 3]);
    expect(kept.get(2)).toBe(1);
    expect(kept.get(3)).toBeCloseTo(0.6, 6);
    expect([...gather(logits, { min_p: 0.25, top_p: 1 }).keys()].sort()).toEqual([0, 2, 3]);
    expect([...gather(logits, { min_p: 0.5, top_p: 0.9 }).keys()].sort()).toEqual([2, 3]);
  });

  it('matches a full sort on random, flat, tied and masked vocabularies', () => {
    const random = new Random(8);
    const size = 30_000;
    const gaussian = (): number => Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
    const inputs = {
      peaked: Float32Array.from({ length: size }, () => 4 * gaussian()),
      flat: Float32Array.from({ length: size }, () => random.next()),
      tied: Float32Array.from({ length: size }, () => Math.floor(random.next() * 5)),
      equal: new Float32Array(size),
      masked: Float32Array.from({ length: size }, (_, id) => (id % 3 === 0 ? -Infinity : id % 7 === 0 ? NaN : gaussian())),
      'wide range': Float32Array.from({ length: size }, () => 200 * gaussian()),
    };
    for (const [name, logits] of Object.entries(inputs)) {
      for (const cut of [
        { min_p: 0, top_p: 1 },
        { min_p: 0, top_p: 0.05 },
        { min_p: 0, top_p: 0.5 },
        { min_p: 0, top_p: 0.95 },
        { min_p: 0, top_p: 0.9999 },
        { min_p: 0.05, top_p: 0.9 },
        { min_p: 0.5, top_p: 1 },
      ]) {
        const kept = [...gather(logits, cut).keys()].sort((a, b) => a - b);
        expect(kept, `${name} ${JSON.stringify(cut)}`).toEqual(reference(logits, cut));
      }
    }
  });

  it('gives every draw to +Infinity logits, lowest ids first under top-p', () => {
    const logits = new Float32Array([3, Infinity, NaN, Infinity, -Infinity, Infinity]);
    expect([...gather(logits, { min_p: 0, top_p: 1 })]).toEqual([[1, 1], [3, 1], [5, 1]]);
    expect([...gather(logits, { min_p: 0, top_p: 0.5 }).keys()].sort()).toEqual([1, 3]);
  });

  it('finds nothing when every logit is -Infinity or NaN', () => {
    expect(gather(new Float32Array([-Infinity, NaN]), { min_p: 0, top_p: 0.9 }).size).toBe(0);
  });
});
