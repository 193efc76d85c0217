// A small ONNX graph builder over the onnx-proto message types: nodes with generated output
// names, deduplicated constants, and initializers whose bytes are produced only when written.
import onnxProto from 'onnx-proto';
import { toHalfBits } from './fp16.ts';

export const { onnx } = onnxProto;
export type NodeProto = onnxProto.onnx.INodeProto;
export type ValueInfoProto = onnxProto.onnx.IValueInfoProto;

export const TensorType = {
  float32: 1,
  uint8: 2,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
} as const;
export type TensorTypeName = keyof typeof TensorType;

export type AttrValue = number | number[] | string | { float: number };

export interface LazyInitializer {
  name: string;
  type: TensorTypeName;
  dims: number[];
  byteLength: number;
  produce: () => Uint8Array;
}

export type Dim = number | string;

export const MS_DOMAIN = 'com.microsoft';

export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: LazyInitializer[] = [];
  readonly inputs: ValueInfoProto[] = [];
  readonly outputs: ValueInfoProto[] = [];
  readonly #constants = new Map<string, string>();
  readonly #nodeNames = new Set<string>();

  input(name: string, type: TensorTypeName, dims: Dim[]): string {
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  output(name: string, type: TensorTypeName, dims: Dim[]): void {
    this.outputs.push(valueInfo(name, type, dims));
  }

  /** Adds a node; returns its output names (`outputs` is a count or explicit names, '' skips one). */
  node(
    opType: string,
    name: string,
    inputs: string[],
    options: { attrs?: Record<string, AttrValue>; domain?: string; outputs?: number | string[] } = {},
  ): string[] {
    if (this.#nodeNames.has(name)) throw new Error(`duplicate node name ${name}`);
    this.#nodeNames.add(name);
    const outs = options.outputs ?? 1;
    const output = typeof outs === 'number' ? Array.from({ length: outs }, (_, i) => `${name}/output_${i}`) : outs;
    this.nodes.push({
      name,
      opType,
      domain: options.domain ?? '',
      input: inputs,
      output,
      attribute: Object.entries(options.attrs ?? {}).map(([k, v]) => attribute(k, v)),
    });
    return output;
  }

  /** Single-output node. */
  op(opType: string, name: string, inputs: string[], attrs?: Record<string, AttrValue>, domain?: string): string {
    return this.node(opType, name, inputs, { attrs, domain })[0]!;
  }

  initializer(init: LazyInitializer): string {
    this.initializers.push(init);
    return init.name;
  }

  tensor(name: string, type: TensorTypeName, dims: number[], data: ArrayBufferView): string {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return this.initializer({ name, type, dims, byteLength: bytes.byteLength, produce: () => bytes });
  }

  int64(values: number[], scalar = false): string {
    return this.#constant('int64', values, scalar, () => BigInt64Array.from(values.map(BigInt)));
  }

  float(value: number, type: 'float32' | 'float16', scalar = true): string {
    return this.#constant(type, [value], scalar, () =>
      type === 'float32' ? Float32Array.of(value) : Uint16Array.of(toHalfBits(value)),
    );
  }

  #constant(type: TensorTypeName, values: number[], scalar: boolean, make: () => ArrayBufferView): string {
    const key = `${type}:${scalar}:${values.join(',')}`;
    const known = this.#constants.get(key);
    if (known) return known;
    const name = `/const/${type}_${this.#constants.size}`;
    this.#constants.set(key, name);
    return this.tensor(name, type, scalar ? [] : [values.length], make());
  }
}

function valueInfo(name: string, type: TensorTypeName, dims: Dim[]): ValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: TensorType[type],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function attribute(name: string, value: AttrValue): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value };
  if (typeof value === 'object') return { name, type: T.FLOAT, f: value.float };
  return { name, type: T.INT, i: value };
}
