// A test instance's JSON text as MaskBench feeds it: Python's json.dumps(data, indent=None,
// ensure_ascii=False), i.e. ", " and ": " separators, keys in the file's order (JSON.parse would
// move integer-like keys first) and numbers as written in the file (JSON.parse would turn Python's
// 100.0 into 100 and round big integers).

type Value = null | boolean | string | NumberText | Value[] | Entries;
/** A number kept as its text. */
class NumberText {
  constructor(readonly text: string) {}
}
/** An object kept as its entries, in order. */
class Entries {
  constructor(readonly entries: [string, Value][]) {}
}

/** `text` (one JSON value) printed as Python's json.dumps prints it. */
export function pythonDumps(text: string): string {
  const parser = new Parser(text);
  const value = parser.value();
  parser.end();
  return dump(value, PYTHON);
}

/** The JSON text of each value in `json`'s `tests[].data`, printed as pythonDumps prints it, in order. */
export function pythonDumpsOfTests(json: string, separators: Separators = PYTHON): string[] {
  const parser = new Parser(json);
  const file = parser.value();
  parser.end();
  const tests = file instanceof Entries ? file.entries.find(([key]) => key === 'tests')?.[1] : undefined;
  if (!Array.isArray(tests)) return [];
  return tests.map((test) => {
    const data = test instanceof Entries ? test.entries.find(([key]) => key === 'data') : undefined;
    if (data === undefined) throw new Error('a test without data');
    return dump(data[1], separators);
  });
}

export interface Separators {
  readonly item: string;
  readonly key: string;
}
export const PYTHON: Separators = { item: ', ', key: ': ' };

function dump(value: Value, separators: Separators): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof NumberText) return value.text;
  if (Array.isArray(value)) return `[${value.map((item) => dump(item, separators)).join(separators.item)}]`;
  return `{${value.entries.map(([key, item]) => `${JSON.stringify(key)}${separators.key}${dump(item, separators)}`).join(separators.item)}}`;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\]|\\.)*"/sy;

class Parser {
  #at = 0;
  constructor(readonly text: string) {}

  end(): void {
    this.#space();
    if (this.#at !== this.text.length) throw new SyntaxError(`unexpected text at ${this.#at}`);
  }

  value(): Value {
    this.#space();
    const char = this.text[this.#at];
    if (char === '{') return this.#object();
    if (char === '[') return this.#array();
    if (char === '"') return this.#string();
    for (const [word, value] of [['true', true], ['false', false], ['null', null]] as const) {
      if (this.text.startsWith(word, this.#at)) {
        this.#at += word.length;
        return value;
      }
    }
    NUMBER.lastIndex = this.#at;
    const number = NUMBER.exec(this.text);
    if (number === null) throw new SyntaxError(`unexpected ${JSON.stringify(char)} at ${this.#at}`);
    this.#at += number[0].length;
    return new NumberText(number[0]);
  }

  #object(): Entries {
    const entries: [string, Value][] = [];
    this.#at++;
    this.#space();
    if (this.text[this.#at] === '}') {
      this.#at++;
      return new Entries(entries);
    }
    for (;;) {
      this.#space();
      const key = this.#string();
      this.#space();
      this.#expect(':');
      entries.push([key, this.value()]);
      this.#space();
      if (this.text[this.#at] === '}') {
        this.#at++;
        return new Entries(entries);
      }
      this.#expect(',');
    }
  }

  #array(): Value[] {
    const items: Value[] = [];
    this.#at++;
    this.#space();
    if (this.text[this.#at] === ']') {
      this.#at++;
      return items;
    }
    for (;;) {
      items.push(this.value());
      this.#space();
      if (this.text[this.#at] === ']') {
        this.#at++;
        return items;
      }
      this.#expect(',');
    }
  }

  #string(): string {
    STRING.lastIndex = this.#at;
    const match = STRING.exec(this.text);
    if (match === null) throw new SyntaxError(`bad string at ${this.#at}`);
    this.#at += match[0].length;
    return JSON.parse(match[0]) as string;
  }

  #expect(char: string): void {
    if (this.text[this.#at] !== char) throw new SyntaxError(`expected ${char} at ${this.#at}`);
    this.#at++;
  }

  #space(): void {
    while (/[ \t\n\r]/.test(this.text[this.#at] ?? '')) this.#at++;
  }
}
