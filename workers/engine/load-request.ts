// A load request's own checks (fields in range) and the dtype it gets on the chosen device,
// apart from the engine that runs the load.
import { EngineError } from '../protocol/errors.ts';
import type { LoadRequest, ModelDtype } from '../protocol/messages.ts';
import type { DeviceChoice } from './gpu-device.ts';

export function checkLoadRequest(request: LoadRequest): void {
  if (request.ropeScaling !== undefined && request.ropeScaling !== 'yarn') {
    throw new EngineError('invalid_request', `ropeScaling must be 'yarn' or left out (got ${String(request.ropeScaling)}).`);
  }
  if (request.weights !== undefined && request.weights !== 'onnx' && request.weights !== 'safetensors') {
    throw new EngineError('invalid_request', `weights must be 'onnx', 'safetensors' or left out (got ${String(request.weights)}).`);
  }
  if (request.logitsSlice !== undefined && typeof request.logitsSlice !== 'boolean') {
    throw new EngineError('invalid_request', `logitsSlice must be true, false or left out (got ${String(request.logitsSlice)}).`);
  }
  for (const key of ['maxContextTokens', 'stages', 'bufferLimitBytes'] as const) {
    const value = request[key];
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 1)) throw new EngineError('invalid_request', `${key} must be a whole number of at least 1 (got ${String(value)}).`);
  }
  if (request.unpackBytes !== undefined && !(Number.isSafeInteger(request.unpackBytes) && request.unpackBytes >= 0)) {
    throw new EngineError('invalid_request', `unpackBytes must be a whole number of at least 0 (got ${String(request.unpackBytes)}).`);
  }
}

/** q4f16 only where the adapter has shader-f16; q4 otherwise. */
export function chooseDtype(requested: ModelDtype | undefined, choice: DeviceChoice): { dtype: ModelDtype; notes: string[] } {
  if (requested === 'q4f16' && choice.device === 'webgpu' && !choice.shaderF16) {
    return { dtype: 'q4', notes: ['This GPU has no shader-f16, so the q4 build (fp32 compute) is used instead of q4f16.'] };
  }
  if (requested) return { dtype: requested, notes: [] };
  return { dtype: choice.device === 'webgpu' && choice.shaderF16 ? 'q4f16' : 'q4', notes: [] };
}
