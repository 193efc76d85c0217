// One lock per stored model, taken by its download, its read at load and its deletion, in every
// tab and worker of the origin (Web Locks; a lock local to this thread where the API is missing,
// as in Node). A deletion also broadcasts, so a download holding the lock stops and lets it go.
const CHANNEL = 'qwen-local-store';

interface DeletionMessage {
  kind: 'delete';
  key: string;
}

const local = new Map<string, Promise<void>>();

/** Runs `run` holding the model's lock; a `signal` aborted while waiting gives up the wait. */
export function withModelLock<T>(key: string, run: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  const name = `qwen-local-store:${key}`;
  const locks = (globalThis.navigator as Navigator | undefined)?.locks;
  if (locks) return locks.request(name, signal ? { signal } : {}, run) as Promise<T>;
  return withLocalLock(name, run, signal);
}

/** Tells downloads of `key` in every tab and worker to stop: the model is being deleted. */
export function announceDeletion(key: string): void {
  const channel = new BroadcastChannel(CHANNEL);
  channel.postMessage({ kind: 'delete', key } satisfies DeletionMessage);
  channel.close();
}

/** Calls `stop` when a deletion of `key` is announced; returns the unsubscribe. */
export function onDeletion(key: string, stop: () => void): () => void {
  const channel = new BroadcastChannel(CHANNEL);
  channel.onmessage = (event: MessageEvent<DeletionMessage>) => {
    if (event.data.kind === 'delete' && event.data.key === key) stop();
  };
  return () => channel.close();
}

async function withLocalLock<T>(name: string, run: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  const previous = local.get(name) ?? Promise.resolve();
  let release!: () => void;
  const mine = previous.then(() => new Promise<void>((resolve) => (release = resolve)));
  local.set(name, mine);
  try {
    await new Promise<void>((resolve, reject) => {
      if (signal?.aborted) reject(signal.reason);
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      void previous.then(resolve);
    });
    return await run();
  } finally {
    // Settles once `previous` has, so the queue keeps its order even when this wait was given up.
    void previous.then(() => {
      release();
      if (local.get(name) === mine) local.delete(name);
    });
  }
}
