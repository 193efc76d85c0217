// JSON Schema's `pattern` as a minimal byte-level DFA over the UTF-8 of a string's code points:
// accepted exactly when `new RegExp(source, 'u').test(string)`, so unanchored unless ^/$ say
// otherwise. Parsing in regex-parser.ts, automata in regex-nfa.ts and byte-dfa.ts; this module
// caches the DFAs by source (a schema compiles once per request) and turns refusals into
// SchemaErrors. At most MAX_DFA_STATES (5,000) states.
import { type ByteDfa, determinize, intersect } from './byte-dfa.ts';
import { parseRegex, RegexRefusal } from './regex-parser.ts';
import { ByteNfa } from './regex-nfa.ts';
import { SchemaError } from './schema-error.ts';

const cache = new Map<string, ByteDfa | RegexRefusal>();

/** The DFA of `source`; throws RegexRefusal for what cannot be enforced exactly. `caseless`:
 * ASCII letters match either case (the `i` flag of the format definitions, which are ASCII). */
export function regexDfa(source: string, caseless = false): ByteDfa {
  const key = `${caseless ? 'i' : '-'}${source}`;
  let dfa = cache.get(key);
  if (dfa === undefined) {
    try {
      dfa = determinize(new ByteNfa(parseRegex(source, caseless)));
    } catch (error) {
      if (!(error instanceof RegexRefusal)) throw error;
      dfa = error;
    }
    cache.set(key, dfa);
  }
  if (dfa instanceof RegexRefusal) throw dfa;
  return dfa;
}

/** For `pattern` and `patternProperties`: the byte DFA of a pattern, or a SchemaError under
 * `keyword` at `path` naming why it cannot be enforced. */
export function patternDfa(source: string, path: string, keyword = 'pattern'): ByteDfa {
  try {
    return regexDfa(source);
  } catch (error) {
    if (error instanceof RegexRefusal) throw new SchemaError(keyword, path, `pattern ${JSON.stringify(source)}: ${error.message}`);
    throw error;
  }
}

const intersections = new WeakMap<ByteDfa, WeakMap<ByteDfa, ByteDfa>>();

/** The DFA of the strings both accept (a format and a pattern), built once per pair. Throws
 * RegexRefusal past MAX_DFA_STATES or when no string is left. */
export function intersection(a: ByteDfa, b: ByteDfa): ByteDfa {
  let withA = intersections.get(a);
  if (withA === undefined) intersections.set(a, (withA = new WeakMap()));
  let both = withA.get(b);
  if (both === undefined) withA.set(b, (both = intersect(a, b)));
  return both;
}
