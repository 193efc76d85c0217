// The nodes and constants a rewrite appends to a graph (graph-edit.ts appendGraph), written as
// GraphProto fields: nodes with int, ints and float attributes, and small initializers.
import {
  ATTRIBUTE_INT,
  ATTRIBUTE_NAME,
  ATTRIBUTE_TYPE,
  ATTRIBUTE_TYPE_INT,
  DATA_TYPE,
  GRAPH_INITIALIZER,
  GRAPH_NODE,
  NODE_ATTRIBUTE,
  NODE_DOMAIN,
  NODE_INPUT,
  NODE_NAME,
  NODE_OP_TYPE,
  NODE_OUTPUT,
  tensorProto,
} from './graph-edit.ts';
import { Writer } from './protobuf.ts';

// AttributeProto fields and types (onnx.proto3).
const ATTRIBUTE_FLOAT = 2;
const ATTRIBUTE_INTS = 8;
const ATTRIBUTE_TYPE_FLOAT = 1;
const ATTRIBUTE_TYPE_INTS = 7;

export type Attribute = { int: number } | { ints: readonly number[] } | { float: number };

export class GraphAddition {
  readonly graph = new Writer();
  readonly #prefix: string;

  /** `prefix` starts every node and constant name this addition writes. */
  constructor(prefix: string) {
    this.#prefix = prefix;
  }

  /** A name under this addition's prefix. */
  name(suffix: string): string {
    return `${this.#prefix}/${suffix}`;
  }

  node(opType: string, name: string, inputs: readonly string[], outputs: readonly string[], attributes: Record<string, Attribute> = {}, domain = ''): void {
    const node = new Writer();
    for (const input of inputs) node.string(NODE_INPUT, input);
    for (const output of outputs) node.string(NODE_OUTPUT, output);
    node.string(NODE_NAME, this.name(name)).string(NODE_OP_TYPE, opType);
    for (const [key, value] of Object.entries(attributes)) node.message(NODE_ATTRIBUTE, attribute(key, value));
    if (domain) node.string(NODE_DOMAIN, domain);
    this.graph.message(GRAPH_NODE, node);
  }

  /** One op with one output, named after the node: returns the output's name. */
  op(opType: string, name: string, inputs: readonly string[], attributes: Record<string, Attribute> = {}): string {
    this.node(opType, name, inputs, [this.name(name)], attributes);
    return this.name(name);
  }

  /** An int64 initializer (a scalar when `dims` is empty); returns its name. */
  int64(name: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    const raw = new Uint8Array(values.length * 8);
    const view = new DataView(raw.buffer);
    values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
    this.graph.message(GRAPH_INITIALIZER, tensorProto(this.name(name), DATA_TYPE.int64, dims, raw));
    return this.name(name);
  }

  /** A float32 scalar initializer; returns its name. */
  float32(name: string, value: number): string {
    const raw = new Uint8Array(4);
    new DataView(raw.buffer).setFloat32(0, value, true);
    this.graph.message(GRAPH_INITIALIZER, tensorProto(this.name(name), DATA_TYPE.float32, [], raw));
    return this.name(name);
  }
}

function attribute(name: string, value: Attribute): Writer {
  const a = new Writer().string(ATTRIBUTE_NAME, name);
  if ('int' in value) return a.varint(ATTRIBUTE_INT, value.int).varint(ATTRIBUTE_TYPE, ATTRIBUTE_TYPE_INT);
  if ('float' in value) return a.float(ATTRIBUTE_FLOAT, value.float).varint(ATTRIBUTE_TYPE, ATTRIBUTE_TYPE_FLOAT);
  for (const v of value.ints) a.varint(ATTRIBUTE_INTS, v);
  return a.varint(ATTRIBUTE_TYPE, ATTRIBUTE_TYPE_INTS);
}
