// Small helpers on parsed JSON values, for the schema compiler.
import { COMPACT, type Separators } from './frame.ts';

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `value` when it is an array, else an empty one. */
export function array(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** JSON Schema's type of a value, telling integers from other numbers. */
export function typeOfJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Deep equality as JSON Schema has it: key order doesn't matter, 1 and 1.0 are equal. */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => sameJson(item, b[i]));
  }
  if (!isPlainObject(a) || !isPlainObject(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => key in b && sameJson(a[key], b[key]));
}

/** A value's JSON text as UTF-8, compact or with `separators` after `,` and `:`. */
export function encodeJson(value: unknown, separators: Separators = COMPACT): Uint8Array {
  return new TextEncoder().encode(separators === COMPACT ? JSON.stringify(value) : jsonText(value, separators));
}

function jsonText(value: unknown, separators: Separators): string {
  const item = `,${decoder.decode(separators.item)}`;
  const key = `:${decoder.decode(separators.key)}`;
  const text = (v: unknown): string => {
    if (Array.isArray(v)) return `[${v.map(text).join(item)}]`;
    if (isPlainObject(v)) return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}${key}${text(x)}`).join(item)}}`;
    return JSON.stringify(v);
  };
  return text(value);
}

const decoder = new TextDecoder();

export const booleans: readonly Uint8Array[] = [encodeJson(true), encodeJson(false)];
