// Shown: the forge is deterministic (byte-identical files for the same arguments), writes the
// hub's repository layout with the real configs per kind, and forges a non-degenerate model.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { forge } from '../../scripts/forge/forge.ts';
import { fixture, fixtureDir } from '../../scripts/forge/fixture-set.ts';
import { fixtureModel } from '../helpers/fixtures.ts';
import { ModelRunner, PROMPT_IDS } from '../helpers/model-runner.ts';

const scratch = mkdtempSync(join(tmpdir(), 'forge-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function digest(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

function json(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
}

describe('determinism', () => {
  it.each(['optimum-q4', 'optimum-q4-external'])('%s: the same arguments give byte-identical files', (id) => {
    const spec = fixture(id);
    const a = forge({ ...spec, out: join(scratch, 'a') });
    const b = forge({ ...spec, out: join(scratch, 'b') });
    expect(a.files).toEqual(b.files);
    for (const f of a.files) {
      expect(digest(join(b.dir, f)), f).toBe(digest(join(a.dir, f)));
      // ...and identical to the fixture forged earlier by `forge:fixtures`.
      expect(digest(join(fixtureDir(spec), f)), f).toBe(digest(join(a.dir, f)));
    }
  });
});

describe('hub layout', () => {
  it('instruct repo: configs at the root, one model file per dtype under onnx/', () => {
    const dir = fixtureDir(fixture('optimum-q4'));
    expect(dir.endsWith(join('qwen-local-forge', 'Qwen2.5-Tiny-Instruct', 'resolve', 'main'))).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['config.json', 'generation_config.json', 'onnx', 'tokenizer.json', 'tokenizer_config.json']);
    expect(readdirSync(join(dir, 'onnx')).sort()).toEqual(['model.onnx', 'model_q4.onnx', 'model_q4f16.onnx']);
    const config = json(join(dir, 'config.json'));
    expect(config['vocab_size']).toBe(151936);
    expect(config['architectures']).toEqual(['Qwen2ForCausalLM']);
    expect(config['transformers.js_config']).toBeUndefined();
  });

  it('external data: chunks named _data, _data_1 and declared in config.json', () => {
    const dir = fixtureDir(fixture('optimum-q4-external'));
    expect(readdirSync(join(dir, 'onnx')).sort()).toEqual(['model_q4.onnx', 'model_q4.onnx_data', 'model_q4.onnx_data_1']);
    expect(json(join(dir, 'config.json'))['transformers.js_config']).toEqual({ use_external_data_format: { 'model_q4.onnx': 2 } });
    expect(readFileSync(join(dir, 'onnx', 'model_q4.onnx')).byteLength).toBeLessThan(1024 * 1024);
  });

  it('base and instruct differ in tokenizer_config and generation_config as the real ones do', () => {
    const instruct = fixtureDir(fixture('optimum-q4'));
    const base = fixtureDir(fixture('base-optimum-q4'));
    expect(base.endsWith(join('qwen-local-forge', 'Qwen2.5-Tiny', 'resolve', 'main'))).toBe(true);
    expect(json(join(instruct, 'tokenizer_config.json'))['eos_token']).toBe('<|im_end|>');
    expect(json(join(base, 'tokenizer_config.json'))['eos_token']).toBe('<|endoftext|>');
    expect(json(join(instruct, 'generation_config.json'))).toMatchObject({ do_sample: true, temperature: 0.7, top_p: 0.8, top_k: 20, eos_token_id: [151645, 151643] });
    expect(json(join(base, 'generation_config.json'))).toMatchObject({ do_sample: false, eos_token_id: 151643 });
    expect(digest(join(base, 'tokenizer.json'))).toBe(digest(join(instruct, 'tokenizer.json')));
  });

  it('refuses a model over protobuf limits without external data, and a KV type q4 cannot have', () => {
    expect(() => forge({ size: '7B', variant: 'optimum', dtype: 'q4', kind: 'instruct', seed: 1, out: scratch })).toThrow(/external-data/);
    expect(() => forge({ ...fixture('optimum-q4'), kvType: 'float16', out: scratch })).toThrow(/q4f16 only/);
  });
});

describe('the forged model is not degenerate', () => {
  it('greedy decoding visits many different tokens with finite, spread logits', async () => {
    const model = fixtureModel(fixture('optimum-q4'));
    const runner = await ModelRunner.open('node', model.onnxDir, model.fileName);
    try {
      const { logits, vocab } = await runner.forward(PROMPT_IDS);
      const last = logits.subarray(logits.length - vocab);
      let mean = 0;
      for (const x of last) mean += x / vocab;
      let variance = 0;
      for (const x of last) variance += (x - mean) ** 2 / vocab;
      expect(Math.sqrt(variance)).toBeGreaterThan(1);
      const tokens = await runner.greedy(PROMPT_IDS, 40);
      expect(new Set(tokens).size).toBeGreaterThanOrEqual(15);
    } finally {
      await runner.release();
    }
  });
});
