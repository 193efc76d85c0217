// Just enough of the protobuf wire format to walk an ONNX file without decoding it: fields with
// their byte ranges (a multi-GB initializer is skipped, never copied), and a writer for the
// small messages a rewrite appends.

export const WIRE_VARINT = 0;
const WIRE_I64 = 1;
export const WIRE_LEN = 2;
export const WIRE_I32 = 5;

export interface Field {
  number: number;
  wire: number;
  /** Varint value (as a number; ONNX's are small), else 0. */
  value: number;
  /** Payload range for length-delimited fields (and fixed ones), relative to the buffer. */
  start: number;
  end: number;
}

/** The fields of the message in bytes[start, end). */
export function* fields(bytes: Uint8Array, start = 0, end = bytes.byteLength): Generator<Field> {
  let at = start;
  while (at < end) {
    const [key, afterKey] = readVarint(bytes, at);
    const number = Math.floor(key / 8);
    const wire = key % 8;
    at = afterKey;
    if (wire === WIRE_VARINT) {
      const [value, next] = readVarint(bytes, at);
      yield { number, wire, value, start: at, end: next };
      at = next;
    } else if (wire === WIRE_LEN) {
      const [length, payload] = readVarint(bytes, at);
      if (payload + length > end) throw new Error('truncated protobuf field');
      yield { number, wire, value: 0, start: payload, end: payload + length };
      at = payload + length;
    } else if (wire === WIRE_I64 || wire === WIRE_I32) {
      const size = wire === WIRE_I64 ? 8 : 4;
      yield { number, wire, value: 0, start: at, end: at + size };
      at += size;
    } else {
      throw new Error(`unsupported protobuf wire type ${wire}`);
    }
  }
  if (at !== end) throw new Error('protobuf message overruns its bounds');
}

/** A varint as a number (exact up to 2^53) and the offset after it. */
export function readVarint(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = at; i < bytes.byteLength && i < at + 10; i++) {
    const byte = bytes[i]!;
    value += (byte & 0x7f) * scale;
    scale *= 128;
    if (byte < 0x80) return [value, i + 1];
  }
  throw new Error('bad protobuf varint');
}

/** A varint read as an int64 (negative ints are ten bytes of two's complement), as a number. */
export function readSignedVarint(bytes: Uint8Array, at: number): number {
  let value = 0n;
  for (let i = 0; i < 10; i++) {
    const byte = bytes[at + i];
    if (byte === undefined) break;
    value |= BigInt(byte & 0x7f) << BigInt(7 * i);
    if (byte < 0x80) return Number(BigInt.asIntN(64, value));
  }
  throw new Error('bad protobuf varint');
}

const utf8 = new TextDecoder();
export function text(bytes: Uint8Array, field: Field): string {
  return utf8.decode(bytes.subarray(field.start, field.end));
}

/** Builds a message field by field; payloads are kept as they are and joined once by finish(). */
export class Writer {
  readonly #parts: Uint8Array[] = [];

  varint(number: number, value: number | bigint): this {
    this.#key(number, WIRE_VARINT);
    this.#varint(BigInt(value));
    return this;
  }

  bytes(number: number, payload: Uint8Array): this {
    this.#key(number, WIRE_LEN);
    this.#varint(BigInt(payload.byteLength));
    this.#parts.push(payload);
    return this;
  }

  /** A float field (fixed32, little-endian). */
  float(number: number, value: number): this {
    this.#key(number, WIRE_I32);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.#parts.push(bytes);
    return this;
  }

  string(number: number, value: string): this {
    return this.bytes(number, new TextEncoder().encode(value));
  }

  message(number: number, inner: Writer): this {
    return this.bytes(number, inner.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.#parts.reduce((sum, part) => sum + part.byteLength, 0));
    let at = 0;
    for (const part of this.#parts) {
      out.set(part, at);
      at += part.byteLength;
    }
    return out;
  }

  #key(number: number, wire: number): void {
    this.#varint(BigInt(number * 8 + wire));
  }

  #varint(value: bigint): void {
    // Negative int64s are written as their two's complement, ten bytes.
    let v = value < 0n ? value + (1n << 64n) : value;
    const bytes: number[] = [];
    do {
      const byte = Number(v & 0x7fn);
      v >>= 7n;
      bytes.push(v > 0n ? byte | 0x80 : byte);
    } while (v > 0n);
    this.#parts.push(Uint8Array.from(bytes));
  }
}
