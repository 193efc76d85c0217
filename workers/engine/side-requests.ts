// The engine worker's answers that do not wait for the engine's queue: the model store's list and
// deletes (under the per-model lock, so they never race a download or a load) and the check of a
// response_format the structured-output panel makes as the schema is typed.
import { toErrorShape } from '../protocol/errors.ts';
import type { WorkerEvent, WorkerSideRequest } from '../protocol/messages.ts';
import { validateResponseFormat } from '../grammar/index.ts';
import { deleteAllStoredModels, deleteStoredModel, storedModelSummaries } from '../store/store-admin.ts';

export async function answerSideRequest(request: WorkerSideRequest, emit: (event: WorkerEvent) => void): Promise<void> {
  try {
    switch (request.kind) {
      case 'stored-models':
        return emit({ kind: 'stored-models', id: request.id, models: await storedModelSummaries() });
      case 'delete-stored':
        await (request.key === undefined ? deleteAllStoredModels() : deleteStoredModel(request.key));
        return emit({ kind: 'deleted', id: request.id });
      case 'check-format':
        return emit({ kind: 'format-checked', id: request.id, problems: validateResponseFormat(request.format) });
      default: {
        const never: never = request;
        throw new Error(`unknown request ${JSON.stringify(never)}`);
      }
    }
  } catch (error) {
    emit({ kind: 'error', id: request.id, error: toErrorShape(error) });
  }
}
