// An ONNX graph under construction: nodes in topological order, initializers, the graph's inputs and
// outputs, and its encoding as a ModelProto (proto.ts). The exporter (export.ts) fills it by asking
// for the value name of each tensor a traced op read.

import { formatShape, type Tensor } from '../engine/index.js';
import { ATTRIBUTE_TYPE, DATA_TYPE, FIELD, ProtoWriter } from './proto.js';

/** An attribute value, tagged with its ONNX type (a JS number alone cannot say int or float). */
export type Attribute =
  | { type: 'int'; value: number }
  | { type: 'float'; value: number }
  | { type: 'ints'; value: readonly number[] }
  | { type: 'floats'; value: readonly number[] }
  | { type: 'string'; value: string };

export const int = (value: number): Attribute => ({ type: 'int', value });
export const float = (value: number): Attribute => ({ type: 'float', value });
export const ints = (value: readonly number[]): Attribute => ({ type: 'ints', value });
export const string = (value: string): Attribute => ({ type: 'string', value });

interface Node {
  opType: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes: Record<string, Attribute>;
}

interface Initializer {
  name: string;
  dims: readonly number[];
  dataType: number;
  raw: Uint8Array;
}

interface ValueInfo {
  name: string;
  shape: readonly number[];
}

export class Graph {
  readonly nodes: Node[] = [];
  readonly initializers: Initializer[] = [];
  readonly inputs: ValueInfo[] = [];
  readonly outputs: ValueInfo[] = [];
  private readonly used = new Set<string>();
  private count = 0;

  constructor(readonly opset: number) {}

  /** A name not used yet, from a readable stem. */
  uniqueName(stem: string): string {
    let name = stem;
    while (this.used.has(name)) name = `${stem}_${++this.count}`;
    this.used.add(name);
    return name;
  }

  /** Adds a node; returns its (first) output's name. */
  node(opType: string, inputs: string[], attributes: Record<string, Attribute> = {}, outputCount = 1): string {
    const name = this.uniqueName(`${opType}_${this.nodes.length}`);
    const outputs = Array.from({ length: outputCount }, (_, i) => this.uniqueName(`${name}_output${outputCount > 1 ? i : ''}`));
    this.nodes.push({ opType, name, inputs, outputs, attributes });
    return outputs[0];
  }

  floatInitializer(stem: string, values: Float32Array, dims: readonly number[]): string {
    const name = this.uniqueName(stem);
    const copy = Float32Array.from(values); // little-endian raw bytes, as ONNX's raw_data
    this.initializers.push({ name, dims, dataType: DATA_TYPE.float, raw: littleEndian(copy.buffer) });
    return name;
  }

  /** A float32 tensor's values as an initializer (a parameter, a buffer or a constant of the forward pass). */
  tensorInitializer(stem: string, t: Tensor): string {
    let values: Float32Array;
    try {
      values = t.data;
    } catch (e) {
      throw new Error(`onnx.exportModel: cannot read the values of ${stem} ${formatShape(t.shape)} on this backend (${(e as Error).message}); export on 'wasm' or 'js' (await tg.setBackend('wasm'))`);
    }
    return this.floatInitializer(stem, values, t.shape);
  }

  /** int64 values (shapes, axes, indices) as an initializer; a 1-d list unless dims say otherwise. */
  int64Initializer(stem: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    const name = this.uniqueName(stem);
    const data = BigInt64Array.from(values, (v) => BigInt(v));
    this.initializers.push({ name, dims, dataType: DATA_TYPE.int64, raw: littleEndian(data.buffer) });
    return name;
  }

  scalar(stem: string, value: number): string {
    return this.floatInitializer(stem, Float32Array.of(value), []);
  }

  input(name: string, shape: readonly number[]): void {
    this.used.add(name);
    this.inputs.push({ name, shape });
  }

  /** Makes `value` a graph output under `name` (renaming the node output, or through an Identity). */
  output(value: string, name: string, shape: readonly number[]): void {
    const producer = this.nodes.find((n) => n.outputs.includes(value));
    const isOutputAlready = this.outputs.some((o) => o.name === value);
    if (producer && !isOutputAlready && !this.used.has(name)) {
      producer.outputs[producer.outputs.indexOf(value)] = name;
      for (const n of this.nodes) n.inputs = n.inputs.map((i) => (i === value ? name : i));
      this.used.add(name);
    } else {
      this.used.add(name);
      this.nodes.push({ opType: 'Identity', name: this.uniqueName(`Identity_${this.nodes.length}`), inputs: [value], outputs: [name], attributes: {} });
    }
    this.outputs.push({ name, shape });
  }

  /** The ModelProto's bytes. */
  encode(): Uint8Array {
    const graph = new ProtoWriter();
    for (const n of this.nodes) graph.message(FIELD.graph.node, encodeNode(n));
    graph.string(FIELD.graph.name, 'typegrad');
    for (const t of this.initializers) graph.message(FIELD.graph.initializer, encodeTensor(t));
    for (const v of this.inputs) graph.message(FIELD.graph.input, encodeValueInfo(v));
    for (const v of this.outputs) graph.message(FIELD.graph.output, encodeValueInfo(v));
    return new ProtoWriter()
      .int(FIELD.model.irVersion, irVersionFor(this.opset))
      .string(FIELD.model.producerName, 'typegrad')
      .message(FIELD.model.graph, graph)
      .message(FIELD.model.opsetImport, new ProtoWriter().string(FIELD.opset.domain, '').int(FIELD.opset.version, this.opset))
      .finish();
  }
}

/** The IR version that introduced each opset (onnx/helper.py's VERSION_TABLE): the oldest that holds it. */
function irVersionFor(opset: number): number {
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  return 10;
}

function littleEndian(buffer: ArrayBufferLike): Uint8Array {
  const bytes = new Uint8Array(buffer);
  if (new Uint8Array(Uint16Array.of(1).buffer)[0] === 1) return bytes;
  throw new Error('onnx: writing raw tensor data needs a little-endian platform'); // every platform typegrad runs on is
}

function encodeNode(n: Node): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(FIELD.node.input, i);
  for (const o of n.outputs) w.string(FIELD.node.output, o);
  w.string(FIELD.node.name, n.name).string(FIELD.node.opType, n.opType);
  for (const [name, a] of Object.entries(n.attributes)) w.message(FIELD.node.attribute, encodeAttribute(name, a));
  return w;
}

function encodeAttribute(name: string, a: Attribute): ProtoWriter {
  const w = new ProtoWriter().string(FIELD.attribute.name, name);
  switch (a.type) {
    case 'int':
      return w.int(FIELD.attribute.i, a.value).int(FIELD.attribute.type, ATTRIBUTE_TYPE.int);
    case 'float':
      return w.float(FIELD.attribute.f, a.value).int(FIELD.attribute.type, ATTRIBUTE_TYPE.float);
    case 'ints':
      return w.ints(FIELD.attribute.ints, a.value).int(FIELD.attribute.type, ATTRIBUTE_TYPE.ints);
    case 'floats':
      return w.floats(FIELD.attribute.floats, a.value).int(FIELD.attribute.type, ATTRIBUTE_TYPE.floats);
    case 'string':
      return w.string(FIELD.attribute.s, a.value).int(FIELD.attribute.type, ATTRIBUTE_TYPE.string);
  }
}

function encodeTensor(t: Initializer): ProtoWriter {
  return new ProtoWriter().ints(FIELD.tensor.dims, t.dims).int(FIELD.tensor.dataType, t.dataType).string(FIELD.tensor.name, t.name).bytes(FIELD.tensor.rawData, t.raw);
}

function encodeValueInfo(v: ValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.shape) shape.message(FIELD.shape.dim, new ProtoWriter().int(FIELD.dimension.dimValue, d));
  const tensorType = new ProtoWriter().int(FIELD.tensorType.elemType, DATA_TYPE.float).message(FIELD.tensorType.shape, shape);
  return new ProtoWriter().string(FIELD.valueInfo.name, v.name).message(FIELD.valueInfo.type, new ProtoWriter().message(FIELD.type.tensorType, tensorType));
}
