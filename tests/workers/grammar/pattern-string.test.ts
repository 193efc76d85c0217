// Shown, with ajv and ajv-formats (full mode) as the oracle: a string schema with `format`,
// `pattern` and length limits accepts only JSON strings ajv accepts (every format, a set of real
// patterns; random strings, mutations of valid values, and random walks through the automaton),
// accepts what the automaton is meant to (ajv's own regexes exactly), and from any prefix the
// closing it writes is `cost` bytes long and finishes a valid document.
import { describe, expect, it } from 'vitest';
import { Random } from '../../../workers/generation/random.ts';
import { formatAutomaton, FORMAT_NAMES } from '../../../workers/grammar/formats.ts';
import { accepts, advanceBytes, closingBytes, closingCost, initialState } from '../../../workers/grammar/matcher.ts';
import { compileSchema } from '../../../workers/grammar/schema-compiler.ts';
import { randomText, sampleAccepted } from './regex-sampling.ts';
import { validationProblem } from './helpers.ts';

const utf8 = (text: string): number[] => [...new TextEncoder().encode(text)];
const decode = (bytes: readonly number[]): string => new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(bytes));

const VALID: Readonly<Record<string, readonly string[]>> = {
  date: ['2024-02-29', '2000-02-29', '1999-12-31'],
  time: ['23:59:59Z', '00:00:00.123+05:30', '12:30:00-08:00', '01:02:03z'],
  'date-time': ['2024-06-01T08:15:00Z', '1900-01-01t00:00:00.5-23:59'],
  duration: ['P1Y2M3DT4H5M6S', 'P3W', 'PT1S', 'P1D', 'P1MT2M'],
  uuid: ['123e4567-e89b-12d3-a456-426614174000', 'urn:uuid:ABCDEF01-2345-6789-abcd-ef0123456789'],
  email: ['a@b.c', 'first.last+tag@mail.example-host.org'],
  hostname: ['example.com', 'a-b.c0.', 'localhost', 'xn--80ak6aa92e.com'],
  ipv4: ['192.168.0.1', '0.0.0.0', '255.255.255.255'],
  ipv6: ['::1', '2001:db8::ff00:42:8329', '::ffff:192.0.2.128', 'FE80::0202:B3FF:FE1E:8329'],
  uri: ['https://example.com/a/b?c=d#e', 'mailto:a@b.c', 'urn:isbn:0451450523', 'http://[::1]:80/', 'file:///etc/hosts'],
  'uri-reference': ['../a/b?c#d', '#frag', '', '//host/path', 'https://example.com/%20x', '/a:b', 'a/b:c'],
};
/** Where the grammar takes a strict subset of ajv's format (so only the subset direction holds). */
const SUBSET_FORMATS = new Set(['date', 'time', 'date-time', 'hostname', 'uri', 'uri-reference']);
/** What ajv accepts and the RFCs (and so other validators) do not: the grammar must refuse it. */
const REFUSED: Readonly<Record<string, readonly string[]>> = {
  'date-time': ['2024-06-01 08:15:00Z', '2024-06-01T08:15:00+0800', '2024-06-01T08:15:00+08'],
  time: ['12:30:00-0800', '10:00:00+05'],
  'uri-reference': ['://', ':a', 'a"b', '/[::1]'],
  uri: ['http:/[::1]'],
};
const MUTATION_CHARS = [...'aZ09:-./@#?%[]T+ "\\é😀\n'];

function mutate(random: Random, text: string): string {
  const chars = [...text];
  const edits = 1 + Math.floor(random.next() * 3);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(random.next() * (chars.length + 1));
    const c = MUTATION_CHARS[Math.floor(random.next() * MUTATION_CHARS.length)]!;
    const kind = random.next();
    if (kind < 0.33) chars.splice(at, 1);
    else if (kind < 0.66) chars.splice(at, 0, c);
    else chars[at] = c;
  }
  return chars.join('');
}

function checkAgainstAjv(schema: Record<string, unknown>, texts: Iterable<string>, exact: boolean): number {
  const { root } = compileSchema(schema);
  let accepted = 0;
  for (const text of texts) {
    const json = JSON.stringify(text);
    const ours = accepts(root, utf8(json));
    const ajv = validationProblem(schema, json) === null;
    if (ours) expect(ajv, `accepted ${json}, which ajv rejects`).toBe(true);
    if (exact) expect(ours, `rejected ${json}, which ajv accepts`).toBe(ajv);
    if (ours) accepted++;
  }
  return accepted;
}

describe('formats against ajv-formats (full)', () => {
  it('covers every format', () => {
    expect([...FORMAT_NAMES].sort()).toEqual(Object.keys(VALID).sort());
  });
  for (const name of FORMAT_NAMES) {
    it(name, () => {
      const schema = { type: 'string', format: name };
      const random = new Random(name.length);
      const valid = VALID[name]!;
      expect(checkAgainstAjv(schema, valid, true)).toBe(valid.length);
      const { root } = compileSchema(schema);
      for (const text of REFUSED[name] ?? []) expect(accepts(root, utf8(JSON.stringify(text))), text).toBe(false);
      const { dfa } = formatAutomaton(name)!;
      const samples = Array.from({ length: 300 }, () => sampleAccepted(dfa, random, 60));
      expect(checkAgainstAjv(schema, samples, false)).toBe(samples.filter((s) => s.length <= 253).length);
      const mutants = Array.from({ length: 1500 }, (_, i) => mutate(random, i % 2 === 0 ? valid[i % valid.length]! : samples[i % samples.length]!));
      checkAgainstAjv(schema, mutants, !SUBSET_FORMATS.has(name));
    });
  }
});

const PATTERN_SCHEMAS: Record<string, unknown>[] = [
  { type: 'string', pattern: '^[a-z0-9-]+$' },
  { type: 'string', pattern: '^\\d{3}-\\d{4}$' },
  { type: 'string', pattern: '^(\\([0-9]{3}\\))?[0-9]{3}-[0-9]{4}$' },
  { type: 'string', pattern: '^[A-Z]{2}$' },
  { type: 'string', pattern: '.*\\S.*' },
  { type: 'string', pattern: '^https?://' },
  { type: 'string', pattern: '^\\p{L}[\\p{L}\\p{N} ]*$' },
  { type: 'string', pattern: '^[\\u4e00-\\u9fa5]{2,4}$' },
  { type: 'string', pattern: 'a"b|\\\\|\\n' },
  { type: 'string', pattern: '^[^"\\\\]*$', minLength: 2, maxLength: 5 },
  { type: 'string', pattern: '^(?:aa)+$', minLength: 3, maxLength: 7 },
  { type: 'string', pattern: '[😀-😂]', maxLength: 3 },
  { type: 'string', pattern: '\\d', minLength: 4 },
  { type: 'string', format: 'email', pattern: '\\.org$', maxLength: 12 },
  { type: 'string', format: 'date', pattern: '^2024-' },
  { type: 'string', format: 'hostname', minLength: 5 },
];
const TEXT_CHARS = [...'aAzZ09-() "\\\n\t\u0001.:/é中😀😁h'];

describe('patterns against ajv', () => {
  for (const schema of PATTERN_SCHEMAS) {
    it(JSON.stringify(schema), () => {
      const random = new Random(JSON.stringify(schema).length);
      const texts = Array.from({ length: 2000 }, () => randomText(random, TEXT_CHARS, 8));
      checkAgainstAjv(schema, texts, true);
      // Random walks through the grammar itself: each must be a valid document.
      const { root } = compileSchema(schema);
      for (let i = 0; i < 200; i++) {
        const bytes = walk(root, random);
        expect(validationProblem(schema, decode(bytes)), decode(bytes)).toBeNull();
      }
    });
  }

  it('reads escapes, including \\u00XX for control characters', () => {
    const { root } = compileSchema({ type: 'string', pattern: '^a"\\\\/\\u0001\\n$' });
    expect(accepts(root, utf8('"a\\"\\\\\\/\\u0001\\n"'))).toBe(true);
    expect(accepts(root, utf8('"a\\"\\\\/\\u0001\\u000a"'))).toBe(true);
    expect(accepts(root, utf8('"a\\"\\\\/\\u0001\\u000A"'))).toBe(true);
    expect(accepts(root, utf8('"a\\"\\\\/\\u0002\\n"'))).toBe(false);
  });
});

/** Random bytes the grammar allows, then its closing: a whole document. */
function walk(root: ReturnType<typeof compileSchema>['root'], random: Random): number[] {
  let state = advanceBytes(initialState(root), [0x22]);
  const bytes = [0x22];
  for (let i = 0; i < 30 && random.next() > 0.05; i++) {
    const ways = [...Array(256).keys()].filter((b) => advanceBytes(state, [b]).length > 0);
    if (ways.length === 0) break;
    const ascii = ways.filter((b) => b < 0x80);
    const pool = ascii.length > 0 && random.next() < 0.8 ? ascii : ways;
    const b = pool[Math.floor(random.next() * pool.length)]!;
    bytes.push(b);
    state = advanceBytes(state, [b]);
    if (b === 0x22 && closingCost(state) === 0) return bytes;
  }
  const closing = closingBytes(state);
  expect(closing.length).toBe(closingCost(state));
  return [...bytes, ...closing];
}

describe('closing from every prefix', () => {
  const CASES: [Record<string, unknown>, string][] = [
    [{ type: 'string', pattern: '^a"b\\\\c$' }, '"a\\"b\\\\c"'],
    [{ type: 'string', pattern: '^\\u0001x$', maxLength: 2 }, '"\\u0001x"'],
    [{ type: 'string', format: 'uri', maxLength: 30 }, '"https://example.com/path?q=1"'],
    [{ type: 'string', format: 'ipv6' }, '"2001:db8::ff00:42:8329"'],
    [{ type: 'string', pattern: '^[^x]+$', minLength: 4 }, '"é中😀a"'],
    [{ type: 'object', properties: { zip: { type: 'string', pattern: '^\\d{5}$' } }, required: ['zip'], additionalProperties: false }, '{"zip":"12345"}'],
  ];
  for (const [schema, text] of CASES) {
    it(`${JSON.stringify(schema)}: ${text}`, () => {
      const bytes = utf8(text);
      const { root } = compileSchema(schema);
      expect(accepts(root, bytes)).toBe(true);
      for (let at = 0; at <= bytes.length; at++) {
        const state = advanceBytes(initialState(root), bytes.slice(0, at));
        const closing = closingBytes(state);
        expect(closing.length, `after ${at} bytes`).toBe(closingCost(state));
        const whole = [...bytes.slice(0, at), ...closing];
        expect(accepts(root, whole)).toBe(true);
        expect(validationProblem(schema, decode(whole)), decode(whole)).toBeNull();
      }
    });
  }
});
