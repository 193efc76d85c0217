// Whether loading the model a URL names needs the user's go-ahead first: anything that would
// download does (a page can name any host and any model), unless the same model is already
// stored from that same source. The question names the model, the host and the size if known.
import type { LoadRequest } from '../../../workers/protocol/messages.ts';
import { sourceHost } from '../../../workers/protocol/model-source.ts';

export interface DownloadQuestion {
  repo: string;
  host: string;
  /** The download's size when the catalog or a partial download knows it. */
  bytes: number | null;
}

/** What the download check needs of a stored model (the store's summary has it). */
export interface StoredCopy {
  repo: string;
  dtype: string;
  state: 'downloading' | 'ready';
  totalBytes: number;
  sourceTemplate: string;
}

export function downloadQuestion(request: Pick<LoadRequest, 'repo' | 'source' | 'dtype'>, stored: readonly StoredCopy[], context: { origin: string; catalogBytes: number | null }): DownloadQuestion | null {
  const copies = stored.filter((m) => m.repo === request.repo && m.sourceTemplate === request.source.template && (request.dtype === undefined || m.dtype === request.dtype));
  if (copies.some((m) => m.state === 'ready')) return null;
  return { repo: request.repo, host: sourceHost(request.source, context.origin), bytes: context.catalogBytes ?? copies[0]?.totalBytes ?? null };
}
