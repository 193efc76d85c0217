// ECMAScript regular expression source (JSON Schema's `pattern`, read with the `u` flag's
// meaning: over code points) to a syntax tree of code point sets, concatenation, alternation,
// repetition and the ^/$ assertions. What the tree cannot say exactly (lookarounds,
// backreferences, \b) is refused. Where the non-`u` syntax only differs trivially (a lone `{` or
// `]`, an escaped punctuation character) it is read as non-`u` engines read it.
import {
  type CodePointSet, complement, DIGIT, DOT, single, SPACE, union, unicodeProperty, WORD,
} from './code-points.ts';

export type RegexNode =
  | { readonly kind: 'set'; readonly set: CodePointSet }
  | { readonly kind: 'concat'; readonly items: readonly RegexNode[] }
  | { readonly kind: 'alt'; readonly options: readonly RegexNode[] }
  | { readonly kind: 'repeat'; readonly body: RegexNode; readonly min: number; readonly max: number }
  | { readonly kind: 'start' }
  | { readonly kind: 'end' };

/** Thrown for a source that is invalid or not exactly expressible. */
export class RegexRefusal extends Error {}

const CONTROL_ESCAPES: Readonly<Record<string, number>> = { t: 9, n: 10, v: 11, f: 12, r: 13 };
const SYNTAX = new Set('^$\\.*+?()[]{}|/');
const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9a-fA-F]$/.test(c);
const isAsciiLetter = (c: string): boolean => /^[A-Za-z]$/.test(c);

/** An ASCII letter's set, with its other case when `caseless` (the non-`u` `i` flag's meaning
 * for ASCII, used by the format definitions). */
function literal(c: number, caseless: boolean): CodePointSet {
  if (!caseless || c > 0x7f || !isAsciiLetter(String.fromCharCode(c))) return single(c);
  return union(single(c | 0x20), single(c & ~0x20));
}

export function parseRegex(source: string, caseless = false): RegexNode {
  return new Parser(source, caseless).parse();
}

class Parser {
  readonly #chars: readonly string[];
  readonly #caseless: boolean;
  #at = 0;

  constructor(source: string, caseless: boolean) {
    this.#chars = [...source];
    this.#caseless = caseless;
  }

  parse(): RegexNode {
    const node = this.#disjunction();
    if (this.#at < this.#chars.length) throw new RegexRefusal(`unbalanced ")" at ${this.#at}`);
    return node;
  }

  #peek(offset = 0): string | undefined {
    return this.#chars[this.#at + offset];
  }

  #eat(c: string): boolean {
    if (this.#peek() !== c) return false;
    this.#at++;
    return true;
  }

  #disjunction(): RegexNode {
    const options = [this.#alternative()];
    while (this.#eat('|')) options.push(this.#alternative());
    return options.length === 1 ? options[0]! : { kind: 'alt', options };
  }

  #alternative(): RegexNode {
    const items: RegexNode[] = [];
    for (let c = this.#peek(); c !== undefined && c !== '|' && c !== ')'; c = this.#peek()) {
      items.push(this.#quantifier(this.#atom()));
    }
    return items.length === 1 ? items[0]! : { kind: 'concat', items };
  }

  #quantifier(atom: RegexNode): RegexNode {
    const bounds = this.#bounds();
    if (bounds === null) return atom;
    if (atom.kind === 'start' || atom.kind === 'end') throw new RegexRefusal('a quantifier on an assertion is not allowed');
    this.#eat('?'); // lazy: the same language
    if (this.#peek() !== undefined && '*+?'.includes(this.#peek()!)) throw new RegexRefusal('nothing to repeat');
    if (this.#peek() === '{' && this.#braceBounds(false) !== null) throw new RegexRefusal('nothing to repeat');
    return { kind: 'repeat', body: atom, min: bounds[0], max: bounds[1] };
  }

  #bounds(): [number, number] | null {
    const c = this.#peek();
    if (c === '*' || c === '+' || c === '?') {
      this.#at++;
      return c === '*' ? [0, Infinity] : c === '+' ? [1, Infinity] : [0, 1];
    }
    return c === '{' ? this.#braceBounds(true) : null;
  }

  /** {n}, {n,} or {n,m} at the cursor (consumed when `consume`); null when not one. */
  #braceBounds(consume: boolean): [number, number] | null {
    const match = /^\{(\d+)(,(\d*))?\}/.exec(this.#chars.slice(this.#at, this.#at + 24).join(''));
    if (match === null) return null;
    const min = Number(match[1]);
    const max = match[2] === undefined ? min : match[3] === '' ? Infinity : Number(match[3]);
    if (max < min) throw new RegexRefusal(`numbers out of order in {${min},${max}}`);
    if (consume) this.#at += match[0].length;
    return [min, max];
  }

  #atom(): RegexNode {
    const c = this.#chars[this.#at++]!;
    switch (c) {
      case '^':
        return { kind: 'start' };
      case '$':
        return { kind: 'end' };
      case '.':
        return { kind: 'set', set: DOT };
      case '(':
        return this.#group();
      case '[':
        return { kind: 'set', set: this.#class() };
      case '\\':
        return this.#atomEscape();
      case '*':
      case '+':
      case '?':
        throw new RegexRefusal('nothing to repeat');
      case '{':
        this.#at--;
        if (this.#braceBounds(false) !== null) throw new RegexRefusal('nothing to repeat');
        this.#at++;
        return { kind: 'set', set: single(0x7b) };
      default:
        return { kind: 'set', set: literal(c.codePointAt(0)!, this.#caseless) };
    }
  }

  #group(): RegexNode {
    if (this.#eat('?')) {
      const kind = this.#chars[this.#at++];
      if (kind === '<' && this.#peek() !== '=' && this.#peek() !== '!') {
        while (this.#peek() !== undefined && this.#peek() !== '>') this.#at++;
        if (!this.#eat('>')) throw new RegexRefusal('unterminated group name');
      } else if (kind !== ':') {
        throw new RegexRefusal(kind === '=' || kind === '!' || kind === '<' ? 'lookarounds are not supported' : `group "(?${kind ?? ''}" is not supported`);
      }
    }
    const inner = this.#disjunction();
    if (!this.#eat(')')) throw new RegexRefusal('unterminated group');
    return inner;
  }

  #atomEscape(): RegexNode {
    const c = this.#peek();
    if (c === 'b' || c === 'B') throw new RegexRefusal('word boundaries (\\b, \\B) are not supported');
    if (c === 'k' || (isDigit(c) && c !== '0')) throw new RegexRefusal('backreferences are not supported');
    return { kind: 'set', set: this.#escape(false) };
  }

  /** After a backslash: the set the escape stands for (in a class when `inClass`). */
  #escape(inClass: boolean): CodePointSet {
    const c = this.#chars[this.#at++];
    if (c === undefined) throw new RegexRefusal('\\ at end of pattern');
    const classEscape = this.#classEscape(c);
    if (classEscape !== null) return classEscape;
    return literal(this.#characterEscape(c, inClass), this.#caseless);
  }

  #classEscape(c: string): CodePointSet | null {
    switch (c) {
      case 'd':
        return DIGIT;
      case 'D':
        return complement(DIGIT);
      case 'w':
        return WORD;
      case 'W':
        return complement(WORD);
      case 's':
        return SPACE;
      case 'S':
        return complement(SPACE);
      case 'p':
      case 'P': {
        const match = /^\{([A-Za-z0-9_=]+)\}/.exec(this.#chars.slice(this.#at, this.#at + 64).join(''));
        const set = match === null ? null : unicodeProperty(match[1]!);
        if (set === null) throw new RegexRefusal(`unknown Unicode property escape \\${c}`);
        this.#at += match![0].length;
        return c === 'p' ? set : complement(set);
      }
      default:
        return null;
    }
  }

  /** The code point of a character escape whose letter `c` was just read. */
  #characterEscape(c: string, inClass: boolean): number {
    if (c in CONTROL_ESCAPES) return CONTROL_ESCAPES[c]!;
    if (c === 'b' && inClass) return 8;
    if (c === '0' && !isDigit(this.#peek())) return 0;
    if (c === 'c' && this.#peek() !== undefined && isAsciiLetter(this.#peek()!)) return this.#chars[this.#at++]!.charCodeAt(0) % 32;
    if (c === 'x' && isHex(this.#peek()) && isHex(this.#peek(1))) return this.#hex(2);
    if (c === 'u') return this.#unicodeEscape();
    if (SYNTAX.has(c) || c === '-' || !/^[\p{L}\p{N}_]$/u.test(c)) return c.codePointAt(0)!;
    throw new RegexRefusal(`unknown escape \\${c}`);
  }

  #hex(digits: number): number {
    const text = this.#chars.slice(this.#at, this.#at + digits).join('');
    this.#at += digits;
    return parseInt(text, 16);
  }

  #unicodeEscape(): number {
    if (this.#eat('{')) {
      const start = this.#at;
      while (isHex(this.#peek())) this.#at++;
      const value = parseInt(this.#chars.slice(start, this.#at).join(''), 16);
      if (this.#at === start || !this.#eat('}') || value > 0x10ffff) throw new RegexRefusal('invalid \\u{...} escape');
      return value;
    }
    if (![0, 1, 2, 3].every((i) => isHex(this.#peek(i)))) throw new RegexRefusal('invalid \\u escape');
    const unit = this.#hex(4);
    // With the u flag an escaped surrogate pair is one code point.
    const low = this.#chars.slice(this.#at, this.#at + 6).join('');
    if (unit >= 0xd800 && unit <= 0xdbff && /^\\u[dD][c-fC-F][0-9a-fA-F]{2}$/.test(low)) {
      this.#at += 2;
      return 0x10000 + ((unit - 0xd800) << 10) + (this.#hex(4) - 0xdc00);
    }
    if (unit >= 0xd800 && unit <= 0xdfff) throw new RegexRefusal('a lone surrogate never matches a JSON string here');
    return unit;
  }

  /** After `[`: the class's set. */
  #class(): CodePointSet {
    const negated = this.#eat('^');
    const parts: CodePointSet[] = [];
    for (;;) {
      const c = this.#peek();
      if (c === undefined) throw new RegexRefusal('unterminated character class');
      if (c === ']') {
        this.#at++;
        break;
      }
      const from = this.#classAtom();
      if (this.#peek() === '-' && this.#peek(1) !== ']' && this.#peek(1) !== undefined) {
        this.#at++;
        const to = this.#classAtom();
        if (typeof from !== 'number' || typeof to !== 'number') throw new RegexRefusal('a class escape cannot bound a range');
        if (to < from) throw new RegexRefusal('range out of order in character class');
        parts.push(this.#caseless ? union(...rangeCases(from, to)) : [from, to]);
      } else {
        parts.push(typeof from === 'number' ? literal(from, this.#caseless) : from);
      }
    }
    const set = union(...parts);
    return negated ? complement(set) : set;
  }

  /** One code point, or a class escape's set. */
  #classAtom(): number | CodePointSet {
    const c = this.#chars[this.#at++]!;
    if (c !== '\\') return c.codePointAt(0)!;
    const letter = this.#peek();
    if (letter === undefined) throw new RegexRefusal('\\ at end of pattern');
    if (isDigit(letter) && letter !== '0') throw new RegexRefusal('a backreference or octal escape in a class is not supported');
    this.#at++;
    return this.#classEscape(letter) ?? this.#characterEscape(letter, true);
  }
}

/** lo..hi with the other case of the ASCII letters in it. */
function rangeCases(lo: number, hi: number): CodePointSet[] {
  const out: CodePointSet[] = [[lo, hi]];
  for (const [a, z] of [[0x41, 0x5a], [0x61, 0x7a]] as const) {
    const from = Math.max(lo, a);
    const to = Math.min(hi, z);
    if (from <= to) out.push([from ^ 0x20, to ^ 0x20]);
  }
  return out;
}
