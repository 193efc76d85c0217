// The string formats the grammar can enforce, as small machines over ASCII text, each checked
// character by character so that every prefix it lets through can still finish. They accept a
// subset of what ajv-formats' full mode accepts: upper-case T and Z only, a time zone always,
// at most nine fraction-of-second digits, no leap seconds, no "urn:uuid:" prefix.

/** A format automaton over ASCII as a table, which the token index runs the whole vocabulary
 * through once: `next[state * 128 + char]` is the next state's number, or -1. */
export interface FormatTable {
  readonly states: readonly string[];
  readonly next: Int8Array;
}

export interface FormatMachine {
  readonly name: string;
  readonly initial: string;
  /** Length range of the values, for checking minLength/maxLength next to the format. */
  readonly lengths: readonly [number, number];
  /** The state after character `c`, or null when `c` can't come next. */
  step(state: string, c: string): string | null;
  done(state: string): boolean;
  /** The shortest text that completes a value from `state`. */
  finish(state: string): string;
  /** For machines small enough: their transition table, states being its state names. */
  readonly table?: FormatTable;
}

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/** A fixed-length format: its states are the text so far, `ok` says whether a prefix can finish. */
function fixedLength(name: string, length: number, alphabet: string, ok: (text: string) => boolean): FormatMachine {
  return {
    name,
    initial: '',
    lengths: [length, length],
    step: (text, c) => (text.length < length && ok(text + c) ? text + c : null),
    done: (text) => text.length === length,
    finish: (text) => fill(text, length, alphabet, ok),
  };
}

/** The first characters of `alphabet` (in its order) that take `text` to `length` while `ok`. */
function fill(text: string, length: number, alphabet: string, ok: (text: string) => boolean): string {
  let added = '';
  while (text.length + added.length < length) {
    const c = [...alphabet].find((candidate) => ok(text + added + candidate));
    if (c === undefined) throw new Error(`format text ${JSON.stringify(text + added)} cannot finish`);
    added += c;
  }
  return added;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!;
}

/** A prefix of YYYY-MM-DD that a real calendar day completes. */
function dateOk(text: string): boolean {
  if (text.length > 10) return false;
  for (let i = 0; i < text.length; i++) {
    if (i === 4 || i === 7 ? text[i] !== '-' : !isDigit(text[i])) return false;
  }
  if (text.length >= 6 && text[5]! > '1') return false;
  if (text.length >= 7) {
    const month = Number(text.slice(5, 7));
    if (month < 1 || month > 12) return false;
  }
  if (text.length >= 9) {
    const last = daysIn(Number(text.slice(0, 4)), Number(text.slice(5, 7)));
    if (Number(text[8]) * 10 > last) return false;
    if (text.length === 10) {
      const day = Number(text.slice(8, 10));
      if (day < 1 || day > last) return false;
    }
  }
  return true;
}

/** A prefix of HH:MM:SS (`seconds` true) or HH:MM. */
function clockOk(text: string, seconds: boolean): boolean {
  if (text.length > (seconds ? 8 : 5)) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (i === 2 || i === 5) {
      if (c !== ':') return false;
    } else if (!isDigit(c) || ((i === 3 || i === 6) && c > '5') || (i === 0 && c > '2')) return false;
  }
  return text.length < 2 || Number(text.slice(0, 2)) <= 23;
}

const MAX_FRACTION_DIGITS = 9;

/** Splits a time prefix into clock, fraction (with its dot) and zone; null when malformed. */
function splitTime(text: string): { clock: string; fraction: string; zone: string } | null {
  const clock = text.slice(0, 8);
  if (!clockOk(clock, true)) return null;
  let at = 8;
  if (text[at] === '.') {
    at++;
    while (isDigit(text[at])) at++;
  }
  const fraction = text.slice(8, at);
  if (fraction.length > MAX_FRACTION_DIGITS + 1) return null;
  return { clock, fraction, zone: text.slice(at) };
}

function timeOk(text: string): boolean {
  const parts = splitTime(text);
  if (parts === null) return false;
  const { fraction, zone } = parts;
  if (zone === '') return true;
  if (fraction === '.') return false;
  if (zone[0] === 'Z') return zone.length === 1;
  return (zone[0] === '+' || zone[0] === '-') && clockOk(zone.slice(1), false);
}

function timeDone(text: string): boolean {
  const parts = splitTime(text);
  return parts !== null && timeOk(text) && (parts.zone === 'Z' || parts.zone.length === 6);
}

function timeFinish(text: string): string {
  if (text.length < 8) return fill(text, 8, '0123456789:', (t) => clockOk(t, true)) + 'Z';
  const { fraction, zone } = splitTime(text)!;
  if (zone === '') return fraction === '.' ? '0Z' : 'Z';
  if (zone === 'Z') return '';
  return fill(zone.slice(1), 5, '0123456789:', (t) => clockOk(t, false));
}

const time: FormatMachine = {
  name: 'time',
  initial: '',
  lengths: [9, 8 + 1 + MAX_FRACTION_DIGITS + 6],
  step: (text, c) => (timeOk(text + c) ? text + c : null),
  done: timeDone,
  finish: timeFinish,
};

const dateTime: FormatMachine = {
  name: 'date-time',
  initial: '',
  lengths: [10 + 1 + time.lengths[0], 10 + 1 + time.lengths[1]],
  step(text, c) {
    const next = text + c;
    if (next.length <= 10) return dateOk(next) ? next : null;
    if (next.length === 11) return c === 'T' ? next : null;
    return timeOk(next.slice(11)) ? next : null;
  },
  done: (text) => text.length > 11 && timeDone(text.slice(11)),
  finish(text) {
    if (text.length <= 10) return fill(text, 10, '0123456789-', dateOk) + 'T' + timeFinish('');
    return timeFinish(text.slice(11));
  },
};

/** A machine run by its table, with the shortest completion of each state. */
function tableMachine(
  name: string,
  table: FormatTable,
  finishes: readonly string[],
  accepting: string,
  lengths: readonly [number, number],
): FormatMachine {
  const index = (state: string): number => table.states.indexOf(state);
  return {
    name,
    initial: table.states[0]!,
    lengths,
    step(state, c) {
      const code = c.charCodeAt(0);
      const next = code < 128 ? table.next[index(state) * 128 + code]! : -1;
      return next < 0 ? null : table.states[next]!;
    },
    done: (state) => state === accepting,
    finish: (state) => finishes[index(state)]!,
    table,
  };
}

// UUIDs: the state is the position, 0 to 36.
const UUID_TEMPLATE = '00000000-0000-0000-0000-000000000000';
const UUID_TABLE: FormatTable = (() => {
  const states = Array.from({ length: UUID_TEMPLATE.length + 1 }, (_, at) => String(at));
  const next = new Int8Array(states.length * 128).fill(-1);
  for (let at = 0; at < UUID_TEMPLATE.length; at++) {
    for (const c of UUID_TEMPLATE[at] === '-' ? '-' : '0123456789abcdefABCDEF') next[at * 128 + c.charCodeAt(0)] = at + 1;
  }
  return { states, next };
})();
const uuidFinishes = UUID_TABLE.states.map((_, at) => UUID_TEMPLATE.slice(at));
const uuid = tableMachine('uuid', UUID_TABLE, uuidFinishes, String(UUID_TEMPLATE.length), [UUID_TEMPLATE.length, UUID_TEMPLATE.length]);

// Email as ajv-formats' full-mode pattern has it: dot-separated atoms, '@', then at least two
// dot-separated labels of letters, digits and inner hyphens. The states: the local part's start
// and inside an atom; a label's start, inside and after a hyphen, then the same three once the
// domain has had a dot.
const ATOM_SYMBOLS = "!#$%&'*+/=?^_`{|}~-";
const EMAIL_STATES = ['ls', 'la', 'd', 'l', 'h', 'D', 'L', 'H'];
const EMAIL_FINISH = ['a@a.a', '@a.a', 'a.a', '.a', 'a.a', 'a', '', 'a'];

const EMAIL_TABLE: FormatTable = (() => {
  const next = new Int8Array(EMAIL_STATES.length * 128).fill(-1);
  const set = (state: number, chars: string, to: number): void => {
    for (const c of chars) next[state * 128 + c.charCodeAt(0)] = to;
  };
  const alnum = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  set(0, alnum + ATOM_SYMBOLS, 1);
  set(1, alnum + ATOM_SYMBOLS, 1);
  set(1, '.', 0);
  set(1, '@', 2);
  for (const dotted of [0, 3]) {
    const [start, label, hyphen] = [2 + dotted, 3 + dotted, 4 + dotted];
    for (const from of [start, label, hyphen]) set(from, alnum, label);
    set(label, '-', hyphen);
    set(hyphen, '-', hyphen);
    set(label, '.', 5);
  }
  return { states: EMAIL_STATES, next };
})();

const email = tableMachine('email', EMAIL_TABLE, EMAIL_FINISH, 'L', [EMAIL_FINISH[0]!.length, Infinity]);

export const FORMATS: ReadonlyMap<string, FormatMachine> = new Map(
  [fixedLength('date', 10, '0123456789-', dateOk), time, dateTime, uuid, email].map((m) => [m.name, m]),
);
