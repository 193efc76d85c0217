// When the embed's own load must ask first: any download does, and a copy stored from another
// host does not count as the model (a page could name a trusted model and its own host).
import { describe, expect, it } from 'vitest';
import { downloadQuestion, type StoredCopy } from '../../src/lib/utils/download-consent.ts';
import { customSource, DEFAULT_SOURCE } from '../../workers/protocol/model-source.ts';

const REPO = 'onnx-community/Qwen2.5-0.5B-Instruct';
const EVIL = customSource('https://evil.example');
const context = { origin: 'https://app.example', catalogBytes: 786e6 };
const copy = (extra: Partial<StoredCopy>): StoredCopy => ({ repo: REPO, dtype: 'q4', state: 'ready', totalBytes: 786e6, sourceTemplate: DEFAULT_SOURCE.template, ...extra });

describe('downloadQuestion', () => {
  it('asks before downloading a model not stored, naming the model, the host and the size', () => {
    expect(downloadQuestion({ repo: REPO, source: DEFAULT_SOURCE, dtype: 'q4' }, [], context)).toEqual({ repo: REPO, host: 'huggingface.co', bytes: 786e6 });
  });

  it('asks when the URL names another host, even for a model stored from the default one', () => {
    expect(downloadQuestion({ repo: REPO, source: EVIL, dtype: 'q4' }, [copy({})], context)).toMatchObject({ host: 'evil.example' });
  });

  it('does not ask for a model stored from the same source', () => {
    expect(downloadQuestion({ repo: REPO, source: EVIL, dtype: 'q4' }, [copy({ sourceTemplate: EVIL.template })], context)).toBeNull();
    expect(downloadQuestion({ repo: REPO, source: DEFAULT_SOURCE }, [copy({})], context)).toBeNull();
  });

  it('asks to finish a partial download, with its size when the catalog has none', () => {
    expect(downloadQuestion({ repo: REPO, source: DEFAULT_SOURCE, dtype: 'q4' }, [copy({ state: 'downloading', totalBytes: 5 })], { ...context, catalogBytes: null })).toMatchObject({ bytes: 5 });
  });
});
