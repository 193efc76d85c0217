// The parent's side of engine-process.ts: sends one schema at a time and waits at most the time
// cap for its result; an engine over the cap (or one whose process died) is stopped, the schema
// recorded as a timeout (or crash), and a fresh process serves the next schema.
import { type ChildProcess, fork } from 'node:child_process';
import type { EngineName } from './engine.ts';
import type { EngineProcessMessage } from './engine-process.ts';
import type { SchemaJob, SchemaResult } from './run-schema.ts';

const ENTRY = new URL('./engine-process.ts', import.meta.url);

export class EngineHost {
  readonly name: EngineName;
  readonly #timeoutMs: number;
  #child: Promise<ChildProcess> | null = null;

  constructor(name: EngineName, timeoutMs: number) {
    this.name = name;
    this.#timeoutMs = timeoutMs;
  }

  async run(job: SchemaJob): Promise<SchemaResult> {
    const child = await (this.#child ??= this.#start());
    const validTests = job.tests.filter((test) => test.valid).length;
    const failed = (outcome: 'timeout' | 'crashed', error: string): SchemaResult => ({
      name: job.name, outcome, error, validTests, invalidTests: job.tests.length - validTests,
      validationErrors: 0, invalidationErrors: 0, maskUs: new Float64Array(0),
    });
    return new Promise<SchemaResult>((resolve) => {
      const finish = (result: SchemaResult, stop: boolean): void => {
        clearTimeout(timer);
        child.off('message', onMessage).off('exit', onExit);
        if (stop) {
          child.kill('SIGKILL');
          this.#child = null;
        }
        resolve(result);
      };
      const onMessage = (message: EngineProcessMessage): void => {
        if (message.kind === 'result') finish(message.result, false);
      };
      const onExit = (code: number | null, signal: string | null): void => finish(failed('crashed', `engine process exited (${signal ?? code})`), true);
      const timer = setTimeout(() => finish(failed('timeout', `over ${this.#timeoutMs / 1000} s`), true), this.#timeoutMs);
      child.on('message', onMessage).on('exit', onExit);
      child.send(job);
    });
  }

  stop(): void {
    void this.#child?.then((child) => child.kill());
    this.#child = null;
  }

  #start(): Promise<ChildProcess> {
    const child = fork(ENTRY, [this.name], { execArgv: ['--import', 'tsx'], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new Promise((resolve, reject) => {
      child.once('message', (message: EngineProcessMessage) => (message.kind === 'ready' ? resolve(child) : reject(new Error('engine process did not start'))));
      child.once('exit', (code) => reject(new Error(`${this.name} engine process exited (${code}) before it was ready`)));
    });
  }
}
