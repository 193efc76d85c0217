// Messages between the transformers.js bench page and its worker.
import type { RunFigures } from '../engine/runner.ts';

export interface PeerLoad {
  kind: 'load';
  hubUrl: string;
  repo: string;
  device: 'wasm' | 'webgpu';
  dtype: 'q4' | 'q4f16';
}

export interface PeerGenerate {
  kind: 'generate';
  ids: number[];
  maxNewTokens: number;
  /** Continue from the KV cache of the previous generate (whose tokens must prefix `ids`). */
  reuseCache: boolean;
}

export type PeerRequest = PeerLoad | PeerGenerate;

export type PeerReply = { kind: 'loaded'; loadMs: number } | ({ kind: 'done' } & RunFigures) | { kind: 'error'; message: string };
