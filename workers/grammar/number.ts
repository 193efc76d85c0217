// JSON numbers, with integer-ness and minimum/maximum/exclusive* bounds enforced exactly.
// Values have at most 15 digits: a decimal that short round-trips through a double, so the
// double JSON.parse gives (and ajv compares) orders against a bound exactly as the decimal text
// orders against the bound's shortest decimal form, and the grammar can reason in exact
// decimals (BigInt, scaled). Without bounds a number may also take an exponent of one or two
// digits (e.g. 1.5e-7), which keeps it finite; bounded numbers are plain decimals.
import { byte, Frame, type GrammarNode, writeAscii } from './frame.ts';

const MAX_DIGITS = 15;
const MAX_EXPONENT_DIGITS = 2;

export interface NumberBound {
  readonly value: number;
  readonly exclusive: boolean;
}

/** Where one sign's magnitudes may lie, scaled by 10^scale; `high` null means no limit. */
interface Window {
  readonly low: bigint;
  readonly lowExclusive: boolean;
  readonly high: bigint | null;
  readonly highExclusive: boolean;
}

/** Where a number's text is: after '-', in the integer digits, after '.', in the fraction
 * digits, after 'e', after 'e-' or 'e+', in the exponent digits. */
const Phase = { Sign: 0, Int: 1, Dot: 2, Frac: 3, ExpMark: 4, ExpSign: 5, ExpDigits: 6 } as const;
type Phase = (typeof Phase)[keyof typeof Phase];

const isDigit = (b: number): boolean => b >= 0x30 && b <= 0x39;

export class NumberNode implements GrammarNode {
  readonly integer: boolean;
  readonly bounded: boolean;
  readonly shortest: number;
  readonly #scale: number;
  /** [positive, negative] magnitudes. */
  readonly #windows: readonly [Window, Window];
  readonly #shortestText: string;
  readonly #powers: bigint[] = [];
  /** #finishSign's answers, [positive, negative], worked out once. */
  readonly #signFinish: (string | null)[] = [];

  constructor(integer: boolean, lower: NumberBound | null = null, upper: NumberBound | null = null) {
    this.integer = integer;
    this.bounded = lower !== null || upper !== null;
    const low = lower && decimal(lower.value);
    const high = upper && decimal(upper.value);
    this.#scale = Math.max(MAX_DIGITS, -(low?.exponent ?? 0), -(high?.exponent ?? 0));
    const scaled = (d: Decimal): bigint => d.digits * this.#pow(d.exponent + this.#scale) * (d.negative ? -1n : 1n);
    const lowValue = low && scaled(low);
    const highValue = high && scaled(high);
    // A sign's magnitudes x: lower <= x <= upper, or for '-', -upper <= x <= -lower; never below 0.
    const window = (from: bigint | null, fromExclusive: boolean, to: bigint | null, toExclusive: boolean): Window =>
      from !== null && from >= 0n
        ? { low: from, lowExclusive: fromExclusive, high: to, highExclusive: toExclusive }
        : { low: 0n, lowExclusive: false, high: to, highExclusive: toExclusive };
    this.#windows = [
      window(lowValue, lower?.exclusive ?? false, highValue, upper?.exclusive ?? false),
      window(highValue === null ? null : -highValue, upper?.exclusive ?? false, lowValue === null ? null : -lowValue, lower?.exclusive ?? false),
    ];
    const positive = (this.#signFinish[0] = this.#searchSign(false));
    const negative = (this.#signFinish[1] = this.#searchSign(true));
    const candidates = [positive, negative === null ? null : `-${negative}`].filter((t): t is string => t !== null);
    this.#shortestText = candidates.reduce((best, t) => (t.length < best.length ? t : best), candidates[0] ?? '');
    this.shortest = candidates.length > 0 ? this.#shortestText.length : Infinity;
  }

  measure(): boolean {
    return false;
  }

  prune(): void {}

  writeShortest(out: number[]): void {
    writeAscii(out, this.#shortestText);
  }

  start(b: number, next: Frame, out: Frame[]): void {
    if (b === byte('-')) {
      if (this.#finishSign(true) !== null) out.push(new NumberFrame(this, true, '', '', Phase.Sign, 0, next));
    } else if (isDigit(b)) {
      const int = String.fromCharCode(b);
      if (this.reaches(false, int, '', Phase.Int)) out.push(new NumberFrame(this, false, int, '', Phase.Int, 0, next));
    }
  }

  /** Whether some number with this prefix (sign, digits, phase) is allowed. */
  reaches(negative: boolean, int: string, frac: string, phase: Phase): boolean {
    if (!this.bounded) return true;
    if (phase === Phase.Sign) return this.#finishSign(negative) !== null;
    return this.finish(negative, int, frac, phase) !== null;
  }

  /** Whether the number so far is a complete allowed value. */
  accepts(negative: boolean, int: string, frac: string, phase: Phase): boolean {
    if (phase !== Phase.Int && phase !== Phase.Frac && phase !== Phase.ExpDigits) return false;
    if (!this.bounded) return true;
    return this.finish(negative, int, frac, phase) === '';
  }

  /** The shortest text completing an allowed value from this prefix, or null when there is none. */
  finish(negative: boolean, int: string, frac: string, phase: Phase): string | null {
    if (!this.bounded) {
      return phase === Phase.Sign || phase === Phase.Dot || phase === Phase.ExpMark || phase === Phase.ExpSign ? '0' : '';
    }
    const window = this.#windows[negative ? 1 : 0];
    const one = this.#pow(this.#scale);
    const n = int.length;
    if (phase === Phase.Sign) return this.#finishSign(negative);
    if (phase === Phase.Dot || phase === Phase.Frac) {
      // [value, value + 10^-k) on the grid of the digits left.
      const k = frac.length;
      const value = BigInt(int + frac) * this.#pow(this.#scale - k);
      for (let more = phase === Phase.Dot ? 1 : 0; n + k + more <= MAX_DIGITS; more++) {
        const grid = this.#pow(this.#scale - k - more);
        const hit = lowestIn(value, value + this.#pow(this.#scale - k), grid, window);
        if (hit !== null) return digits((hit - value) / grid, more);
      }
      return null;
    }
    // Int: m more integer digits, then maybe a dot and f fraction digits; shortest first.
    const base = BigInt(int);
    const maxMore = int === '0' ? 0 : MAX_DIGITS - n;
    for (let length = 0; length <= MAX_DIGITS - n + 1; length++) {
      for (let m = Math.min(maxMore, length); m >= 0; m--) {
        const f = length === m ? 0 : length - m - 1;
        if (length !== m && (f < 1 || this.integer || n + m + f > MAX_DIGITS)) continue;
        const from = base * this.#pow(m) * one;
        const grid = this.#pow(this.#scale - f);
        const hit = lowestIn(from, from + this.#pow(m) * one, grid, window);
        if (hit === null) continue;
        const intPart = digits(hit / one - base * this.#pow(m), m);
        return f === 0 ? intPart : `${intPart}.${digits((hit % one) / grid, f)}`;
      }
    }
    return null;
  }

  #finishSign(negative: boolean): string | null {
    return this.#signFinish[negative ? 1 : 0]!;
  }

  /** The shortest allowed magnitude's text for one sign (without the '-'), or null. */
  #searchSign(negative: boolean): string | null {
    let best: string | null = null;
    for (let d = 0; d <= 9; d++) {
      const rest = this.finish(negative, String(d), '', Phase.Int);
      if (rest !== null && (best === null || rest.length + 1 < best.length)) best = `${d}${rest}`;
    }
    return best;
  }

  #pow(exponent: number): bigint {
    return (this.#powers[exponent] ??= 10n ** BigInt(exponent));
  }
}

/** The lowest point of `grid` in [from, to) inside the window, or null. `from` is on the grid. */
function lowestIn(from: bigint, to: bigint, grid: bigint, window: Window): bigint | null {
  let at = from;
  if (window.low > at) at = ((window.low + grid - 1n) / grid) * grid;
  if (at === window.low && window.lowExclusive) at += grid;
  if (at >= to) return null;
  if (window.high !== null && (at > window.high || (at === window.high && window.highExclusive))) return null;
  return at;
}

function digits(value: bigint, width: number): string {
  return width === 0 ? '' : value.toString().padStart(width, '0');
}

interface Decimal {
  negative: boolean;
  digits: bigint;
  exponent: number;
}

/** A double's shortest round-trip decimal (what String() prints), exactly. */
function decimal(value: number): Decimal {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(value));
  if (match === null) throw new RangeError(`not a finite number: ${value}`);
  const [, sign, int, frac = '', exponent = '0'] = match;
  return { negative: sign === '-', digits: BigInt(int! + frac), exponent: Number(exponent) - frac.length };
}

class NumberFrame extends Frame {
  readonly node: NumberNode;
  readonly negative: boolean;
  readonly int: string;
  readonly frac: string;
  readonly phase: Phase;
  readonly expDigits: number;

  constructor(node: NumberNode, negative: boolean, int: string, frac: string, phase: Phase, expDigits: number, next: Frame | null) {
    super(next);
    this.node = node;
    this.negative = negative;
    this.int = int;
    this.frac = frac;
    this.phase = phase;
    this.expDigits = expDigits;
  }

  step(b: number, out: Frame[]): void {
    const next = this.#successor(b);
    if (next !== null) out.push(next);
    else if (this.canEnd()) this.next!.step(b, out);
  }

  #successor(b: number): NumberFrame | null {
    const { node, negative, int, frac, phase } = this;
    const to = (i: string, f: string, p: Phase, e = 0): NumberFrame | null =>
      node.reaches(negative, i, f, p) ? new NumberFrame(node, negative, i, f, p, e, this.next) : null;
    const digit = isDigit(b) ? String.fromCharCode(b) : null;
    const roomForDigit = int.length + frac.length < MAX_DIGITS;
    const exponent = !node.integer && !node.bounded && (b === byte('e') || b === byte('E'));
    switch (phase) {
      case Phase.Sign:
        return digit === null ? null : to(digit, '', Phase.Int);
      case Phase.Int:
        if (digit !== null) return int !== '0' && roomForDigit ? to(int + digit, '', Phase.Int) : null;
        if (b === byte('.')) return !node.integer && roomForDigit ? to(int, '', Phase.Dot) : null;
        return exponent ? to(int, '', Phase.ExpMark) : null;
      case Phase.Dot:
        return digit !== null && roomForDigit ? to(int, digit, Phase.Frac) : null;
      case Phase.Frac:
        if (digit !== null) return roomForDigit ? to(int, frac + digit, Phase.Frac) : null;
        return exponent ? to(int, frac, Phase.ExpMark) : null;
      case Phase.ExpMark:
        if (b === byte('-') || b === byte('+')) return to(int, frac, Phase.ExpSign);
        return digit !== null ? to(int, frac, Phase.ExpDigits, 1) : null;
      case Phase.ExpSign:
        return digit !== null ? to(int, frac, Phase.ExpDigits, 1) : null;
      case Phase.ExpDigits:
        return digit !== null && this.expDigits < MAX_EXPONENT_DIGITS ? to(int, frac, Phase.ExpDigits, this.expDigits + 1) : null;
    }
  }

  override canEnd(): boolean {
    return this.node.accepts(this.negative, this.int, this.frac, this.phase);
  }

  protected ownCost(): number {
    return this.#closing().length;
  }

  writeOwnClosing(out: number[]): void {
    writeAscii(out, this.#closing());
  }

  #closing(): string {
    return this.node.finish(this.negative, this.int, this.frac, this.phase) ?? '';
  }
}
