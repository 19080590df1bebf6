// summary(model, inputShape): a torchsummary-style table of layers, output shapes and parameter counts.
// Shapes come from each layer's shape arithmetic (outputShape), so even VGG16 at 224x224 is summarised
// instantly; a custom module without it is run once on zeros with forward hooks instead.

import { zeros, noGrad, formatShape, Tensor } from '../engine/index.js';
import { Module } from './module.js';
import { Sequential } from './layers/container.js';
import { Linear } from './layers/linear.js';

export interface SummaryRow {
  /** dotted name in the model ('features.0') */
  name: string;
  /** class name ('Conv2d') */
  type: string;
  outputShape: number[];
  /** the layer's own parameters */
  params: number;
}

export interface SummaryResult {
  rows: SummaryRow[];
  totalParams: number;
  trainableParams: number;
  nonTrainableParams: number;
  inputShape: number[];
  outputShape: number[];
  toString(): string;
}

const own = (m: Module) => [...m.namedParameters()].filter(([k]) => !k.includes('.')).reduce((n, [, p]) => n + p.size, 0);

type ShapeFn = { outputShape?: (s: readonly number[]) => number[] };

/** Follows the data through a module by its children's order; shortcuts take the block's input. */
function trace(m: Module, name: string, shape: number[], rows: SummaryRow[]): number[] {
  const kids = [...m.namedChildren()];
  if (kids.length === 0 && m instanceof Sequential) return shape; // an empty Sequential (identity shortcut): no row
  if (kids.length === 0) {
    const f = (m as ShapeFn).outputShape;
    if (typeof f !== 'function') throw new TypeError(`${m.constructor.name} has no outputShape`);
    // a Linear after conv features sees them flattened, as the models' forward does
    if (m instanceof Linear && shape.length > 2 && shape.slice(1).reduce((a, b) => a * b, 1) === m.inFeatures) shape = [shape[0], m.inFeatures];
    const out = f.call(m, shape);
    rows.push({ name, type: m.constructor.name, outputShape: out, params: own(m) });
    return out;
  }
  const input = shape;
  for (const [k, c] of kids) {
    const childName = name ? `${name}.${k}` : k;
    if (!(m instanceof Sequential) && (k === 'shortcutPath' || k === 'downsample')) trace(c, childName, input, rows);
    else shape = trace(c, childName, shape, rows);
  }
  const f = (m as ShapeFn).outputShape;
  return typeof f === 'function' ? f.call(m, input) : shape;
}

/** Runs the model once on zeros, recording every leaf's output shape with forward hooks. */
function traceByForward(model: Module, inputShape: number[]): { rows: SummaryRow[]; out: number[] } {
  const rows: SummaryRow[] = [];
  const handles = [...model.namedModules()]
    .filter(([, m]) => [...m.children()].length === 0)
    .map(([name, m]) => m.registerForwardHook((mod, _in, output) => void rows.push({ name, type: mod.constructor.name, outputShape: output instanceof Tensor ? [...output.shape] : [], params: own(mod) })));
  const wasTraining = model.training;
  model.eval();
  try {
    const out = noGrad(() => model.forward(zeros(inputShape))) as Tensor;
    return { rows, out: [...out.shape] };
  } finally {
    handles.forEach((h) => h.remove());
    model.train(wasTraining);
  }
}

/**
 * The model's layers with output shapes and parameter counts. `inputShape` is one sample's [C, H, W]
 * (a batch of 1 is assumed) or a full [N, C, H, W].
 */
export function summary(model: Module, inputShape: readonly number[]): SummaryResult {
  if (!(model instanceof Module)) throw new TypeError('summary: expected an nn.Module');
  if (!Array.isArray(inputShape) || !inputShape.every((n) => Number.isInteger(n) && n > 0)) {
    throw new RangeError(`summary: inputShape must be a list of positive integers, got ${JSON.stringify(inputShape)}`);
  }
  const shape = inputShape.length === 3 ? [1, ...inputShape] : [...inputShape];
  let rows: SummaryRow[] = [];
  let out: number[];
  try {
    out = trace(model, '', shape, rows);
  } catch {
    ({ rows, out } = traceByForward(model, shape));
  }
  const params = model.parameters();
  const totalParams = params.reduce((n, p) => n + p.size, 0);
  const trainableParams = params.filter((p) => p.requiresGrad).reduce((n, p) => n + p.size, 0);
  return {
    rows, totalParams, trainableParams, nonTrainableParams: totalParams - trainableParams, inputShape: shape, outputShape: out,
    toString: () => formatTable(rows, totalParams, trainableParams, shape),
  };
}

function formatTable(rows: SummaryRow[], total: number, trainable: number, input: number[]): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const cells = rows.map((r) => [`${r.type} (${r.name || 'model'})`, formatShape(r.outputShape), n(r.params)]);
  const head = ['Layer (type)', 'Output Shape', 'Param #'];
  const w = [0, 1, 2].map((i) => Math.max(head[i].length, ...cells.map((c) => c[i].length)) + 2);
  const line = (c: string[]) => c[0].padEnd(w[0]) + c[1].padStart(w[1]) + c[2].padStart(w[2]);
  const rule = (ch: string) => ch.repeat(w[0] + w[1] + w[2]);
  return [
    rule('-'), line(head), rule('='), ...cells.map(line), rule('='),
    `Input shape: ${formatShape(input)}`,
    `Total params: ${n(total)}`,
    `Trainable params: ${n(trainable)}`,
    `Non-trainable params: ${n(total - trainable)}`,
    rule('-'),
  ].join('\n');
}
