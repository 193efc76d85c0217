// A model store on fake-indexeddb in Node, downloading from the fault-injecting hub server.
import 'fake-indexeddb/auto';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HUB_ROOT, fixture, fixtureDir, fixtureRepo } from '../../../scripts/forge/fixture-set.ts';
import { startHubServer, type HubServer } from '../../../scripts/hub-server.ts';
import { deleteModel, listModels } from '../../../workers/store/idb.ts';
import { ensureModel, type ModelRequest } from '../../../workers/store/model-download.ts';
import type { DownloadProgress } from '../../../workers/store/progress.ts';
import { customSource } from '../../../workers/store/sources.ts';

export const CHUNK = 4 * 2 ** 20;
export const FAST_RETRY = { attempts: 3, baseDelayMs: 5 };

export interface FixtureRepo {
  repo: string;
  dir: string;
  bytes: (path: string) => Buffer;
  sha256: (path: string) => string;
}

export function fixtureRepoOf(id: string): FixtureRepo {
  const spec = fixture(id);
  const dir = fixtureDir(spec);
  const bytes = (path: string): Buffer => readFileSync(join(dir, path));
  return { repo: fixtureRepo(spec), dir, bytes, sha256: (path) => createHash('sha256').update(bytes(path)).digest('hex') };
}

export function startHub(): Promise<HubServer> {
  return startHubServer(HUB_ROOT);
}

export function request(hub: HubServer, repo: string, overrides: Partial<ModelRequest> = {}): ModelRequest {
  return { repo, dtype: 'q4', source: customSource(hub.url), origin: 'http://localhost', chunkBytes: CHUNK, retry: FAST_RETRY, ...overrides };
}

export async function ensure(req: ModelRequest): Promise<{ events: DownloadProgress[]; addedBytes: number }> {
  const events: DownloadProgress[] = [];
  const { addedBytes } = await ensureModel(req, (p) => events.push(p));
  return { events, addedBytes };
}

export async function clearStore(): Promise<void> {
  for (const model of await listModels()) await deleteModel(model.key);
}
