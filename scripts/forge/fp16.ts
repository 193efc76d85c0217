// IEEE half precision for the forge: fp16 initializers, and every forged weight kept exactly
// representable in fp16. The conversion itself is the engine's (round to nearest even).
import { fromHalfBits, toHalfBits } from '../../workers/engine/graph-rewrite/half-float.ts';

export { fromHalfBits, toHalfBits };

/** The nearest fp16 value, as a number. */
export function roundToHalf(value: number): number {
  return fromHalfBits(toHalfBits(value));
}

export function toHalfArray(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = toHalfBits(values[i]!);
  return out;
}
