// A stored model read the way a load reads it, waiting for the check of every chunk: the files
// as checked and how many chunks were repaired (openModel's `checked`).
import { openModel, type ReadOptions, type ReadReport } from '../../workers/store/model-reader.ts';
import type { StoredModel } from '../../workers/store/records.ts';

export async function readModel(model: StoredModel, options: ReadOptions): Promise<ReadReport> {
  return (await openModel(model, options)).checked;
}
