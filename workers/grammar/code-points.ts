// Sets of Unicode code points as sorted, disjoint, non-adjacent inclusive ranges
// [lo0, hi0, lo1, hi1, ...]: what a regex character class, escape or `.` stands for (regex-parser.ts),
// before utf8-ranges.ts turns each range into UTF-8 byte sequences.

export type CodePointSet = readonly number[];

export const MAX_CODE_POINT = 0x10ffff;

export function union(...sets: readonly CodePointSet[]): CodePointSet {
  const ranges: [number, number][] = [];
  for (const set of sets) for (let i = 0; i < set.length; i += 2) ranges.push([set[i]!, set[i + 1]!]);
  ranges.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [lo, hi] of ranges) {
    if (out.length > 0 && lo <= out[out.length - 1]! + 1) out[out.length - 1] = Math.max(out[out.length - 1]!, hi);
    else out.push(lo, hi);
  }
  return out;
}

export function complement(set: CodePointSet): CodePointSet {
  const out: number[] = [];
  let from = 0;
  for (let i = 0; i < set.length; i += 2) {
    if (set[i]! > from) out.push(from, set[i]! - 1);
    from = set[i + 1]! + 1;
  }
  if (from <= MAX_CODE_POINT) out.push(from, MAX_CODE_POINT);
  return out;
}

export const single = (c: number): CodePointSet => [c, c];

const chars = (text: string): CodePointSet => union(...[...text].map((c) => single(c.codePointAt(0)!)));

export const DIGIT: CodePointSet = [0x30, 0x39];
export const WORD: CodePointSet = union(DIGIT, [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]);
/** ECMAScript's WhiteSpace and LineTerminator, which \s matches. */
export const SPACE: CodePointSet = union(
  chars('\t\n\v\f\r \u00a0\u1680\u2028\u2029\u202f\u205f\u3000\ufeff'),
  [0x2000, 0x200a],
);
/** What `.` matches without the s flag: everything but line terminators. */
export const DOT: CodePointSet = complement(chars('\n\r\u2028\u2029'));
export const ANY: CodePointSet = [0, MAX_CODE_POINT];

const propertyCache = new Map<string, CodePointSet>();

/** The code points `\p{name}` matches, found by asking this engine's RegExp about each one (so
 * exactly the engine's Unicode version); null when the engine does not know the property. */
export function unicodeProperty(name: string): CodePointSet | null {
  const known = propertyCache.get(name);
  if (known !== undefined) return known;
  let test: RegExp;
  try {
    test = new RegExp(`^\\p{${name}}$`, 'u');
  } catch {
    return null;
  }
  const out: number[] = [];
  for (let c = 0; c <= MAX_CODE_POINT; c++) {
    if (c === 0xd800) c = 0xe000; // lone surrogates never reach a pattern here (see utf8-ranges.ts)
    if (!test.test(String.fromCodePoint(c))) continue;
    if (out.length > 0 && out[out.length - 1] === c - 1) out[out.length - 1] = c;
    else out.push(c, c);
  }
  propertyCache.set(name, out);
  return out;
}
