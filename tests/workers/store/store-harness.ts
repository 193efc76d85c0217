// A model store on fake-indexeddb in Node, downloading from the fault-injecting hub server.
import 'fake-indexeddb/auto';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EngineError } from '../../../workers/protocol/errors.ts';
import { HUB_ROOT, fixture, fixtureDir, fixtureRepo } from '../../../scripts/forge/fixture-set.ts';
import { startHubServer, type HubServer } from '../../../scripts/hub-server.ts';
import { deleteAllStoredModels } from '../../../workers/store/store-admin.ts';
import { ensureModel, type ModelRequest } from '../../../workers/store/model-download.ts';
import type { DownloadProgress } from '../../../workers/protocol/messages.ts';
import { customSource } from '../../../workers/protocol/model-source.ts';

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

/** The fault hub for a test file: started once, its faults, log and the store cleared after each test. */
export function useHub(): () => HubServer {
  let hub: HubServer;
  beforeAll(async () => {
    hub = await startHubServer(HUB_ROOT);
  });
  afterAll(() => hub.close());
  afterEach(async () => {
    hub.faults.length = 0;
    hub.log.length = 0;
    await clearStore();
  });
  return () => hub;
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
  await deleteAllStoredModels();
}

export async function rejection(promise: Promise<unknown>): Promise<EngineError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof EngineError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

/** Polls what the store holds (not a clock): the state a test waits for is the app's own. */
export async function waitFor(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('timed out');
}
