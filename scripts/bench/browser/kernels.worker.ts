// Times one-node graphs on the engine's own onnxruntime-web setup (ort-env.ts: same .wasm files,
// same thread count), in a worker as the engine runs; WebGPU on the browser's default adapter.
import { ort } from '../../../workers/engine/ort-env.ts';
import type { KernelReply, KernelRequest } from './kernels-protocol.ts';
import { serveRequests } from './worker-server.ts';

async function time(request: KernelRequest): Promise<number[]> {
  const model = new Uint8Array(await (await fetch(request.url)).arrayBuffer());
  const session = await ort.InferenceSession.create(model, { executionProviders: [request.ep], graphOptimizationLevel: 'all' });
  const x = new ort.Tensor('float32', Float32Array.from({ length: request.rows * request.k }, (_, i) => Math.sin(i)), [1, request.rows, request.k]);
  const roundMs: number[] = [];
  try {
    // The first run compiles (WebGPU shaders) and allocates: not timed.
    for (let round = -1; round < request.rounds; round++) {
      const started = performance.now();
      for (let run = 0; run < request.runs; run++) {
        const { y } = await session.run({ x });
        await y!.getData();
        y!.dispose();
      }
      if (round >= 0) roundMs.push((performance.now() - started) / request.runs);
    }
  } finally {
    await session.release();
  }
  return roundMs;
}

serveRequests<KernelRequest, KernelReply>(async (request) => ({ kind: 'timed', roundMs: await time(request) }));
