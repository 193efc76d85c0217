// The embed's own load: the model its URL names (or the recommended one) loads with no click,
// so any download it needs waits for the user's go-ahead (a page can name any host and model).
import { recommendedRepo } from '../catalog/capability.ts';
import { catalogEntry } from '../catalog/models.ts';
import { downloadQuestion } from '../utils/download-consent.ts';
import { downloadConsent } from './download-consent.svelte.ts';
import { engine } from './engine.svelte.ts';
import { modelChoice } from './model-choice.svelte.ts';

export function startEmbedLoad(): void {
  engine.autoload(async (caps) => {
    const request = modelChoice.request(modelChoice.repo || recommendedRepo(modelChoice.deviceProfile(caps)), caps);
    await engine.refreshStored();
    const dtype = request.dtype;
    const catalogBytes = dtype === 'q4' || dtype === 'q4f16' ? (catalogEntry(request.repo)?.downloadBytes[dtype] ?? null) : null;
    const question = downloadQuestion(request, engine.stored, { origin: location.origin, catalogBytes });
    return question && !(await downloadConsent.ask(question)) ? null : request;
  });
}
