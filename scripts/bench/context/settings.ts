// The context bench's sizes, from environment variables, with defaults for the question it
// answers: how decode speed falls from 256 to 16K tokens of context on the 0.5B shape.
import { availableParallelism } from 'node:os';
import { SIZES, type SizeName } from '../../forge/model-shape.ts';

export interface ContextSettings {
  /** Context tokens each decode runs at: a prompt of this many tokens is prefilled once, then decoded from. */
  contexts: number[];
  model: SizeName;
  /** Tokens each decode run generates (the first from a one-token prefill, the rest from decode steps). */
  decodeTokens: number;
  /** Also onnxruntime-node on the same graphs (the native ceiling). */
  node: boolean;
  /** onnxruntime-web's thread count in a cross-origin-isolated page (ort-env.ts), given to onnxruntime-node too. */
  threads: number;
}

export const SETTINGS_HELP = 'environment: CONTEXT_SIZES=256,4096,16384  CONTEXT_MODEL=0.5B (tiny for a quick check)  CONTEXT_DECODE=8  CONTEXT_NODE=1 (0: no onnxruntime-node)';

function counts(name: string, fallback: number[]): number[] {
  const raw = process.env[name]?.trim();
  const values = raw ? raw.split(',').map((v) => Number(v.trim())) : fallback;
  if (!values.every((v) => Number.isInteger(v) && v > 0)) throw new Error(`${name} must be a comma list of positive integers (got ${raw})`);
  return values;
}

/** At least 2: the first token comes from the one-token prefill, the rate from the steps after it. */
function decodeTokens(): number {
  const value = counts('CONTEXT_DECODE', [8])[0]!;
  if (value < 2) throw new Error(`CONTEXT_DECODE must be at least 2 (got ${value})`);
  return value;
}

export function contextSettings(): ContextSettings {
  const model = process.env['CONTEXT_MODEL']?.trim() || '0.5B';
  if (!(SIZES as readonly string[]).includes(model)) throw new Error(`CONTEXT_MODEL: unknown size ${model} (${SIZES.join(', ')})`);
  const node = process.env['CONTEXT_NODE']?.trim() || '1';
  if (node !== '0' && node !== '1') throw new Error(`CONTEXT_NODE must be 0 or 1 (got ${node})`);
  return {
    // Ascending, so the first is the figure each contender's ratios are taken to.
    contexts: [...new Set(counts('CONTEXT_SIZES', [256, 4096, 16384]))].sort((a, b) => a - b),
    model: model as SizeName,
    decodeTokens: decodeTokens(),
    node: node === '1',
    threads: Math.min(4, availableParallelism()),
  };
}
