// The convert bench's worker: the converter as the engine worker runs it, reading the
// checkpoint by HTTP Range requests instead of the store's chunks, and discarding its output
// (counted), so the worker's heap holds what the conversion itself needs.
import type { CheckpointFiles } from '../../../workers/convert/checkpoint.ts';
import { convertCheckpoint } from '../../../workers/convert/convert-model.ts';
import { serveRequests } from '../browser/worker-server.ts';
import type { ConvertJob, ConvertReply } from './protocol.ts';

serveRequests<ConvertJob, ConvertReply>(async (job) => {
  let bytesFetched = 0;
  // Time inside reads: on this machine the local server shares the CPUs with the browser.
  let fetchMs = 0;
  const files: CheckpointFiles = {
    size: (file) => {
      const size = job.sizes[file];
      if (size === undefined) throw new Error(`no size for ${file}`);
      return size;
    },
    // Streamed into the converter's buffer when it lends one, as the store's reader does.
    read: async (file, begin, end, into) => {
      const fetchStarted = performance.now();
      const response = await fetch(`${job.base}${file}`, { headers: { Range: `bytes=${begin}-${end - 1}` } });
      if (response.status !== 206) throw new Error(`${file} [${begin}, ${end}): HTTP ${response.status}`);
      const bytes = into ?? new Uint8Array(end - begin);
      const reader = response.body!.getReader();
      let filled = 0;
      for (let piece = await reader.read(); !piece.done; piece = await reader.read()) {
        bytes.set(piece.value, filled);
        filled += piece.value.byteLength;
      }
      if (filled !== end - begin) throw new Error(`${file} [${begin}, ${end}): got ${filled} bytes`);
      bytesFetched += filled;
      fetchMs += performance.now() - fetchStarted;
      return bytes;
    },
  };
  let externalBytes = 0;
  const started = performance.now();
  const converted = await convertCheckpoint({
    repo: job.repo,
    config: job.config,
    index: job.index,
    compute: job.compute,
    files,
    sink: { append: async (bytes) => void (externalBytes += bytes.byteLength) },
    fileName: job.compute === 'float32' ? 'model_q4.onnx' : 'model_q4f16.onnx',
  });
  if (converted.externalBytes !== externalBytes) throw new Error(`sink got ${externalBytes} bytes, the graph says ${converted.externalBytes}`);
  return { kind: 'done', ms: performance.now() - started, externalBytes, graphBytes: converted.graph.byteLength, bytesFetched, fetchMs };
});
