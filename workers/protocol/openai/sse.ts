// Server-sent events as the OpenAI API streams them: one `data: <json>` event per chunk and a
// final `data: [DONE]`; and the reader for clients of this app's own transports.

export const DONE = '[DONE]';

export function sseEvent(data: unknown): string {
  return `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}

/** The `data` payloads of an event stream, given its text in arbitrary pieces; stops at [DONE].
 * Returns whether [DONE] came: a stream that just ends was cut short. */
export async function* sseData(pieces: Iterable<string> | AsyncIterable<string>): AsyncGenerator<string, boolean> {
  let buffer = '';
  for await (const piece of pieces) {
    buffer += piece;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = event
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n');
      if (data === DONE) return true;
      if (data) yield data;
    }
  }
  return false;
}
