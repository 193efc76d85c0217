// What the convert bench page asks its worker (convert.worker.ts) and what comes back.
import type { ComputeType } from '../../../workers/convert/qwen-graph.ts';

export interface ConvertJob {
  /** Where the checkpoint's files are served, with Range: `<base><file>`. */
  base: string;
  repo: string;
  config: Record<string, unknown>;
  index: unknown | null;
  compute: ComputeType;
  /** Byte sizes of the safetensors files (CheckpointFiles.size is synchronous). */
  sizes: Record<string, number>;
}

export type ConvertReply = { kind: 'done'; ms: number; externalBytes: number; graphBytes: number; bytesFetched: number; fetchMs: number } | { kind: 'error'; message: string };
