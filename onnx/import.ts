// ONNX import: `tg.onnx.loadModel(bytes)` reads a ModelProto (proto.ts's strict reader) into a Module that
// interprets the graph node by node with typegrad's tensor ops (import-ops.ts): it runs on every backend and
// trains. Float initializers become Parameters (buffers where only batch norm's statistics or load-time
// reads use them), keyed by their names. A value is live if it depends on a graph input or a float
// initializer; anything else (int64 initializers, Constant, Shape of a fixed shape, the int64 arithmetic
// torch.onnx emits for `x.view(x.size(0), -1)`) is folded on the CPU at load. Shapes come from a dry run
// at load (each live node once, under noGrad, on zeros of the inputs' declared shapes: symbolic dims are
// refused); forward runs the live nodes on inputs of those shapes. Names split at dots into child modules
// as PyTorch's keys do ('conv1.weight'); one that cannot (an empty part, a Module property such as
// 'forward', a tensor that is also a prefix) becomes a top-level key with '.' → '_' ('_' appended till free).

import { formatShape, noGrad, Tensor, zeros } from '../engine/index.js';
import { Module, type AnyModule } from '../nn/module.js';
import { Parameter } from '../nn/parameter.js';
import { constantOps, tensorOps, type Constant, type Node, type NodeContext } from './import-ops.js';
import { ATTRIBUTE_TYPE, DATA_TYPE, decodeModel, type Decoded } from './proto.js';

const OPSETS = { min: 13, max: 21 };
const PREFIX = 'onnx.loadModel';

/** Every op_type loadModel runs, sorted. */
export const supportedOpTypes: readonly string[] = [...new Set([...Object.keys(tensorOps), ...Object.keys(constantOps)])].sort();

/** TensorProto.DataType names, for errors. */
const DATA_TYPE_NAMES: Record<number, string> = { 1: 'float', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool', 10: 'float16', 11: 'double', 12: 'uint32', 13: 'uint64', 16: 'bfloat16' };
/** Bytes per element in raw_data, and the repeated field that holds the values otherwise. */
const STORAGE: Record<number, { bytes: number; field: string }> = {
  [DATA_TYPE.float]: { bytes: 4, field: 'floatData' },
  [DATA_TYPE.double]: { bytes: 8, field: 'doubleData' },
  [DATA_TYPE.int64]: { bytes: 8, field: 'int64Data' },
  [DATA_TYPE.int32]: { bytes: 4, field: 'int32Data' },
  [DATA_TYPE.bool]: { bytes: 1, field: 'int32Data' },
};

const fail = (message: string): never => {
  throw new Error(`${PREFIX}: ${message}`);
};

/** A tensor's values, checked against its dims before anything of their size is allocated. */
function tensorValues(t: Decoded, what: string): Constant {
  const name = `${what} '${(t.name as string) ?? ''}' (at byte ${t.at})`;
  if (t.dataLocation === 1 || t.externalData) fail(`${name} keeps its data in an external file (data_location EXTERNAL), which is not supported: save the model with its data inside`);
  const type = (t.dataType as number) ?? 0;
  const storage = STORAGE[type] ?? fail(`${name} has data type ${type} (${DATA_TYPE_NAMES[type] ?? 'unknown'}); supported: float, double, int64, int32, bool`);
  const dims = (t.dims as number[]) ?? [];
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) fail(`${name} has dims ${JSON.stringify(dims)}: expected non-negative integers`);
  const count = dims.reduce((a, b) => a * b, 1);
  const raw = t.rawData as Uint8Array | undefined;
  const listed = t[storage.field] as number[] | undefined;
  const have = raw ? raw.length / storage.bytes : (listed?.length ?? 0);
  if (have !== count) fail(`${name} has dims ${formatShape(dims)} (${count} elements) but its data holds ${raw ? `${raw.length} bytes of raw_data` : `${have} values`}`);
  const float = type === DATA_TYPE.float || type === DATA_TYPE.double;
  if (!raw) return { dims, values: float ? Float32Array.from(listed ?? []) : (listed ?? []), float };
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const read: (i: number) => number = {
    [DATA_TYPE.float]: (i: number) => view.getFloat32(4 * i, true),
    [DATA_TYPE.double]: (i: number) => view.getFloat64(8 * i, true),
    [DATA_TYPE.int64]: (i: number) => Number(view.getBigInt64(8 * i, true)),
    [DATA_TYPE.int32]: (i: number) => view.getInt32(4 * i, true),
    [DATA_TYPE.bool]: (i: number) => +(view.getUint8(i) !== 0),
  }[type]!;
  const values = float ? new Float32Array(count) : new Array<number>(count);
  for (let i = 0; i < count; i++) values[i] = read(i);
  return { dims, values, float };
}

/** A graph input's declared shape; a symbolic or missing dim is refused (shapes are fixed at load). */
function declaredShape(v: Decoded): number[] {
  const tensorType = (v.type as Decoded | undefined)?.tensorType as Decoded | undefined;
  const dims = ((tensorType?.shape as Decoded | undefined)?.dim as Decoded[] | undefined) ?? null;
  if (!tensorType || !dims) fail(`graph input '${v.name}' declares no tensor shape; loadModel needs every input's shape`);
  return dims!.map((d, i) => (typeof d.dimValue === 'number' && d.dimValue >= 0 ? d.dimValue : fail(`graph input '${v.name}' has a symbolic dim ${i} ('${d.dimParam ?? ''}'); export with fixed shapes (no dynamic_axes)`)));
}

/** A container for the parameters under one dotted prefix (its forward is the model's, never its own). */
class OnnxScope extends Module<never[], never> {
  forward(): never {
    throw new Error(`${PREFIX}: a scope of an imported model's parameters has no forward of its own; call the model`);
  }
}

const emptyScope = new OnnxScope();

/** One live node, ready to run. */
interface Step {
  node: Node;
  run: (xs: Tensor[]) => Tensor | Tensor[];
}

/**
 * A Module that runs an ONNX graph: forward(...inputs) takes the graph's inputs in order (float32
 * tensors; integer inputs such as token ids as float32 values) and returns its output, or a list of
 * its outputs. Batch norm and dropout compute as in ONNX inference, in train() as in eval().
 */
export class OnnxModel extends Module<Tensor[], Tensor | Tensor[]> {
  /** The graph inputs' names and shapes, in forward's order. */
  get inputs(): ReadonlyArray<{ name: string; shape: readonly number[] }> {
    return plans.get(this)!.inputs;
  }

  forward(...inputs: Tensor[]): Tensor | Tensor[] {
    const plan = plans.get(this)!;
    const expected = plan.inputs.map((i) => `${i.name} ${formatShape(i.shape)}`).join(', ');
    if (inputs.length !== plan.inputs.length) throw new RangeError(`OnnxModel.forward: expected ${plan.inputs.length} input(s) (${expected}), got ${inputs.length}`);
    const values = new Map(plan.fixed);
    inputs.forEach((x, i) => {
      const { name, shape } = plan.inputs[i];
      if (!(x instanceof Tensor) || x.shape.length !== shape.length || x.shape.some((d, k) => d !== shape[k])) {
        throw new RangeError(`OnnxModel.forward: input ${i} ('${name}') must be a Tensor of shape ${formatShape(shape)} (the graph's fixed shape), got ${x instanceof Tensor ? formatShape(x.shape) : typeof x}`);
      }
      values.set(name, x);
    });
    for (const step of plan.steps) runStep(step, values);
    const outs = plan.outputs.map((name) => values.get(name)!);
    return outs.length === 1 ? outs[0] : outs;
  }
}

/** Each model's plan, kept beside it rather than in it so that none of its types are part of the package's declarations. */
const plans = new WeakMap<OnnxModel, { inputs: Array<{ name: string; shape: number[] }>; outputs: string[]; steps: Step[]; fixed: Map<string, Tensor> }>();

function runStep(step: Step, values: Map<string, Tensor>): void {
  const xs = step.node.inputs.map((name) => (name === '' ? undefined : values.get(name))) as Tensor[];
  const out = step.run(xs);
  const outs = out instanceof Tensor ? [out] : out;
  step.node.outputs.forEach((name, i) => {
    if (name !== '') values.set(name, outs[i] ?? fail(`node '${step.node.name}' (${step.node.opType}) gave ${outs.length} outputs, its graph names ${step.node.outputs.length}`));
  });
}

/** What load knows of a value: its constant (if known at load), its tensor (live values: the dry run's), its shape. */
interface Value {
  constant?: Constant;
  tensor?: Tensor;
  live: boolean;
  shape: readonly number[];
}

/**
 * torch.onnx's reverse: the bytes of an .onnx file (ModelProto, opset 13 to 21, the default domain) →
 * a Module that runs and trains it. Throws naming the first unsupported op, or what is wrong with the file.
 */
export function loadModel(bytes: Uint8Array): OnnxModel {
  if (!(bytes instanceof Uint8Array)) throw new TypeError(`${PREFIX}: expected the bytes of an .onnx file as a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
  const proto = decodeModel(bytes, (at, message) => fail(`malformed protobuf at byte ${at}: ${message}`));
  const graph = (proto.graph as Decoded | undefined) ?? fail('the file has no graph (ModelProto.graph, field 7): is it an ONNX model?');
  const opsets = (proto.opsetImport as Decoded[] | undefined) ?? [];
  const opset = opsets.find((o) => !o.domain || o.domain === 'ai.onnx')?.version as number | undefined;
  if (opset === undefined) fail(`the model imports no opset for the default ONNX domain (opset_import: ${JSON.stringify(opsets.map((o) => `${o.domain ?? ''}:${o.version}`))})`);
  if (opset! < OPSETS.min || opset! > OPSETS.max) fail(`opset ${opset} is not supported (${OPSETS.min} to ${OPSETS.max} are)`);

  const nodes: Node[] = ((graph.node as Decoded[] | undefined) ?? []).map((n, i) => ({
    opType: (n.opType as string) ?? '',
    name: (n.name as string) || `node ${i}`,
    inputs: (n.input as string[]) ?? [],
    outputs: (n.output as string[]) ?? [],
    attributes: new Map(((n.attribute as Decoded[] | undefined) ?? []).map((a) => [a.name as string, a])),
  }));
  nodes.forEach((n, i) => {
    const domain = (graph.node as Decoded[])[i].domain as string | undefined;
    if ((domain && domain !== 'ai.onnx') || !(Object.hasOwn(tensorOps, n.opType) || Object.hasOwn(constantOps, n.opType))) {
      fail(`node '${n.name}' has op_type '${n.opType}'${domain ? ` in domain '${domain}'` : ''}, which is not supported; supported op_types: ${supportedOpTypes.join(', ')}`);
    }
  });

  const values = new Map<string, Value>();
  const floatInitializers: string[] = [];
  for (const t of (graph.initializer as Decoded[] | undefined) ?? []) {
    const name = (t.name as string) ?? fail(`an initializer at byte ${t.at} has no name`);
    const constant = tensorValues(t, 'initializer');
    if (constant.float) floatInitializers.push(name);
    values.set(name, { constant, live: constant.float, shape: constant.dims, tensor: constant.float ? new Tensor(constant.values as Float32Array, constant.dims) : undefined });
  }
  const inputs = ((graph.input as Decoded[] | undefined) ?? []).filter((v) => !values.has(v.name as string)).map((v) => ({ name: v.name as string, shape: declaredShape(v) }));
  for (const { name, shape } of inputs) values.set(name, { live: true, shape, tensor: zeros(shape) });

  const steps: Step[] = [];
  const trained = new Set<string>();
  const untrained = new Set<string>();
  noGrad(() => {
    for (const node of nodes) planNode(node, values, steps, trained, untrained);
  });

  const outputs = ((graph.output as Decoded[] | undefined) ?? []).map((o) => o.name as string);
  if (outputs.length === 0) fail('the graph has no outputs');
  for (const name of outputs) if (!values.has(name)) fail(`graph output '${name}' is not computed by any node`);
  const fixed = new Map<string, Tensor>();
  const model = new OnnxModel();
  plans.set(model, { inputs, outputs, steps, fixed });
  // initializers: Parameters where a node trains them, buffers elsewhere; other constants read as tensors stay fixed
  for (const name of floatInitializers) {
    const tensor = values.get(name)!.tensor!;
    fixed.set(name, trained.has(name) ? place(model, name, new Parameter(tensor), 'parameter') : place(model, name, tensor, 'buffer'));
  }
  for (const [name, v] of values) if (!v.live && !fixed.has(name)) fixed.set(name, constantTensor(v.constant!));
  return model;
}

function constantTensor(k: Constant): Tensor {
  return new Tensor(Float32Array.from(k.values), k.dims);
}

/** Folds a node on the CPU, or builds its step and runs it on the dry values for the shapes after it. */
function planNode(node: Node, values: Map<string, Value>, steps: Step[], trained: Set<string>, untrained: Set<string>): void {
  const what = `node '${node.name}' (${node.opType})`;
  const nodeFail = (message: string): never => fail(`${what}: ${message}`);
  const input = (i: number): Value | undefined => {
    const name = node.inputs[i];
    if (name === undefined || name === '') return undefined;
    return values.get(name) ?? nodeFail(`input '${name}' is neither a graph input, an initializer nor an earlier node's output`);
  };
  const staticReads = new Set<number>();
  const attribute = (name: string, type: number): Decoded | undefined => {
    const a = node.attributes.get(name);
    if (a && a.type !== undefined && a.type !== type) nodeFail(`attribute ${name} must have type ${type}, got ${a.type}`);
    return a;
  };
  const c: NodeContext = {
    node,
    has: (i) => input(i) !== undefined,
    shape: (i) => (input(i) ?? nodeFail(`input ${i} is missing`)).shape,
    isConstant: (i) => input(i)?.constant !== undefined,
    constant: (i) => {
      staticReads.add(i);
      const v = input(i) ?? nodeFail(`input ${i} is missing`);
      return v.constant ?? nodeFail(`input ${i} ('${node.inputs[i]}') must be known at load (a constant or an initializer), but it is computed at run time from the graph's inputs`);
    },
    untrained: (i) => void untrained.add(node.inputs[i]),
    int: (name, fallback) => (attribute(name, ATTRIBUTE_TYPE.int)?.i as number | undefined) ?? fallback ?? nodeFail(`attribute ${name} is required`),
    ints: (name, fallback) => (attribute(name, ATTRIBUTE_TYPE.ints) ? ((attribute(name, ATTRIBUTE_TYPE.ints)!.ints as number[]) ?? []) : (fallback ?? nodeFail(`attribute ${name} is required`))),
    float: (name, fallback) => (attribute(name, ATTRIBUTE_TYPE.float)?.f as number | undefined) ?? fallback ?? nodeFail(`attribute ${name} is required`),
    string: (name, fallback) => (attribute(name, ATTRIBUTE_TYPE.string)?.s as string | undefined) ?? fallback ?? nodeFail(`attribute ${name} is required`),
    tensorAttribute: (name) => {
      const t = attribute(name, ATTRIBUTE_TYPE.tensor)?.t as Decoded | undefined;
      return t ? tensorValues(t, `${what}'s ${name} tensor`) : undefined;
    },
    fail: nodeFail,
  };
  const live = node.inputs.some((_, i) => input(i)?.live);
  const fold = constantOps[node.opType];
  try {
    if (fold && (!live || node.opType === 'Shape' || node.opType === 'Size')) {
      const out = fold(c);
      (Array.isArray(out) ? out : [out]).forEach((k, i) => values.set(node.outputs[i], { constant: k, live: false, shape: k.dims }));
      return;
    }
    const build = tensorOps[node.opType] ?? nodeFail(`no tensor form: its inputs must all be known at load`);
    const run = build(c);
    const xs = node.inputs.map((_, i) => {
      const v = input(i);
      return v === undefined ? undefined : (v.tensor ??= constantTensor(v.constant!));
    }) as Tensor[];
    const out = run(xs);
    const outs = out instanceof Tensor ? [out] : out;
    node.outputs.forEach((name, i) => {
      if (name === '') return;
      const t = outs[i] ?? nodeFail(`gives ${outs.length} outputs, the graph names ${node.outputs.length}`);
      values.set(name, { tensor: t, live: true, shape: t.shape });
    });
    node.inputs.forEach((name, i) => {
      if (name !== '' && !staticReads.has(i) && !untrained.has(name)) trained.add(name);
    });
    steps.push({ node, run });
  } catch (e) {
    const message = (e as Error).message;
    if (message.startsWith(PREFIX)) throw e;
    fail(`${what}: ${message}`);
  }
}

/** Puts an initializer under its dotted name (see the header), returning the tensor the model holds. */
function place<T extends Tensor>(root: Module<any, any>, name: string, tensor: T, kind: 'parameter' | 'buffer'): T {
  const parts = name.split('.');
  const fits = (() => {
    let m: AnyModule | null = root as AnyModule; // null: under a scope not made yet
    for (const [i, part] of parts.entries()) {
      const existing: unknown = m && Object.hasOwn(m, part) ? (m as unknown as Record<string, unknown>)[part] : undefined;
      if (part === '' || (existing === undefined && part in (m ?? emptyScope))) return false; // '' or a Module property or method
      if (existing !== undefined && (i === parts.length - 1 || !(existing instanceof OnnxScope))) return false;
      m = (existing as AnyModule | undefined) ?? null;
    }
    return true;
  })();
  let m: AnyModule = root as AnyModule;
  let key = parts[parts.length - 1];
  if (fits) {
    for (const part of parts.slice(0, -1)) {
      if (!Object.hasOwn(m, part)) m.addModule(part, new OnnxScope() as unknown as AnyModule);
      m = (m as unknown as Record<string, AnyModule>)[part];
    }
  } else {
    key = name.replace(/\./g, '_');
    while (key in m) key += '_';
  }
  if (kind === 'parameter') m.registerParameter(key, tensor as unknown as Parameter);
  else m.registerBuffer(key, tensor);
  return tensor;
}
