// Messages between the kernel bench page and its worker (kernels.worker.ts).

export interface KernelRequest {
  /** A one-node graph with input `x` [1, rows, k] and output `y`. */
  url: string;
  ep: 'wasm' | 'webgpu';
  k: number;
  rows: number;
  /** Runs per round; a round's figure is their mean. */
  runs: number;
  rounds: number;
}

export type KernelReply = { kind: 'timed'; roundMs: number[] } | { kind: 'error'; message: string };
