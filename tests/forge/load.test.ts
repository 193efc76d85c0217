// Shown: onnxruntime-node (CPU) and onnxruntime-web (WASM) load every fixture, see the hub's
// graph contract in the session metadata, and compute the same logits.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES, fixtureModel, tolerance } from '../helpers/fixtures.ts';
import { BACKENDS, ModelRunner, PROMPT_IDS, relativeError } from '../helpers/model-runner.ts';

describe.each(FIXTURES.map((f) => [f.id, f] as const))('fixture %s', (_id, spec) => {
  const model = fixtureModel(spec);
  const config = JSON.parse(readFileSync(join(model.dir, 'config.json'), 'utf8')) as Record<string, number>;
  const logits: Partial<Record<(typeof BACKENDS)[number], Float32Array>> = {};
  const runners: ModelRunner[] = [];
  afterAll(async () => Promise.all(runners.map((r) => r.release())));

  it.each(BACKENDS)('loads on onnxruntime-%s with the hub contract', async (backend) => {
    const runner = await ModelRunner.open(backend, model.onnxDir, model.fileName);
    runners.push(runner);
    const layers = config['num_hidden_layers']!;
    const kvNames = Array.from({ length: layers }, (_, i) => [`past_key_values.${i}.key`, `past_key_values.${i}.value`]).flat();
    const presentNames = kvNames.map((n) => n.replace('past_key_values', 'present'));
    const positional = spec.variant === 'optimum' ? ['input_ids', 'attention_mask', 'position_ids'] : ['input_ids', 'attention_mask'];
    expect(runner.inputNames).toEqual([...positional, ...kvNames]);
    expect(runner.outputNames).toEqual(['logits', ...presentNames]);
    expect(runner.kvType).toBe(spec.dtype === 'q4f16' && spec.kvType !== 'float32' ? 'float16' : 'float32');
    expect(runner.kvHeads).toBe(config['num_key_value_heads']);
    expect(runner.headDim).toBe(config['hidden_size']! / config['num_attention_heads']!);

    const { logits: out, vocab } = await runner.forward(PROMPT_IDS);
    expect(vocab).toBe(config['vocab_size']);
    expect(out.length).toBe(PROMPT_IDS.length * vocab);
    expect(out.every(Number.isFinite)).toBe(true);
    const last = out.subarray(out.length - vocab);
    expect(last.reduce((a, b) => Math.max(a, b)) - last.reduce((a, b) => Math.min(a, b))).toBeGreaterThan(5);
    logits[backend] = out;
  });

  it('node and web compute the same logits', () => {
    expect(relativeError(logits.web!, logits.node!)).toBeLessThan(tolerance(spec));
  });
});
