// Tokenizer files that do not belong to the model are refused at load, before any garbled answer.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, fixtureDir } from '../../../scripts/forge/fixture-set.ts';
import { createTokenizer } from '../../../workers/engine/prompt-encoder.ts';
import { checkTokenizer } from '../../../workers/engine/tokenizer-check.ts';

const dir = fixtureDir(fixture('optimum-q4'));
const json = (file: string): Record<string, unknown> => JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
const tokenizer = createTokenizer(json('tokenizer.json'), json('tokenizer_config.json'));
const config = json('config.json');
const generationConfig = json('generation_config.json');

describe('checkTokenizer', () => {
  it('accepts the model\'s own tokenizer', () => {
    expect(() => checkTokenizer(tokenizer, config, generationConfig, 'repo')).not.toThrow();
  });

  it('refuses a vocabulary larger than the model\'s and end-of-sequence ids that are ordinary tokens', () => {
    expect(() => checkTokenizer(tokenizer, { ...config, vocab_size: 32000 }, generationConfig, 'repo')).toThrow(/151665 tokens but the model only 32000/);
    try {
      checkTokenizer(tokenizer, config, { ...generationConfig, eos_token_id: [2, 151645] }, 'org/model');
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: 'tokenizer_mismatch' });
      expect(String(error)).toMatch(/tokenizer files of org\/model do not match.*id 2 is "#".*garbled/);
    }
  });
});
