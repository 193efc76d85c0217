// Tensors as they cross between workers: type, dims and a typed array (its buffer transferred).
import { ort } from '../ort-env.ts';
import type { WireTensor } from './stage-protocol.ts';

export async function toWire(tensor: ort.Tensor): Promise<WireTensor> {
  const data = (await tensor.getData()) as WireTensor['data'];
  // getData on a CPU tensor returns its own array; copy so the transfer cannot detach ORT's memory.
  return { type: tensor.type as WireTensor['type'], dims: [...tensor.dims], data: data.slice() as WireTensor['data'] };
}

export function fromWire(wire: WireTensor): ort.Tensor {
  return new ort.Tensor(wire.type, wire.data as Float32Array, wire.dims);
}
