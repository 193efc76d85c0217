// `npm run verify:long` (not part of `npm test`: minutes of prefill on two cores): a conversation
// of about 32K tokens on the tiny shape, the engine in Chromium against onnxruntime-node on the
// same files, greedy. On WASM: the GroupQueryAttention graph (which the engine runs as plain-op
// attention there) and the Optimum graph. On WebGPU (a shorter conversation; SwiftShader is slow):
// both graphs with the KV cache written in place, the Optimum one after its attention rewrite.
import { expect, test } from '@playwright/test';
import { generate, openEngine } from '../e2e/helpers/engine-page.ts';
import { TINY_INSTRUCT, TINY_INSTRUCT_GQA } from '../e2e/helpers/hub.ts';
import { promptTokens, referenceGreedy, type ChatTurn } from '../e2e/helpers/reference.ts';

const GREEDY = { temperature: 0, repetition_penalty: 1 };
const NEW_TOKENS = Number(process.env['LONG_NEW_TOKENS'] ?? 8);
const WASM_TOKENS = Number(process.env['LONG_WASM_TOKENS'] ?? 32_000);
const WEBGPU_TOKENS = Number(process.env['LONG_WEBGPU_TOKENS'] ?? 1_000);
/** onnxruntime-node prefills in chunks, so a 32K prompt's attention scores stay in memory. */
const NODE_CHUNK = 512;

const SUBJECTS = ['the river survey', 'the archive', 'a bridge inspection', 'the orchard', 'the night shift', 'a ledger', 'the weather station', 'the harbour'];
const FINDINGS = ['was recorded twice', 'matched the earlier estimate', 'differed by a small margin', 'needs another look', 'was signed off', 'arrived late'];

/** Deterministic varied prose: numbered notes, so no two sentences tokenize alike. */
function notes(from: number, count: number): string {
  return Array.from({ length: count }, (_, i) => {
    const n = from + i;
    return `Note ${n}: ${SUBJECTS[n % SUBJECTS.length]} on day ${(n * 7) % 365} ${FINDINGS[n % FINDINGS.length]}, ${(n * 37) % 1000} units.`;
  }).join(' ');
}

/** A user/assistant conversation whose rendered prompt has at most `tokens` tokens, and nearly that many. */
async function conversation(repo: string, tokens: number): Promise<{ messages: ChatTurn[]; promptTokens: number }> {
  const build = (sentences: number): ChatTurn[] => {
    const turns = 8;
    const per = Math.max(1, Math.floor(sentences / turns));
    const messages: ChatTurn[] = [{ role: 'system', content: 'You keep track of field notes.' }];
    for (let t = 0; t < turns; t++) messages.push({ role: t % 2 === 0 ? 'user' : 'assistant', content: notes(t * per, per) });
    messages.push({ role: 'user', content: 'Which note mentions the harbour last?' });
    return messages;
  };
  // About 25 tokens a sentence: scale from a first guess, then step down until it fits.
  let sentences = Math.floor(tokens / 25);
  let count = (await promptTokens(repo, { messages: build(sentences) })).length;
  sentences = Math.floor((sentences * tokens) / count);
  for (;;) {
    count = (await promptTokens(repo, { messages: build(sentences) })).length;
    if (count <= tokens) return { messages: build(sentences), promptTokens: count };
    sentences -= Math.ceil(((count - tokens) / count) * sentences) + 8;
  }
}

for (const [device, tokens] of [
  ['wasm', WASM_TOKENS],
  ['webgpu', WEBGPU_TOKENS],
] as const) {
  for (const [graph, repo] of [
    ['GroupQueryAttention', TINY_INSTRUCT_GQA],
    ['Optimum', TINY_INSTRUCT],
  ] as const) {
    test(`${graph} graph on ${device}: greedy tokens equal onnxruntime-node's after a ${tokens}-token conversation`, async ({ page }) => {
      const { messages, promptTokens: count } = await conversation(repo, tokens);
      const report = await openEngine(page, repo, device);
      expect(report.device).toBe(device);
      expect(report.kvInPlace).toBe(device === 'webgpu');
      const started = Date.now();
      const result = await generate(page, { input: { mode: 'chat', messages }, maxTokens: NEW_TOKENS, sampling: GREEDY });
      const engineMs = Date.now() - started;
      expect(result.stats.promptTokens).toBe(count);
      const referenceStarted = Date.now();
      const reference = await referenceGreedy(repo, 'model_q4.onnx', { messages }, NEW_TOKENS, 'node', NODE_CHUNK);
      console.log(
        `[figures] ${graph} on ${device}: ${count} prompt tokens; engine ${(engineMs / 1000).toFixed(1)} s (prefill ${result.stats.prefillTokensPerSecond.toFixed(1)} tok/s, KV ${report.kvInPlace ? 'in place' : 'growing'}), onnxruntime-node ${((Date.now() - referenceStarted) / 1000).toFixed(1)} s; tokens ${result.tokenIds.join(',')} vs ${reference.join(',')}`,
      );
      expect(result.tokenIds).toEqual(reference);
    });
  }
}
