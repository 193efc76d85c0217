// `npm run forge:size-report [-- --out DIR]`: forges the 0.5B optimum q4 and q4f16 files and
// compares their sizes with the real onnx-community files, with a breakdown by tensor group.
// Without --out the files (about 1.4 GB) go to a temporary folder that is removed after.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildOptimumGraph } from './graph-optimum.ts';
import type { Dtype } from './graph-common.ts';
import { forge } from './forge.ts';
import { loadConfig, shapeOf } from './model-shape.ts';

/** onnx-community/Qwen2.5-0.5B-Instruct, onnx/ (hub sizes, MB = 10^6 bytes). */
const REAL_MB: Partial<Record<Dtype, number>> = { q4: 786, q4f16: 483 };

const { values } = parseArgs({ options: { out: { type: 'string' } } });
const out = values.out ?? mkdtempSync(join(tmpdir(), 'forge-size-'));
const MB = 1e6;
const shape = shapeOf(loadConfig('0.5B'));

try {
  for (const dtype of ['q4', 'q4f16'] as const) {
    const started = performance.now();
    const result = forge({ size: '0.5B', variant: 'optimum', dtype, kind: 'instruct', seed: 1, out });
    const bytes = result.files.filter((f) => f.startsWith('onnx/')).reduce((sum, f) => sum + statSync(join(result.dir, f)).size, 0);
    const groups = { embedding: 0, lmHead: 0, layers: 0 };
    for (const t of buildOptimumGraph({ shape, seed: 1, dtype, kvType: dtype === 'q4f16' ? 'float16' : 'float32' }).g.initializers) {
      if (t.name === 'model.embed_tokens.weight') groups.embedding += t.byteLength;
      else if (t.name.startsWith('lm_head.')) groups.lmHead += t.byteLength;
      else groups.layers += t.byteLength;
    }
    const real = REAL_MB[dtype]!;
    const shared = bytes - groups.lmHead;
    console.log(`0.5B optimum ${dtype}: forged ${(bytes / MB).toFixed(0)} MB, real ${real} MB, ratio ${(bytes / MB / real).toFixed(3)} (forged in ${((performance.now() - started) / 1000).toFixed(0)} s)`);
    console.log(`  embedding table ${(groups.embedding / MB).toFixed(1)} MB, lm_head (MatMulNBits, tied) ${(groups.lmHead / MB).toFixed(1)} MB, decoder layers + norms ${(groups.layers / MB).toFixed(1)} MB`);
    console.log(`  with the lm_head sharing the embedding initializer instead: ${(shared / MB).toFixed(0)} MB, ratio ${(shared / MB / real).toFixed(3)}`);
  }
} finally {
  if (!values.out) rmSync(out, { recursive: true, force: true });
}
