// A static stand-in for the Hugging Face hub on localhost: serves a forged hub tree
// (`<org>/<name>/resolve/main/<file>`) with Content-Length, ETag and byte ranges.
import { createReadStream, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';

export interface HubServer {
  url: string;
  close: () => Promise<void>;
}

const TYPES: Record<string, string> = { '.json': 'application/json', '.onnx': 'application/octet-stream' };
// As the hub does: readable from any origin, also by cross-origin-isolated pages, errors included.
const CROSS_ORIGIN = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Expose-Headers': 'Content-Length, Content-Range, ETag',
  'Cross-Origin-Resource-Policy': 'cross-origin',
};

export function startHubServer(root: string, port = 0): Promise<HubServer> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = normalize(join(root, decodeURIComponent(url.pathname)));
    let size: number;
    let mtimeMs: number;
    try {
      if (!path.startsWith(normalize(root + sep))) throw new Error('outside root');
      const stat = statSync(path);
      if (!stat.isFile()) throw new Error('not a file');
      ({ size, mtimeMs } = stat);
    } catch {
      res.writeHead(404, { ...CROSS_ORIGIN, 'Content-Type': 'text/plain' }).end('Entry not found');
      return;
    }
    const headers: Record<string, string | number> = {
      'Content-Type': TYPES[extname(path)] ?? 'application/octet-stream',
      'Accept-Ranges': 'bytes',
      ETag: `"${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}"`,
      ...CROSS_ORIGIN,
    };
    const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
    let start = 0;
    let end = size - 1;
    let status = 200;
    if (range && (range[1] || range[2])) {
      start = range[1] ? Number(range[1]) : Math.max(0, size - Number(range[2]));
      end = range[1] && range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      if (start >= size || start > end) {
        res.writeHead(416, { ...CROSS_ORIGIN, 'Content-Range': `bytes */${size}` }).end();
        return;
      }
      status = 206;
      headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
    }
    headers['Content-Length'] = end - start + 1;
    res.writeHead(status, headers);
    if (req.method === 'HEAD' || size === 0) res.end();
    else createReadStream(path, { start, end }).pipe(res);
  });
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      resolve({
        url: `http://localhost:${actual}/`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}
