// Conversations to import in UI tests: one whose answers carry hostile HTML (model output is
// untrusted), and one with the Markdown a real chat shows (code, math, a table, long words),
// for the rendering checks and the screenshots.
import type { Conversation, ExportFile } from '../../src/lib/state/conversation.ts';

const AT = Date.UTC(2026, 10, 1, 9, 30);
const STATS = {
  promptTokens: 42,
  reusedTokens: 30,
  prefillTokens: 12,
  prefillTokensPerSecond: 410.5,
  decodeTokens: 64,
  decodeTokensPerSecond: 38.2,
  timeToFirstTokenMs: 95,
  finishReason: 'stop' as const,
};

export const HOSTILE_ANSWER = [
  'Here is an image: <img src=x onerror="window.__pwned = \'img\'">',
  '<script>window.__pwned = "script"</script>',
  '[click me](javascript:window.__pwned=%22link%22) and <a href="javascript:window.__pwned=1">raw link</a>',
  '<div onmouseover="window.__pwned = \'hover\'" style="position:fixed;inset:0">hover</div>',
  '<iframe src="javascript:parent.__pwned=1"></iframe><svg onload="window.__pwned=\'svg\'"></svg>',
  '![tracker](https://example.com/pixel.png)',
  'Safe link: [Qwen](https://qwenlm.github.io/)',
].join('\n\n');

export function conversation(id: string, title: string, turns: [string, string][], minutesAgo: number): Conversation {
  const messages = turns.flatMap(([question, answer], i) => [
    { id: `${id}-u${i}`, role: 'user' as const, content: question, createdAt: AT + i },
    { id: `${id}-a${i}`, role: 'assistant' as const, content: answer, createdAt: AT + i + 1, status: 'done' as const, stats: STATS, model: 'onnx-community/Qwen2.5-0.5B-Instruct' },
  ]);
  return { id, title, renamed: true, createdAt: AT, updatedAt: AT - minutesAgo * 60_000, messages, settings: { systemPrompt: '' }, draft: '' };
}

export const HOSTILE = conversation('hostile', 'Hostile output', [['Show me some HTML', HOSTILE_ANSWER]], 0);

export const SHOWCASE = conversation(
  'showcase',
  'Fibonacci in Python',
  [
    [
      'Write a Python function for Fibonacci numbers and explain its cost.',
      [
        'Here is an iterative version:',
        '```python\ndef fib(n: int) -> int:\n    """The n-th Fibonacci number."""\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n```',
        'It runs in $O(n)$ time and $O(1)$ memory. The closed form is',
        '$$F_n = \\frac{\\varphi^n - \\psi^n}{\\sqrt{5}}$$',
        '| n | F(n) |\n|---|------|\n| 10 | 55 |\n| 20 | 6765 |',
        'A very long identifier does not break the layout: `averyveryveryveryveryveryveryveryveryveryverylongidentifier_without_spaces`.',
      ].join('\n\n'),
    ],
    ['用中文解释一下。', '**斐波那契数列**：每一项等于前两项之和。上面的函数用两个变量迭代计算，时间复杂度 $O(n)$。'],
  ],
  5,
);

export function exportOf(...conversations: Conversation[]): ExportFile {
  return { format: 'qwen-local-conversations', version: 1, exportedAt: new Date(AT).toISOString(), conversations };
}

export function exportBuffer(...conversations: Conversation[]): { name: string; mimeType: string; buffer: Buffer } {
  return { name: 'chats.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(exportOf(...conversations))) };
}
