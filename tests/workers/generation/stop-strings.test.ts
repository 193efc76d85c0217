// Shown: StopStringFilter releases only text that cannot start a stop string, holds the rest,
// cuts before a stop string split across deltas, and never releases the stop string itself.
import { describe, expect, it } from 'vitest';
import { StopStringFilter } from '../../../workers/generation/stop-strings.ts';

function feed(stops: readonly string[], deltas: readonly string[]): { pushed: string[]; stopped: boolean; flushed: string } {
  const filter = new StopStringFilter(stops);
  const pushed: string[] = [];
  let stopped = false;
  for (const delta of deltas) {
    const result = filter.push(delta);
    pushed.push(result.text);
    stopped = result.stopped;
  }
  return { pushed, stopped, flushed: filter.flush() };
}

describe('StopStringFilter', () => {
  it('stops on a stop string completed in a later delta, releasing the text before it', () => {
    expect(feed(['STOP'], ['Hello wor', 'ld STOP'])).toEqual({ pushed: ['Hello wor', 'ld '], stopped: true, flushed: '' });
  });

  it('holds a possible beginning and stops when the rest arrives', () => {
    expect(feed(['STOP'], ['Hello S', 'T', 'OP and more'])).toEqual({
      pushed: ['Hello ', '', ''],
      stopped: true,
      flushed: '',
    });
  });

  it('releases a false start once it can no longer become a stop string', () => {
    expect(feed(['STOP'], ['ST', 'x'])).toEqual({ pushed: ['', 'STx'], stopped: false, flushed: '' });
  });

  it('handles a stop string that overlaps its own prefix', () => {
    // "abaab": the held "ab" could still begin "abab", the "aba" before it cannot.
    expect(feed(['abab'], ['ab', 'aab', 'ab', 'c'])).toEqual({ pushed: ['', 'aba', '', ''], stopped: true, flushed: '' });
    expect(feed(['abab'], ['aba', 'c'])).toEqual({ pushed: ['', 'abac'], stopped: false, flushed: '' });
  });

  it('watches several stop strings at once', () => {
    expect(feed(['\n\n', 'END'], ['foo\n', 'bar EN', 'D baz'])).toEqual({
      pushed: ['foo', '\nbar ', ''],
      stopped: true,
      flushed: '',
    });
    expect(feed(['\n\n', 'END'], ['foo\n', '\nbar'])).toEqual({ pushed: ['foo', ''], stopped: true, flushed: '' });
  });

  it('cuts at the earliest stop string when several complete in one delta', () => {
    expect(feed(['world', 'lo w'], ['hello world'])).toEqual({ pushed: ['hel'], stopped: true, flushed: '' });
  });

  it('releases the held tail on flush when the stream ends first', () => {
    expect(feed(['STOP'], ['abc ST'])).toEqual({ pushed: ['abc '], stopped: false, flushed: 'ST' });
  });

  it('yields nothing after stopping', () => {
    const filter = new StopStringFilter(['x']);
    expect(filter.push('axb')).toEqual({ text: 'a', stopped: true });
    expect(filter.push('more')).toEqual({ text: '', stopped: true });
    expect(filter.flush()).toBe('');
  });

  it('ignores empty stop strings and passes everything through without stops', () => {
    expect(feed(['', 'Z'], ['abc', 'def'])).toEqual({ pushed: ['abc', 'def'], stopped: false, flushed: '' });
    expect(feed([], ['S', 'T'])).toEqual({ pushed: ['S', 'T'], stopped: false, flushed: '' });
  });
});
