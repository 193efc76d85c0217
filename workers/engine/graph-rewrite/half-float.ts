// IEEE half precision <-> number (round to nearest even), for the fp16 tensors of q4f16 graphs
// that a rewrite reads or writes.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function toHalfBits(value: number): number {
  f32[0] = value;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = ((x >>> 23) & 0xff) - 127 + 15;
  const mant = x & 0x7fffff;
  if (((x >>> 23) & 0xff) === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  if (exp >= 0x1f) return sign | 0x7c00;
  // Subnormal halves (and zero) keep fewer mantissa bits; the implicit leading 1 joins them.
  const shift = exp <= 0 ? 14 - exp : 13;
  if (shift > 24) return sign;
  const bits = exp <= 0 ? mant | 0x800000 : mant;
  let half = (exp <= 0 ? 0 : exp << 10) | (bits >>> shift);
  const rem = bits & ((1 << shift) - 1);
  const halfway = 1 << (shift - 1);
  if (rem > halfway || (rem === halfway && half & 1)) half++;
  return sign | half;
}

export function fromHalfBits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}
