// typegrad against PyTorch: every case in tests/fixtures/*.json (written by make_fixtures.py with
// PyTorch) runs the same op on the same float32 inputs, backpropagates the same upstream gradient, and
// must reproduce PyTorch's output and the gradient of every input that requires grad to within
// max |typegrad − PyTorch| <= 1e-4 · max(1, max |PyTorch|).

import { describe, expect, test } from 'vitest';
import * as tg from '../../index.js';
import { assertClose, loadFixtures, toTensor, type FixtureCase, type FixtureOption, type FixtureTensor } from '../helpers/fixtures.js';

const FILES = ['conv2d.json', 'pool.json', 'adaptive_pool.json', 'matmul.json', 'softmax.json', 'cross_entropy.json', 'misc.json'];

type Tensors = Record<string, tg.Tensor>;
type Options = Record<string, FixtureOption>;
type Pair = number | [number, number];
type Runner = (t: Tensors, c: FixtureCase) => tg.Tensor;

/** The fixture's options, refusing any that the runner does not pass on (it would silently test the default). */
function options(c: FixtureCase, known: string[]): Options {
  const unknown = Object.keys(c.options).filter((k) => !known.includes(k));
  if (unknown.length > 0) throw new Error(`${c.op}: the test does not translate option(s) ${unknown.join(', ')}`);
  return c.options;
}

const pair = (v: FixtureOption | undefined) => v as Pair | undefined;
const reduction = (v: FixtureOption | undefined) => v as tg.Reduction | undefined;

/** Class indices in each form typegrad accepts: number[] (0-d), Int32Array (1-D), an integer Tensor (K-dim). */
function classIndices(t: FixtureTensor): tg.Target {
  if (t.shape.length === 0) return t.data;
  if (t.shape.length === 1) return Int32Array.from(t.data);
  return tg.tensor(Float32Array.from(t.data), t.shape);
}

/** The target of a loss: class indices, or a float tensor (probabilities, mse) that may require grad. */
function target(c: FixtureCase, t: Tensors): tg.Target {
  const ref = c.inputs.target;
  return ref.dtype === 'int64' ? classIndices(ref) : t.target;
}

/** The window options both poolings share, from PyTorch's keyword arguments. */
const poolWindow = (o: Options) => ({
  kernelSize: pair(o.kernel_size)!,
  stride: pair(o.stride),
  padding: pair(o.padding),
  ceilMode: o.ceil_mode as boolean | undefined,
});

const RUN: Record<string, Runner> = {
  conv2d: (t, c) => {
    const o = options(c, ['stride', 'padding', 'dilation', 'groups']);
    return tg.conv2d(t.input, t.weight, t.bias ?? null, {
      stride: pair(o.stride),
      padding: o.padding as tg.Conv2dOptions['padding'],
      dilation: pair(o.dilation),
      groups: o.groups as number | undefined,
    });
  },
  max_pool2d: (t, c) => {
    const o = options(c, ['kernel_size', 'stride', 'padding', 'dilation', 'ceil_mode']);
    return tg.maxPool2d(t.input, { ...poolWindow(o), dilation: pair(o.dilation) });
  },
  avg_pool2d: (t, c) => {
    const o = options(c, ['kernel_size', 'stride', 'padding', 'ceil_mode', 'count_include_pad']);
    return tg.avgPool2d(t.input, { ...poolWindow(o), countIncludePad: o.count_include_pad as boolean | undefined });
  },
  adaptive_avg_pool2d: (t, c) => tg.adaptiveAvgPool2d(t.input, options(c, ['output_size']).output_size as number | [number | null, number | null]),
  adaptive_max_pool2d: (t, c) => tg.adaptiveMaxPool2d(t.input, options(c, ['output_size']).output_size as number | [number | null, number | null]),
  matmul: (t, c) => (options(c, []), tg.matmul(t.input, t.other)),
  linear: (t, c) => (options(c, []), tg.linear(t.input, t.weight, t.bias ?? null)),
  softmax: (t, c) => tg.softmax(t.input, options(c, ['dim']).dim as number),
  log_softmax: (t, c) => tg.logSoftmax(t.input, options(c, ['dim']).dim as number),
  cross_entropy: (t, c) => {
    const o = options(c, ['reduction', 'label_smoothing', 'ignore_index']);
    return tg.crossEntropy(t.input, target(c, t), {
      reduction: reduction(o.reduction),
      labelSmoothing: o.label_smoothing as number | undefined,
      ignoreIndex: o.ignore_index as number | undefined,
      weight: t.weight ?? null,
    });
  },
  nll_loss: (t, c) => {
    const o = options(c, ['reduction', 'ignore_index']);
    return tg.nll(t.input, target(c, t), { reduction: reduction(o.reduction), ignoreIndex: o.ignore_index as number | undefined, weight: t.weight ?? null });
  },
  mse_loss: (t, c) => tg.mse(t.input, t.target, { reduction: reduction(options(c, ['reduction']).reduction) }),
};

/** Runs one case; collects every mismatch (output and each gradient) into one error. */
function check(c: FixtureCase): void {
  const run = RUN[c.op];
  if (!run) throw new Error(`no runner for op '${c.op}'`);
  const leaves: Tensors = {};
  for (const [name, t] of Object.entries(c.inputs)) if (t.dtype !== 'int64') leaves[name] = toTensor(t);

  const out = run(leaves, c);
  const failures: string[] = [];
  const attempt = (fn: () => void) => {
    try {
      fn();
    } catch (e) {
      failures.push((e as Error).message);
    }
  };
  attempt(() => assertClose('output', out, c.output));
  attempt(() => out.backward(toTensor(c.grad_output, false)));
  for (const [name, ref] of Object.entries(c.grads)) attempt(() => assertClose(`grad of ${name}`, leaves[name].grad, ref));
  if (failures.length > 0) throw new Error(failures.join('\n'));
}

for (const file of FILES) {
  const fixtures = loadFixtures(file);
  describe(file, () => {
    test('holds cases, each with a gradient for every input that requires grad', () => {
      expect(fixtures.cases.length).toBeGreaterThan(0);
      for (const c of fixtures.cases) {
        const differentiable = Object.entries(c.inputs).filter(([, t]) => t.requires_grad).map(([name]) => name);
        expect(Object.keys(c.grads).sort(), c.name).toEqual(differentiable.sort());
      }
    });
    for (const c of fixtures.cases) test(c.name, () => check(c));
  });
}
