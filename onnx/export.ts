// ONNX export by tracing, as torch.onnx.export traces: run the model's forward pass once on an example
// input while an op tracer (engine/autograd.ts, setOpTracer) hears every op, then walk back from the
// output through the ops it depends on, translating each (ops.ts) into ONNX nodes (graph.ts).
//
// Why op-level tracing rather than an emitter per layer class: any Module's own forward code (a
// ResNet block's addition, a flatten, a custom model) exports without knowing its class, and each op
// reports once, from `record`, where its gradient is recorded anyway; an op passes only what its inputs
// and output shapes do not say (its kernel params). Parameters and buffers become initializers named by
// their state-dict keys; the example input's shape is fixed in the graph (no dynamic axes).
//
// What tracing sees is one run: control flow follows the example, and a tensor the forward made
// without an op reporting it (a constant like tg.tensor([...]), adaptive pooling's window matrices)
// is stored as a constant, as torch.jit.trace stores one. A value computed from the input outside the
// traced ops (through `.data`, or an op with no gradient such as a comparison) would be frozen too;
// the layers typegrad has do not do that.

import { setOpTracer } from '../engine/autograd.js';
import { formatShape, noGrad, Tensor } from '../engine/index.js';
import type { AnyModule, Module } from '../nn/module.js';
import { Graph } from './graph.js';
import { translators, type OpReport, type Translation } from './ops.js';

export interface ExportOptions {
  /** the ONNX opset (default 17; 13 to 21) */
  opset?: number;
}

export const DEFAULT_OPSET = 17;
const OPSETS = { min: 13, max: 21 };

/**
 * torch.onnx.export: the model (in evaluation mode, as torch.onnx exports by default; its modes are
 * restored afterwards) traced on `exampleInput` (a tensor, or a list for a forward of several inputs)
 * into an ONNX ModelProto. Graph inputs are named input (input0, input1, … for several), outputs output.
 */
export function exportModel(model: Module<any[], unknown>, exampleInput: Tensor | readonly Tensor[], options: ExportOptions = {}): Uint8Array {
  const opset = options.opset ?? DEFAULT_OPSET;
  if (!Number.isInteger(opset) || opset < OPSETS.min || opset > OPSETS.max) {
    throw new RangeError(`onnx.exportModel: opset must be an integer from ${OPSETS.min} to ${OPSETS.max}, got ${opset}`);
  }
  const inputs = exampleInput instanceof Tensor ? [exampleInput] : [...exampleInput];
  if (inputs.length === 0 || !inputs.every((x) => x instanceof Tensor)) throw new TypeError('onnx.exportModel: exampleInput must be a Tensor or a non-empty list of Tensors');
  const { reports, output } = trace(model, inputs);
  const outputs = output instanceof Tensor ? [output] : Array.isArray(output) && output.length > 0 && output.every((o) => o instanceof Tensor) ? (output as Tensor[]) : null;
  if (outputs === null) throw new TypeError(`onnx.exportModel: the model's forward must return a Tensor or a list of Tensors, got ${describe(output)}`);

  const graph = new Graph(opset);
  const names = new Map<Tensor, string>();
  inputs.forEach((x, i) => {
    const name = inputs.length === 1 ? 'input' : `input${i}`;
    graph.input(name, x.shape);
    names.set(x, name);
  });
  const stateKeys = new Map<Tensor, string>([...model.namedParameters(), ...model.namedBuffers()].map(([key, t]) => [t, key] as [Tensor, string]));
  const translation: Translation = {
    graph,
    valueOf(t: Tensor): string {
      let name = names.get(t);
      if (name !== undefined) return name;
      const report = reports.get(t);
      const key = stateKeys.get(t);
      if (key !== undefined) name = graph.tensorInitializer(key, t);
      else if (report) name = translate(report, translation);
      else name = graph.tensorInitializer('constant', t);
      names.set(t, name);
      return name;
    },
  };
  outputs.forEach((o, i) => graph.output(translation.valueOf(o), outputs.length === 1 ? 'output' : `output${i}`, o.shape));
  return graph.encode();
}

function translate(report: OpReport, translation: Translation): string {
  const translator = translators[report.op];
  if (!translator) {
    const supported = Object.keys(translators).sort().join(', ');
    throw new Error(`onnx.exportModel: the op '${report.op}' (output ${formatShape(report.out.shape)}) has no ONNX export yet; the ops that export are: ${supported}`);
  }
  return translator(translation, report);
}

/** Runs forward once in evaluation mode with the tracer on; every tensor's last report wins (a composite reports after its parts). */
function trace(model: Module<any[], unknown>, inputs: Tensor[]): { reports: Map<Tensor, OpReport>; output: unknown } {
  const modes = [...model.modules()].map((m: AnyModule) => [m, m.training] as const);
  const reports = new Map<Tensor, OpReport>();
  model.eval();
  const previous = setOpTracer((out, op, opInputs, attributes) => reports.set(out, { out, op, inputs: opInputs, attributes }));
  try {
    const output = noGrad(() => (model.forward as (...xs: Tensor[]) => unknown)(...inputs));
    return { reports, output };
  } finally {
    setOpTracer(previous);
    for (const [m, training] of modes) m.training = training;
  }
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  return typeof v === 'object' ? (v.constructor?.name ?? 'an object') : typeof v;
}
