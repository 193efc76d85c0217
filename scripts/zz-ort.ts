import { readFileSync } from 'node:fs';
import { prepareGraph } from '../workers/engine/graph-rewrite/prepare.ts';
const which = process.argv[2];
const ort: any = await import(`../node_modules/onnxruntime-web/dist/ort.${which}.bundle.min.mjs`);
ort.env.wasm.numThreads = 1;
const dir = process.argv[3];
const bytes = new Uint8Array(readFileSync(dir + 'onnx/model_q4.onnx'));
const config = JSON.parse(readFileSync(dir + 'config.json', 'utf8'));
const heads = config.num_attention_heads, kvHeads = config.num_key_value_heads, headDim = config.hidden_size / heads, layers = config.num_hidden_layers;
const g = prepareGraph(bytes, { ropeScaling: undefined, logitsSlice: false, attention: 'plain', shape: { heads, kvHeads, headDim }, config });
let s = performance.now();
const sess = await ort.InferenceSession.create(g.model, { executionProviders: ['wasm'] });
console.log(which, 'create', Math.round(performance.now() - s), 'ms');
const feeds: any = {};
const past = 64;
for (const name of sess.inputNames) {
  if (name.startsWith('past_key_values')) feeds[name] = new ort.Tensor('float32', new Float32Array(kvHeads * past * headDim), [1, kvHeads, past, headDim]);
}
feeds.input_ids = new ort.Tensor('int64', BigInt64Array.from([1n]), [1, 1]);
feeds.attention_mask = new ort.Tensor('int64', new BigInt64Array(past + 1).fill(1n), [1, past + 1]);
if (sess.inputNames.includes('position_ids')) feeds.position_ids = new ort.Tensor('int64', BigInt64Array.from([BigInt(past)]), [1, 1]);
await sess.run(feeds);
s = performance.now();
const N = Number(process.argv[4] ?? 10);
for (let i = 0; i < N; i++) await sess.run(feeds);
console.log(which, 'step', ((performance.now() - s) / N).toFixed(1), 'ms');
