// Numerical gradient checking, like torch.autograd.gradcheck but for float32 tensors.
//
// The analytic side backpropagates through L = sum(f(inputs) · R), R a fixed random tensor of the
// output's shape (so every output element matters, each with its own weight, and a gradient that is
// right only up to a permutation or a constant factor is caught). The numeric side perturbs one
// input element at a time by ±h, reruns the forward pass without a graph and evaluates the same
// L = Σ out_i·R_i in float64, so that only the forward's own float32 rounding enters the difference:
//
//   numeric = (L(x + h) − L(x − h)) / ((x + h) − (x − h))
//
// where x ± h are the float32 values actually stored (the denominator is their exact difference, not
// 2h, so the rounding of the step itself does not bias the quotient).
//
// An element passes when |analytic − numeric| <= atol + rtol·|numeric|. With the defaults
// (rtol 1e-2, atol 1e-3, h = 1e-2·max(1, |x|)) the finite-difference error of a moderately scaled op
// stays well inside the bound, while a gradient that is off by 5% fails on every element whose
// gradient is larger than about 0.03 (see the deliberate-break tests in tests/engine/gradients.test.ts).

import * as tg from '../../engine/index.js';
import { unravel } from './properties.js';

export interface GradcheckOptions {
  /** what the report calls the function (an op name) */
  name?: string;
  /** relative step: h = eps · max(1, |x|) (default 1e-2) */
  eps?: number;
  /** use h = eps exactly, whatever the value (for non-smooth ops whose kinks are a fixed distance away) */
  absoluteStep?: boolean;
  /** default 1e-2 */
  rtol?: number;
  /** default 1e-3 */
  atol?: number;
  /** seed of the random weights R (default 1234) */
  seed?: number;
  /** indices of the inputs to check (default: every input) */
  wrt?: readonly number[];
  /** stop listing failures after this many (default 8); the count is still reported */
  maxReported?: number;
}

export interface GradcheckFailure {
  input: number;
  /** flat (row-major) element index */
  flat: number;
  /** the element's multi-index in the input's shape */
  index: number[];
  value: number;
  analytic: number;
  numeric: number;
  tolerance: number;
}

export interface GradcheckResult {
  ok: boolean;
  failures: GradcheckFailure[];
  /** number of failing elements (all of them, even past maxReported) */
  failureCount: number;
  /** number of elements compared */
  checked: number;
  /** max over elements of |analytic − numeric| / (atol + rtol·|numeric|); <= 1 passes */
  worstRatio: number;
  /** a readable, multi-line description: op, shapes, and each failing element */
  report: string;
}

const fmtShape = (s: readonly number[]) => `[${s.join(',')}]`;
const fmt = (v: number) => (Number.isFinite(v) ? v.toPrecision(6) : String(v));

/** Σ out_i·R_i in float64, of the output's values `o`. */
function weightedSum(o: Float32Array, R: Float32Array): number {
  if (o.length !== R.length) throw new Error(`gradcheck: the output changed size between evaluations (${R.length} → ${o.length})`);
  let total = 0;
  for (let i = 0; i < o.length; i++) total += o[i] * R[i];
  return total;
}

/**
 * Compares f's analytic gradients with central finite differences. Never throws for a gradient
 * mismatch (see `ok` and `report`); throws only when f itself fails or the graph is malformed.
 */
export function gradcheck(f: (...inputs: tg.Tensor[]) => tg.Tensor, inputs: readonly tg.Tensor[], opts: GradcheckOptions = {}): GradcheckResult {
  const steps = gradcheckSteps(f, inputs, opts);
  let step = steps.next();
  while (!step.done) step = steps.next(step.value.data);
  return step.value;
}

/** gradcheck on a backend that reads results only asynchronously (webgpu): every read is a dataAsync. */
export async function gradcheckAsync(f: (...inputs: tg.Tensor[]) => tg.Tensor, inputs: readonly tg.Tensor[], opts: GradcheckOptions = {}): Promise<GradcheckResult> {
  const steps = gradcheckSteps(f, inputs, opts);
  let step = steps.next();
  while (!step.done) step = steps.next(await step.value.dataAsync());
  return step.value;
}

/**
 * The check itself, which yields every tensor whose values it needs and is resumed with them: so that
 * one body serves the synchronous reads of gradcheck and the awaited ones of gradcheckAsync.
 */
function* gradcheckSteps(f: (...inputs: tg.Tensor[]) => tg.Tensor, inputs: readonly tg.Tensor[], opts: GradcheckOptions): Generator<tg.Tensor, GradcheckResult, Float32Array> {
  const name = opts.name ?? (f.name || 'f');
  const eps = opts.eps ?? 1e-2;
  const rtol = opts.rtol ?? 1e-2;
  const atol = opts.atol ?? 1e-3;
  const wrt = opts.wrt ?? inputs.map((_, i) => i);
  const maxReported = opts.maxReported ?? 8;

  // Own copies: leaves that require grad for the checked inputs, so the caller's tensors are untouched
  // and the numeric pass can perturb the data in place.
  const leaves = inputs.map((t, i) => new tg.Tensor(t.data.slice(), t.shape, wrt.includes(i)));

  // ---- analytic ----
  const out = f(...leaves);
  if (!(out instanceof tg.Tensor)) throw new TypeError(`gradcheck(${name}): f must return a Tensor`);
  const R = tg.randn(out.shape, { generator: new tg.Generator(opts.seed ?? 1234) });
  const Rdata = R.data.slice();
  if (wrt.length > 0) {
    if (!out.requiresGrad) throw new Error(`gradcheck(${name}): the output does not require grad although inputs ${wrt.join(', ')} do (the op recorded no graph)`);
    tg.sum(tg.mul(out, R)).backward();
  }
  const analyticGrads = wrt.map((i) => {
    const g = leaves[i].grad;
    if (g === null) return new Float32Array(leaves[i].size); // unreached: the gradient is zero
    if (g.shape.length !== leaves[i].shape.length || g.shape.some((d, k) => d !== leaves[i].shape[k])) {
      throw new Error(`gradcheck(${name}): the gradient of input ${i} has shape ${fmtShape(g.shape)}, expected ${fmtShape(leaves[i].shape)}`);
    }
    return g;
  });
  const analytic: Float32Array[] = [];
  for (const g of analyticGrads) analytic.push(g instanceof Float32Array ? g : (yield g).slice());

  // ---- numeric ----
  const output = () => tg.noGrad(() => f(...leaves));
  const failures: GradcheckFailure[] = [];
  let failureCount = 0;
  let checked = 0;
  let worstRatio = 0;
  for (const [k, inputIndex] of wrt.entries()) {
    const data = leaves[inputIndex].data;
    for (let j = 0; j < data.length; j++) {
      const v = data[j];
      const h = opts.absoluteStep ? eps : eps * Math.max(1, Math.abs(v));
      const plus = Math.fround(v + h);
      const minus = Math.fround(v - h);
      data[j] = plus;
      const lPlus = weightedSum(yield output(), Rdata);
      data[j] = minus;
      const lMinus = weightedSum(yield output(), Rdata);
      data[j] = v;
      const numeric = (lPlus - lMinus) / (plus - minus);
      const a = analytic[k][j];
      const tolerance = atol + rtol * Math.abs(numeric);
      const error = Math.abs(a - numeric);
      checked++;
      const ratio = Number.isNaN(error) ? Infinity : error / tolerance;
      worstRatio = Math.max(worstRatio, ratio);
      if (!(error <= tolerance)) {
        failureCount++;
        if (failures.length < maxReported) {
          failures.push({ input: inputIndex, flat: j, index: unravel(j, leaves[inputIndex].shape), value: v, analytic: a, numeric, tolerance });
        }
      }
    }
  }

  const shapes = inputs.map((t, i) => `#${i} ${fmtShape(t.shape)}`).join(', ');
  let report = `gradcheck(${name}): inputs ${shapes} → output ${fmtShape(out.shape)}; `;
  if (failureCount === 0) {
    report += `ok, ${checked} elements, worst |analytic − numeric| at ${(worstRatio * 100).toFixed(1)}% of the tolerance`;
  } else {
    report += `${failureCount} of ${checked} gradient elements differ (|analytic − numeric| > ${atol} + ${rtol}·|numeric|):`;
    for (const e of failures) {
      const ratio = e.numeric !== 0 ? `, analytic/numeric = ${fmt(e.analytic / e.numeric)}` : '';
      report += `\n  input ${e.input} element ${fmtShape(e.index)} (x = ${fmt(e.value)}): analytic ${fmt(e.analytic)}, numeric ${fmt(e.numeric)}, |diff| ${fmt(Math.abs(e.analytic - e.numeric))} > tol ${fmt(e.tolerance)}${ratio}`;
    }
    if (failureCount > failures.length) report += `\n  … and ${failureCount - failures.length} more`;
  }
  return { ok: failureCount === 0, failures, failureCount, checked, worstRatio, report };
}

/** gradcheckAsync that throws an Error carrying the report when any element fails. */
export async function assertGradcheckAsync(f: (...inputs: tg.Tensor[]) => tg.Tensor, inputs: readonly tg.Tensor[], opts: GradcheckOptions = {}): Promise<GradcheckResult> {
  const result = await gradcheckAsync(f, inputs, opts);
  if (!result.ok) throw new Error(result.report);
  return result;
}

/** gradcheck that throws an Error carrying the report when any element fails. */
export function assertGradcheck(f: (...inputs: tg.Tensor[]) => tg.Tensor, inputs: readonly tg.Tensor[], opts: GradcheckOptions = {}): GradcheckResult {
  const result = gradcheck(f, inputs, opts);
  if (!result.ok) throw new Error(result.report);
  return result;
}
