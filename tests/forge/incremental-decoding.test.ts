// Shown: for every fixture, one full pass over N tokens gives the same logits as a prefill of
// k tokens followed by N - k single-token steps fed with present.* -> past_key_values.*.
import { describe, expect, it } from 'vitest';
import { FIXTURES, fixtureModel, tolerance } from '../helpers/fixtures.ts';
import { figureTable } from '../helpers/figures.ts';
import { BACKENDS, ModelRunner, PROMPT_IDS, relativeError } from '../helpers/model-runner.ts';

const PREFILL = 5;
const record = figureTable('KV-cache consistency: max relative logit error, incremental vs full pass');

describe.each(FIXTURES.map((f) => [f.id, f] as const))('fixture %s', (_id, spec) => {
  it.each(BACKENDS)('incremental decoding matches the full pass on onnxruntime-%s', async (backend) => {
    const model = fixtureModel(spec);
    const runner = await ModelRunner.open(backend, model.onnxDir, model.fileName);
    try {
      const full = await runner.forward(PROMPT_IDS);
      const V = full.vocab;
      let step = await runner.forward(PROMPT_IDS.slice(0, PREFILL));
      const rows = [step.logits];
      for (const id of PROMPT_IDS.slice(PREFILL)) {
        step = await runner.forward([id], step.cache);
        rows.push(step.logits);
      }
      expect(step.cache.length).toBe(PROMPT_IDS.length);
      const incremental = new Float32Array(full.logits.length);
      let offset = 0;
      for (const r of rows) {
        incremental.set(r, offset);
        offset += r.length;
      }
      // Per position, relative to that position's logit scale.
      let worst = 0;
      for (let t = 0; t < PROMPT_IDS.length; t++) {
        const error = relativeError(incremental.subarray(t * V, (t + 1) * V), full.logits.subarray(t * V, (t + 1) * V));
        expect(error, `position ${t}`).toBeLessThan(tolerance(spec));
        worst = Math.max(worst, error);
      }
      record(`${spec.id} on ${backend}`, worst);
    } finally {
      await runner.release();
    }
  });
});
