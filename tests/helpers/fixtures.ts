// Where the forged fixtures are, for tests: `npm run forge:fixtures` (part of `npm test`) makes them.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, fixtureDir, type FixtureSpec } from '../../scripts/forge/fixture-set.ts';
import { modelFileName } from '../../scripts/forge/hub-layout.ts';

export { FIXTURES, type FixtureSpec };

export interface FixtureModel {
  spec: FixtureSpec;
  dir: string;
  onnxDir: string;
  fileName: string;
}

export function fixtureModel(spec: FixtureSpec): FixtureModel {
  const dir = fixtureDir(spec);
  const fileName = modelFileName(spec.dtype);
  if (!existsSync(join(dir, 'onnx', fileName))) throw new Error(`fixture ${spec.id} missing: run npm run forge:fixtures`);
  return { spec, dir, onnxDir: join(dir, 'onnx'), fileName };
}

/** Relative tolerance of a dtype: fp32 arithmetic for fp32/q4, fp16 for q4f16. */
export function tolerance(spec: FixtureSpec): number {
  return spec.dtype === 'q4f16' ? 2e-2 : 1e-4;
}
