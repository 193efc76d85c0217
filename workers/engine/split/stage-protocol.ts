// Messages between the engine worker and a stage worker (stage.worker.ts): the stage's graph
// once, then runs with the tensors cut between stages (hidden states: small) as plain arrays.
// The stage's KV cache never leaves its worker.
import type { EngineErrorShape } from '../../protocol/errors.ts';
import type { KvCount } from '../kv-cache.ts';
import type { SessionInfo } from '../pipeline.ts';
import type { KvShape, SessionGraph } from '../stage-session.ts';

export interface WireTensor {
  type: 'float32' | 'float16' | 'int64' | 'int32' | 'bool' | 'uint8';
  dims: number[];
  data: Float32Array | Uint16Array | BigInt64Array | Int32Array | Uint8Array;
}

export type StageRequest =
  | { kind: 'create'; fileName: string; model: Uint8Array; externalData: SessionGraph['externalData']; shape: KvShape }
  | { kind: 'run'; id: number; inputs: Record<string, WireTensor>; fed: number[] }
  | { kind: 'crop'; length: number }
  | { kind: 'clear' };

export type StageEvent =
  | { kind: 'created'; info: SessionInfo }
  | { kind: 'outputs'; id: number; outputs: Record<string, WireTensor>; kv: KvCount }
  | { kind: 'error'; id: number | null; error: EngineErrorShape };
