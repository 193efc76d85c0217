// Worker entry of a stage on WASM: its own onnxruntime instance, hence its own 4 GiB heap, so a
// model larger than one heap runs across several (split/). Dispatch only; onnxruntime's threads
// start from this script too (named em-pthread) and are left alone.
import { toErrorShape } from '../../protocol/errors.ts';
import { chooseDevice } from '../gpu-device.ts';
import { SessionStage } from '../stage-session.ts';
import type { StageEvent, StageRequest, WireTensor } from './stage-protocol.ts';
import { fromWire, toWire } from './wire-tensor.ts';

const scope = self as unknown as DedicatedWorkerGlobalScope;
if (!scope.name.startsWith('em-pthread')) {
  let stage: SessionStage | null = null;
  let queue: Promise<void> = Promise.resolve();
  const post = (event: StageEvent, transfer: Transferable[] = []): void => scope.postMessage(event, transfer);
  // Requests run in the order sent, as the engine's pipeline expects.
  scope.onmessage = ({ data: request }: MessageEvent<StageRequest>) => {
    queue = queue.then(async () => {
      try {
        await handle(request);
      } catch (error) {
        post({ kind: 'error', id: request.kind === 'run' ? request.id : null, error: toErrorShape(error) });
      }
    });
  };
  const handle = async (request: StageRequest): Promise<void> => {
    switch (request.kind) {
      case 'create': {
        stage = await SessionStage.create(request, await chooseDevice('wasm'), request.shape);
        const { inputNames, outputNames, inputMetadata } = stage.info;
        post({ kind: 'created', info: { inputNames: [...inputNames], outputNames: [...outputNames], inputMetadata: [...inputMetadata] } });
        return;
      }
      case 'run': {
        const inputs = Object.fromEntries(Object.entries(request.inputs).map(([name, t]) => [name, fromWire(t)]));
        const outputs = await stage!.run(inputs, request.fed);
        const wire: Record<string, WireTensor> = {};
        for (const [name, tensor] of Object.entries(outputs)) {
          wire[name] = await toWire(tensor);
          tensor.dispose();
        }
        post({ kind: 'outputs', id: request.id, outputs: wire, kv: stage!.kv }, Object.values(wire).map((t) => t.data.buffer as ArrayBuffer));
        return;
      }
      case 'crop':
        return stage?.crop(request.length);
      case 'clear':
        return stage?.clear();
    }
  };
}
