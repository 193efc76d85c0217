// A stand-in for the Hugging Face hub on localhost, serving a forged hub tree
// (`<org>/<name>/resolve/main/<file>`) as the hub does: LFS files (the weights) answer a 302 that
// alone carries X-Linked-Etag (their SHA-256) and X-Linked-Size, to a CDN path whose ETag is a
// 64-hex value that is not the SHA-256; `/raw/main/` gives LFS pointers. Tests inject network
// faults (a cut at byte N, 5xx or 416, Range ignored, a flipped byte, a slow link) and read a log.
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readSync, statSync } from 'node:fs';
import { createServer, type ServerResponse, type Server } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

export type Fault =
  /** Sends the file up to absolute byte `atByte`, then drops the connection. */
  | { kind: 'drop'; path: string; atByte: number; times?: number }
  /** Answers `status` with no body; only to GETs with a Range header when `ranged`. */
  | { kind: 'status'; path: string; status: number; ranged?: boolean; times?: number }
  /** Answers 200 with the whole file whatever Range asks. */
  | { kind: 'ignore-range'; path: string; times?: number }
  /** Flips the byte at absolute offset `atByte` (the ETag still names the true content). */
  | { kind: 'corrupt'; path: string; atByte: number; times?: number }
  /** Sends at most `bytesPerSecond`. */
  | { kind: 'slow'; path: string; bytesPerSecond: number; times?: number }
  /** Leaves Content-Range out of Access-Control-Expose-Headers, as CDNs often do: a page cannot read it. */
  | { kind: 'hide-content-range'; path: string; times?: number };

export interface ServedRequest {
  method: string;
  /** The path asked for: the hub's `/resolve/main/` or `/raw/main/` path, or the CDN's. */
  path: string;
  range: string | null;
  status: number;
  /** Body bytes written before the response ended or was dropped. */
  bytes: number;
}

export interface HubServer {
  url: string;
  close: () => Promise<void>;
  /** Faults in force; each applies to requests whose path ends with its `path`, `times` times (default: always). */
  faults: Fault[];
  log: ServedRequest[];
  /** Body bytes served for paths ending with `path`, by the requests logged from index `since` on. */
  bytesServed: (path: string, since?: number) => number;
  /** The first byte asked for by each GET for paths ending with `path` that carried Range, in order. */
  rangeStarts: (path: string, since?: number) => number[];
}

const TYPES: Record<string, string> = { '.json': 'application/json', '.onnx': 'application/octet-stream' };
// As the hub and its CDN do: readable from any origin, also by cross-origin-isolated pages,
// redirects and errors included.
const CROSS_ORIGIN = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'Content-Length, Content-Range, ETag, X-Linked-Etag, X-Linked-Size',
  'Cross-Origin-Resource-Policy': 'cross-origin',
};
const RESOLVE = '/resolve/main/';
const RAW = '/raw/main/';
/** Where a resolve of an LFS file redirects: `/cdn/<repo>/resolve/main/<file>` on this server. */
const CDN = '/cdn';

export function startHubServer(root: string, port = 0): Promise<HubServer> {
  const faults: Fault[] = [];
  const log: ServedRequest[] = [];
  const digests = new Map<string, string>();

  // Takes the first fault of a kind that matches, counting down its uses.
  const takeFault = <K extends Fault['kind']>(kind: K, path: string, applies: (f: Extract<Fault, { kind: K }>) => boolean = () => true): Extract<Fault, { kind: K }> | undefined => {
    const index = faults.findIndex((f) => f.kind === kind && path.endsWith(f.path) && applies(f as Extract<Fault, { kind: K }>));
    if (index < 0) return undefined;
    const fault = faults[index] as Extract<Fault, { kind: K }>;
    if (fault.times !== undefined && --fault.times <= 0) faults.splice(index, 1);
    return fault;
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const entry: ServedRequest = { method, path: decodeURIComponent(url.pathname), range: req.headers.range ?? null, status: 0, bytes: 0 };
    log.push(entry);
    if (method === 'OPTIONS') {
      entry.status = 204;
      res.writeHead(204, { ...CROSS_ORIGIN, 'Access-Control-Allow-Methods': 'GET, HEAD', 'Access-Control-Allow-Headers': 'Range' }).end();
      return;
    }
    // The CDN path and the raw path name the same file on disk as the resolve path.
    const cdn = entry.path.startsWith(`${CDN}/`);
    const raw = !cdn && entry.path.includes(RAW);
    const diskPath = cdn ? entry.path.slice(CDN.length) : entry.path.replace(RAW, RESOLVE);
    const path = normalize(join(root, diskPath));
    let size: number;
    let mtimeMs: number;
    try {
      if (!path.startsWith(normalize(root + sep))) throw new Error('outside root');
      const stat = statSync(path);
      if (!stat.isFile()) throw new Error('not a file');
      ({ size, mtimeMs } = stat);
    } catch {
      entry.status = 404;
      res.writeHead(404, { ...CROSS_ORIGIN, 'Content-Type': 'text/plain' }).end('Entry not found');
      return;
    }
    // Faults hit the file's bytes (resolve and CDN), never its pointer.
    const statusFault = raw ? undefined : takeFault('status', entry.path, (f) => !f.ranged || (method === 'GET' && req.headers.range !== undefined));
    if (statusFault) {
      entry.status = statusFault.status;
      res.writeHead(statusFault.status, { ...CROSS_ORIGIN, 'Content-Type': 'text/plain' }).end();
      return;
    }
    const lfs = isWeightFile(path);
    const digest = (): string => {
      const key = `${path}:${size}:${mtimeMs}`;
      let known = digests.get(key);
      if (!known) digests.set(key, (known = sha256File(path)));
      return known;
    };
    if (lfs && raw) {
      // The pointer git keeps in place of an LFS file, as `/raw/main/` gives it.
      const pointer = `version https://git-lfs.github.com/spec/v1\noid sha256:${digest()}\nsize ${size}\n`;
      entry.status = 200;
      entry.bytes = pointer.length;
      res.writeHead(200, { ...CROSS_ORIGIN, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': pointer.length }).end(method === 'HEAD' ? undefined : pointer);
      return;
    }
    if (lfs && !cdn) {
      // The SHA-256 rides on the redirect only, which fetch follows without showing it.
      entry.status = 302;
      res.writeHead(302, { ...CROSS_ORIGIN, Location: `${CDN}${entry.path}`, 'X-Linked-Etag': `"${digest()}"`, 'X-Linked-Size': size, ETag: `"${digest()}"` }).end();
      return;
    }
    const headers: Record<string, string | number> = {
      'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream',
      'Accept-Ranges': 'bytes',
      ...CROSS_ORIGIN,
      // The CDN's own ETag: 64 hex digits, but not the file's SHA-256.
      ETag: cdn ? `"${createHash('sha256').update(`cdn:${digest()}`).digest('hex')}"` : `"${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}"`,
    };
    let start = 0;
    let end = size - 1;
    let status = 200;
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    if (range && (range[1] || range[2]) && !takeFault('ignore-range', entry.path)) {
      start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
      end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start >= size || start > end) {
        entry.status = 416;
        res.writeHead(416, { ...CROSS_ORIGIN, 'Content-Range': `bytes */${size}` }).end();
        return;
      }
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
      if (takeFault('hide-content-range', entry.path)) headers['Access-Control-Expose-Headers'] = 'Content-Length, ETag';
    }
    headers['Content-Length'] = end - start + 1;
    entry.status = status;
    res.writeHead(status, headers);
    if (method === 'HEAD' || size === 0) {
      res.end();
      return;
    }
    void sendBody(res, path, start, end, entry, {
      drop: takeFault('drop', entry.path),
      corrupt: takeFault('corrupt', entry.path),
      slow: takeFault('slow', entry.path),
    });
  });
  // Idle sockets stay open longer than Node's fetch keeps them (4 s), so the client always closes
  // first: with the server's 5 s default, a busy machine had fetch reuse a socket the server was
  // closing ("other side closed").
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      resolve({
        url: `http://localhost:${actual}/`,
        close: () =>
          new Promise((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
        faults,
        log,
        bytesServed: (suffix, since = 0) => fileRequests(log.slice(since), suffix).reduce((sum, r) => sum + r.bytes, 0),
        rangeStarts: (suffix, since = 0) =>
          fileRequests(log.slice(since), suffix)
            .filter((r) => r.method === 'GET' && r.range !== null && r.status !== 302)
            .map((r) => Number(/^bytes=(\d+)-/.exec(r.range!)?.[1] ?? NaN)),
      });
    });
  });
}

/** Requests for a file's bytes (not its `/raw/` pointer). */
function fileRequests(log: ServedRequest[], suffix: string): ServedRequest[] {
  return log.filter((r) => r.path.endsWith(suffix) && !r.path.includes(RAW));
}

interface BodyFaults {
  drop: Extract<Fault, { kind: 'drop' }> | undefined;
  corrupt: Extract<Fault, { kind: 'corrupt' }> | undefined;
  slow: Extract<Fault, { kind: 'slow' }> | undefined;
}

async function sendBody(res: ServerResponse, path: string, start: number, end: number, entry: ServedRequest, faults: BodyFaults): Promise<void> {
  let offset = start;
  const stream = createReadStream(path, { start, end, highWaterMark: 64 * 1024 });
  res.on('close', () => stream.destroy());
  try {
    for await (const data of stream as AsyncIterable<Buffer>) {
      let piece = data;
      if (faults.corrupt && faults.corrupt.atByte >= offset && faults.corrupt.atByte < offset + piece.length) {
        piece = Buffer.from(piece);
        piece[faults.corrupt.atByte - offset]! ^= 0xff;
      }
      const dropAt = faults.drop?.atByte;
      if (dropAt !== undefined && offset + piece.length > dropAt) {
        piece = piece.subarray(0, Math.max(0, dropAt - offset));
        if (piece.length > 0) await write(res, piece);
        entry.bytes += piece.length;
        res.socket?.destroy();
        return;
      }
      if (faults.slow) await new Promise((resolve) => setTimeout(resolve, (1000 * piece.length) / faults.slow!.bytesPerSecond));
      if (res.destroyed) return;
      await write(res, piece);
      entry.bytes += piece.length;
      offset += piece.length;
    }
    res.end();
  } catch {
    res.destroy();
  }
}

function write(res: ServerResponse, data: Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (res.write(data)) resolve();
    else res.once('drain', resolve);
  });
}

function isWeightFile(path: string): boolean {
  return /\.(onnx(_data(_\d+)?)?|safetensors)$/.test(path);
}

function sha256File(path: string): string {
  // Synchronous and cached per file version: the server is for tests. Read in pieces: a file may
  // pass Node's 2 GiB read limit (the 7B embedding's external data).
  const hash = createHash('sha256');
  const piece = Buffer.alloc(64 * 2 ** 20);
  const fd = openSync(path, 'r');
  try {
    for (let read = readSync(fd, piece); read > 0; read = readSync(fd, piece)) hash.update(piece.subarray(0, read));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}
