// Reads a (rewritten) ONNX model with onnx-proto, as onnxruntime reads it: a model may carry
// several `graph` fields, which protobuf merges (repeated fields concatenate); protobufjs keeps
// only the last, so the graph payloads are joined and decoded as one here.
import onnxProto from 'onnx-proto';

export const onnx = onnxProto.onnx;
export type Model = onnxProto.onnx.ModelProto;
export type Tensor = onnxProto.onnx.ITensorProto;

const MODEL_GRAPH = 7;

export function decodeModel(bytes: Uint8Array): Model {
  const model = onnx.ModelProto.decode(bytes);
  const graphs: Uint8Array[] = [];
  for (let at = 0; at < bytes.byteLength; ) {
    const [key, afterKey] = varint(bytes, at);
    const wire = key % 8;
    if (wire === 0) at = varint(bytes, afterKey)[1];
    else if (wire === 1 || wire === 5) at = afterKey + (wire === 1 ? 8 : 4);
    else if (wire === 2) {
      const [length, start] = varint(bytes, afterKey);
      if (Math.floor(key / 8) === MODEL_GRAPH) graphs.push(bytes.subarray(start, start + length));
      at = start + length;
    } else throw new Error(`wire type ${wire}`);
  }
  model.graph = onnx.GraphProto.decode(Buffer.concat(graphs));
  return model;
}

export function encodeModel(model: Model): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/** The values of a float32 or float16 tensor held in raw_data. */
export function floatValues(tensor: Tensor): Float64Array {
  const raw = tensor.rawData!;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (tensor.dataType === onnx.TensorProto.DataType.FLOAT) return Float64Array.from({ length: raw.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
  if (tensor.dataType === onnx.TensorProto.DataType.FLOAT16) return Float64Array.from({ length: raw.byteLength / 2 }, (_, i) => half(view.getUint16(i * 2, true)));
  throw new Error(`tensor ${tensor.name} is not float32/float16`);
}

function half(h: number): number {
  const exp = (h >> 10) & 0x1f;
  const value = exp === 0 ? (h & 0x3ff) * 2 ** -24 : (1 + (h & 0x3ff) / 1024) * 2 ** (exp - 15);
  return h & 0x8000 ? -value : value;
}

function varint(bytes: Uint8Array, at: number): [number, number] {
  let value = 0;
  for (let i = at, scale = 1; i < at + 10; i++, scale *= 128) {
    value += (bytes[i]! & 0x7f) * scale;
    if (bytes[i]! < 0x80) return [value, i + 1];
  }
  throw new Error('bad varint');
}
