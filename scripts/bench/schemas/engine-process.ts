// A child process that runs one engine over the schemas its parent sends, one at a time, so the
// parent can stop an engine stuck on one schema (synchronous code can't be interrupted in-process).
//   forked by engine-host.ts with the engine's name as its argument
import { type EngineName, ENGINE_NAMES, type SchemaEngine } from './engine.ts';
import { oursEngine } from './ours.ts';
import { runSchema, type SchemaJob, type SchemaResult } from './run-schema.ts';
import { xgrammarEngine } from './xgrammar.ts';

export type EngineProcessMessage = { kind: 'ready' } | { kind: 'result'; result: SchemaResult };

const name = process.argv[2] as EngineName;
if (!ENGINE_NAMES.includes(name)) throw new Error(`unknown engine ${name}`);
const engine: SchemaEngine = name === 'ours' ? oursEngine() : await xgrammarEngine();
const send = (message: EngineProcessMessage): void => void process.send!(message);

process.on('message', (job: SchemaJob) => {
  void runSchema(engine, job).then((result) => send({ kind: 'result', result }));
});
send({ kind: 'ready' });
