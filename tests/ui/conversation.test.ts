// Conversation rules: what a request sends, titles, and export files as untrusted input.
import { describe, expect, it } from 'vitest';
import { EXPORT_FORMAT, exportFile, newConversation, parseConversation, parseExportFile, parseStored, requestMessages, titleFrom, type Conversation } from '../../src/lib/state/conversation.ts';
import { EngineError, RemoteError, toErrorShape } from '../../workers/protocol/errors.ts';
import { needsReload, toUiError } from '../../src/lib/utils/engine-errors.ts';

function chat(): Conversation {
  const c = newConversation({ systemPrompt: 'Be brief.', temperature: 0.3 }, 1000);
  c.messages = [
    { id: 'u1', role: 'user', content: 'Hi', createdAt: 1 },
    { id: 'a1', role: 'assistant', content: 'Hello!', createdAt: 2, status: 'done' },
    { id: 'u2', role: 'user', content: 'And?', createdAt: 3 },
    { id: 'a2', role: 'assistant', content: '', createdAt: 4, status: 'error', error: { code: 'out_of_memory', detail: 'x' } },
  ];
  return c;
}

describe('requestMessages', () => {
  it('sends the system prompt and every message with text', () => {
    expect(requestMessages(chat())).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!' },
      { role: 'user', content: 'And?' },
    ]);
  });

  it('leaves out an empty system prompt', () => {
    const c = chat();
    c.settings.systemPrompt = '  ';
    expect(requestMessages(c)[0]).toEqual({ role: 'user', content: 'Hi' });
  });
});

describe('titleFrom', () => {
  it('takes the first line, shortened', () => {
    expect(titleFrom('  Hello\nworld')).toBe('Hello');
    expect(titleFrom('x'.repeat(60))).toHaveLength(48);
  });
});

describe('export files', () => {
  it('round-trip', () => {
    const c = chat();
    expect(parseExportFile(JSON.stringify(exportFile([c])))).toEqual([c]);
  });

  it('turn an answer that was streaming into an interrupted one', () => {
    const c = chat();
    c.messages[3]!.status = 'streaming';
    expect(parseExportFile(JSON.stringify(exportFile([c])))[0]!.messages[3]!.status).toBe('interrupted');
  });

  it('are refused with a reason when they are not exports', () => {
    expect(() => parseExportFile('nope')).toThrow('not JSON');
    expect(() => parseExportFile('{"format":"other","version":1}')).toThrow(`not a ${EXPORT_FORMAT} v1 file`);
    expect(() => parseExportFile(JSON.stringify({ format: EXPORT_FORMAT, version: 1, conversations: [{ id: 'x' }] }))).toThrow('conversation 1 lacks');
    const badRole = { format: EXPORT_FORMAT, version: 1, conversations: [{ id: 'x', title: '', messages: [{ role: 'system', content: 'hi' }] }] };
    expect(() => parseExportFile(JSON.stringify(badRole))).toThrow('conversation 1, message 1 needs a role');
  });

  it('drop fields of the wrong type instead of trusting them', () => {
    const file = {
      format: EXPORT_FORMAT,
      version: 1,
      conversations: [{ id: 'x', title: 't', settings: { systemPrompt: 5, top_p: 0.9 }, messages: [{ role: 'assistant', content: 'a', stats: { promptTokens: 'many' }, error: { code: 'evil' } }] }],
    };
    const [c] = parseExportFile(JSON.stringify(file));
    expect(c!.settings).toEqual({ systemPrompt: '', top_p: 0.9 });
    expect(c!.messages[0]!.stats).toBeUndefined();
    expect(c!.messages[0]!.error).toBeUndefined();
  });

  const file = (conversations: unknown[]): string => JSON.stringify({ format: EXPORT_FORMAT, version: 1, conversations });

  it('are refused when two messages share an id (the list is keyed by it)', () => {
    const twice = { id: 'x', title: 't', messages: [{ id: 'm', role: 'user', content: 'a' }, { id: 'm', role: 'assistant', content: 'b' }] };
    expect(() => parseExportFile(file([twice]))).toThrow('conversation 1 has two messages with the id "m"');
  });

  it('are refused when two conversations share an id', () => {
    const one = { id: 'x', title: 't', messages: [] };
    expect(() => parseExportFile(file([one, { ...one, title: 'u' }]))).toThrow('two conversations share the id "x"');
  });

  it.each([
    ['temperature', 'hot'],
    ['temperature', 5],
    ['top_p', 1.5],
    ['top_k', 2.5],
    ['repetition_penalty', 0],
    ['maxTokens', 0],
    ['seed', 0.5],
  ])('are refused when a setting is out of the engine range (%s = %s)', (key, value) => {
    const c = { id: 'x', title: 't', settings: { systemPrompt: '', [key]: value }, messages: [] };
    expect(() => parseExportFile(file([c]))).toThrow(`conversation 1 has an invalid setting ${key}`);
  });
});

describe('parseConversation', () => {
  it('checks a stored record as an import is checked', () => {
    const c = chat();
    expect(parseConversation(JSON.parse(JSON.stringify(c)), 'stored')).toEqual(c);
    c.messages[1]!.id = 'u1';
    expect(() => parseConversation(c, 'stored')).toThrow('stored has two messages with the id "u1"');
  });

  it('parseStored keeps the good records and gives a reason for each bad one', () => {
    const good = chat();
    const bad = chat();
    bad.id = 'bad';
    bad.messages[1]!.id = 'u1';
    const { conversations, skipped } = parseStored([bad, 'junk', good]);
    expect(conversations).toEqual([good]);
    expect(skipped).toEqual(['stored conversation bad has two messages with the id "u1"', 'stored conversation #2 lacks an id, a title or messages']);
  });
});

describe('toUiError', () => {
  it("keeps the thrower's code (engine or remote) and says when to reload", () => {
    expect(toUiError(new EngineError('tokenizer_mismatch', 'no match'))).toEqual({ code: 'tokenizer_mismatch', detail: 'no match' });
    expect(toUiError(new RemoteError('remote_timeout', 'slow'))).toEqual({ code: 'remote_timeout', detail: 'slow' });
    // The engine worker names a lost device that onnxruntime reports as a plain error.
    expect(toUiError(EngineError.from(toErrorShape(new Error('GPUDevice was lost: reason unknown'))))).toMatchObject({ code: 'device_lost' });
    expect(toUiError(new Error('boom'))).toEqual({ code: 'internal', detail: 'boom' });
    expect(needsReload({ code: 'out_of_memory', detail: '' })).toBe(true);
    expect(needsReload({ code: 'context_length_exceeded', detail: '' })).toBe(false);
  });
});
