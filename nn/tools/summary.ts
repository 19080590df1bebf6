// summary(model, inputShape): a torchsummary-style table of layers, output shapes and parameter counts.
// Like torchsummary, it runs the model once (on zeros, in eval mode, without a graph) with forward hooks
// on its layers, so the shapes are the ones the forward pass really makes, whatever the model's forward
// does between its layers, and a layer that does not fit what reaches it is an error naming that layer.

import { zeros, noGrad, formatShape, Tensor } from '../../engine/index.js';
import { Module, type AnyModule } from '../module.js';
import { Sequential } from '../layers/container.js';

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

const own = (m: AnyModule) => [...m.namedParameters()].filter(([k]) => !k.includes('.')).reduce((n, [, p]) => n + p.size, 0);

const shapeOf = (v: unknown): string => (v instanceof Tensor ? formatShape(v.shape) : Array.isArray(v) ? `[${v.map(shapeOf).join(', ')}]` : typeof v);

/**
 * Runs the model once on zeros. Every layer (a module without children) adds a row when its forward
 * returns, so the rows come in the order the layers ran. Every module pushes itself on a stack when its
 * forward starts and pops when it returns: when a forward throws, the top of the stack is the
 * innermost module that was running, and the error names it.
 */
function traceByForward(model: Module, inputShape: number[]): { rows: SummaryRow[]; out: number[] } {
  const rows: SummaryRow[] = [];
  const running: Array<{ name: string; module: AnyModule; input: unknown[] }> = [];
  const handles = [...model.namedModules()].flatMap(([name, m]) => {
    const leaf = [...m.children()].length === 0 && !(m instanceof Sequential); // an empty Sequential (identity shortcut) gets no row
    return [
      m.registerForwardPreHook((module, input) => void running.push({ name, module, input })),
      m.registerForwardHook((module, _input, output) => {
        running.pop();
        if (leaf) rows.push({ name, type: module.constructor.name, outputShape: output instanceof Tensor ? [...output.shape] : [], params: own(module) });
      }),
    ];
  });
  const modes = [...model.modules()].map((m) => [m, m.training] as const); // restored one by one: a frozen BatchNorm may be in eval on its own
  model.eval();
  try {
    const out = noGrad(() => model.forward(zeros(inputShape)));
    if (!(out instanceof Tensor)) throw new TypeError(`summary: the model's forward returned ${shapeOf(out)}, not a Tensor`);
    return { rows, out: [...out.shape] };
  } catch (e) {
    const where = running.at(-1);
    if (!where || !(e instanceof Error) || e.message.startsWith('summary:')) throw e;
    const layer = where.name === '' ? `the model (${where.module.constructor.name})` : `layer ${where.name} (${where.module.constructor.name})`;
    const Kind = e instanceof RangeError ? RangeError : e instanceof TypeError ? TypeError : Error;
    throw new Kind(`summary: ${layer} does not fit its input ${where.input.map(shapeOf).join(', ')}: ${e.message}`, { cause: e });
  } finally {
    handles.forEach((h) => h.remove());
    for (const [m, training] of modes) m.training = training;
  }
}

/**
 * The model's layers with output shapes and parameter counts. `inputShape` is one sample's [C, H, W]
 * (a batch of 1 is assumed) or a full [N, C, H, W]. It costs one forward pass of that batch: VGG16 at
 * 224x224 takes about a second on the WASM backend, minutes on the plain-JS one.
 */
export function summary(model: Module, inputShape: readonly number[]): SummaryResult {
  if (!(model instanceof Module)) throw new TypeError('summary: expected an nn.Module');
  if (!Array.isArray(inputShape) || !inputShape.every((n) => Number.isInteger(n) && n > 0)) {
    throw new RangeError(`summary: inputShape must be a list of positive integers, got ${JSON.stringify(inputShape)}`);
  }
  const shape = inputShape.length === 3 ? [1, ...inputShape] : [...inputShape];
  const { rows, out } = traceByForward(model, shape);
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
