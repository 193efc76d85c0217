// One engine generation seen as a stream: deltas queue up as they arrive and are read by an
// async iterator; `started` settles on the first delta or the end, so a caller can still answer
// with an error status when the engine refuses the request before any text.
import type { TokenLogprob } from '../../../workers/protocol/logprobs.ts';
import type { GenerateResult } from '../../../workers/protocol/text-generator.ts';

/** One delta as the engine gave it: its text, and its tokens' logprobs when they were asked for. */
export interface StreamPiece {
  text: string;
  logprobs?: TokenLogprob[];
}

export class GenerationStream {
  readonly result: Promise<GenerateResult>;
  readonly started: Promise<void>;
  readonly #queue: StreamPiece[] = [];
  #settled = false;
  #wake: (() => void) | null = null;

  constructor(run: (onDelta: (delta: string, logprobs?: TokenLogprob[]) => void) => Promise<GenerateResult>) {
    let markStarted!: () => void;
    this.started = new Promise((resolve) => (markStarted = resolve));
    this.result = run((text, logprobs) => {
      this.#queue.push(logprobs ? { text, logprobs } : { text });
      markStarted();
      this.#notify();
    });
    const settle = (): void => {
      this.#settled = true;
      markStarted();
      this.#notify();
    };
    this.result.then(settle, settle);
  }

  /** True when the generation failed before it streamed anything. */
  async failedEarly(): Promise<boolean> {
    await this.started;
    if (this.#queue.length > 0 || !this.#settled) return false;
    return this.result.then(
      () => false,
      () => true,
    );
  }

  async *deltas(): AsyncGenerator<StreamPiece> {
    for (;;) {
      while (this.#queue.length > 0) yield this.#queue.shift()!;
      if (this.#settled) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}
