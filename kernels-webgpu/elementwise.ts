// The elementwise primitives: unary and binary by op name, one thread per output element. Each op
// is its own shader (the op's WGSL expression spliced into one template, compiled once and cached),
// so no thread branches on the op. binary reads both operands through a strided walk (walk.ts), with
// the broadcast dims at stride 0 and the dims that both operands move along contiguously merged: a
// same-shape or tensor-and-scalar binary is a rank-1 walk.
// The expressions follow engine/backends/js/elementwise.ts, NaN and infinities included (math.ts).

import type { BinaryOp, BinaryParams, Kernels, UnaryOp, UnaryParams } from '../engine/kernels.js';
import { grid, perElementShader, type Shader, type WebGpu } from './device.js';
import { jsMathWgsl } from './math.js';
import { simplifyWalk, walkFields, walkOffsets, walkParams, walkReach, type Walk } from './walk.js';

/** each unary op as a WGSL expression of `v`, with p.negativeSlope, p.min, p.max, p.alpha */
const unaryExpressions: Record<UnaryOp, string> = {
  neg: '-v',
  exp: 'expJs(v)',
  log: 'logJs(v)',
  sqrt: 'sqrtJs(v)',
  rsqrt: '1.0 / sqrtJs(v)',
  abs: 'abs(v)',
  // Math.sign: NaN and ±0 are their own sign
  sign: 'select(sign(v), v, isNan(v) || v == 0.0)',
  tanh: 'tanhJs(v)',
  sigmoid: 'sigmoidJs(v)',
  softplus: 'softplusJs(v)',
  gelu: '0.5 * v * (1.0 + erfJs(v * FRAC_1_SQRT_2))',
  geluTanh: '0.5 * v * (1.0 + tanhJs(geluInner(v)))',
  leakyRelu: 'select(v * p.negativeSlope, v, v > 0.0)',
  // Math.min(Math.max(v, min), max): NaN stays, min > max gives max
  clamp: 'minJs(maxJs(v, p.min), p.max)',
  // d/dx x·Φ(x) = Φ(x) + x·φ(x)
  geluGrad: '0.5 * (1.0 + erfJs(v * FRAC_1_SQRT_2)) + v * expJs(-0.5 * v * v) * FRAC_1_SQRT_2PI',
  geluTanhGrad: 'geluTanhGrad(v)',
  leakyReluGrad: 'select(p.negativeSlope, 1.0, v > 0.0 && !isNan(v))',
  clampGrad: 'select(0.0, 1.0, !isNan(v) && v >= p.min && v <= p.max)',
  silu: 'v * sigmoidJs(v)',
  // the negative side at 0, as PyTorch; NaN either way
  elu: 'select(v, p.alpha * (expJs(v) - 1.0), !isNan(v) && v <= 0.0)',
  mish: 'v * tanhJs(softplusJs(v))',
  // Math.min/max carry NaN
  hardswish: 'v * minJs(maxJs(v + 3.0, 0.0), 6.0) / 6.0',
  hardsigmoid: 'minJs(maxJs(v + 3.0, 0.0), 6.0) / 6.0',
  siluGrad: 'siluGrad(v)',
  // NaN takes the positive side (1), as PyTorch's x <= 0 test gives
  eluGrad: 'select(1.0, p.alpha * expJs(v), !isNan(v) && v <= 0.0)',
  mishGrad: 'mishGrad(v)',
  hardswishGrad: 'select(select(1.0, v / 3.0 + 0.5, !isNan(v) && v <= 3.0), 0.0, !isNan(v) && v < -3.0)',
  hardsigmoidGrad: 'select(0.0, 1.0 / 6.0, !isNan(v) && v > -3.0 && v < 3.0)',
  erf: 'erfJs(v)',
};

const geluWgsl = /* wgsl */ `
const FRAC_1_SQRT_2 = 0.70710678118654752;
const FRAC_1_SQRT_2PI = 0.39894228040143268;
const GELU_C = 0.79788456080286536; // sqrt(2/π)
fn geluInner(v: f32) -> f32 {
  return GELU_C * (v + 0.044715 * v * v * v);
}
fn geluTanhGrad(v: f32) -> f32 {
  let t = tanhJs(geluInner(v));
  return 0.5 * (1.0 + t) + 0.5 * v * (1.0 - t * t) * GELU_C * (1.0 + 3.0 * 0.044715 * v * v);
}
// log(1 + e^x) without overflow: max(x, 0) + log1p(e^−|x|)
fn softplusJs(v: f32) -> f32 {
  return maxJs(v, 0.0) + log1pJs(expJs(-abs(v)));
}
fn siluGrad(v: f32) -> f32 {
  let s = sigmoidJs(v);
  return s * (1.0 + v * (1.0 - s));
}
fn mishGrad(v: f32) -> f32 {
  let t = tanhJs(softplusJs(v));
  return t + v * (1.0 - t * t) * sigmoidJs(v);
}`;

const unaryShaders = new Map<UnaryOp, Shader>();

function unaryShader(op: UnaryOp): Shader {
  let shader = unaryShaders.get(op);
  if (!shader) {
    const expression = unaryExpressions[op];
    if (!expression) throw new RangeError(`webgpu unary: unknown op '${op}' (expected one of ${Object.keys(unaryExpressions).join(', ')})`);
    shader = perElementShader(`unary ${op}`, {
      read: ['x'],
      fields: 'negativeSlope: f32, min: f32, max: f32, alpha: f32',
      helpers: [jsMathWgsl, geluWgsl],
      body: `let v = x[i];\n  out[i] = ${expression};`,
    });
    unaryShaders.set(op, shader);
  }
  return shader;
}

/** each binary op as a WGSL expression of `a` and `b` */
const binaryExpressions: Record<BinaryOp, string> = {
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  div: 'a / b',
  pow: 'powJs(a, b)',
  maximum: 'maxJs(a, b)',
  minimum: 'minJs(a, b)',
  // comparisons with NaN are false (ne true), stated by bits: a compiler may assume no NaN
  eq: 'select(0.0, 1.0, ordered && a == b)',
  ne: 'select(1.0, 0.0, ordered && a == b)',
  gt: 'select(0.0, 1.0, ordered && a > b)',
  ge: 'select(0.0, 1.0, ordered && a >= b)',
  lt: 'select(0.0, 1.0, ordered && a < b)',
  le: 'select(0.0, 1.0, ordered && a <= b)',
  // b·a^(b−1), 0 where b == 0
  powGradBase: 'select(b * powJs(a, b - 1.0), 0.0, b == 0.0)',
  // a^b·ln a, 0 where a == 0 and b >= 0
  powGradExponent: 'select(powJs(a, b) * logJs(a), 0.0, a == 0.0 && b >= 0.0)',
  // 1 if a > b, 0 if a < b, ½ at ties and wherever NaN makes both false
  maximumShare: 'select(select(0.5, 0.0, ordered && a < b), 1.0, ordered && a > b)',
  minimumShare: 'select(select(0.5, 0.0, ordered && a > b), 1.0, ordered && a < b)',
};

const binaryShaders = new Map<string, Shader>();

/** The shader of `op` over walks of walk's rank. */
function binaryShader(op: BinaryOp, walk: Walk): Shader {
  const key = `${op} ${walk.shape.length}`;
  let shader = binaryShaders.get(key);
  if (!shader) {
    const expression = binaryExpressions[op];
    if (!expression) throw new RangeError(`webgpu binary: unknown op '${op}' (expected one of ${Object.keys(binaryExpressions).join(', ')})`);
    const operands = ['a', 'b'];
    shader = perElementShader(`binary ${op}`, {
      read: ['A', 'B'],
      fields: walkFields('walk', walk, operands),
      helpers: [jsMathWgsl],
      body: `${walkOffsets('walk', walk, operands, 'i')}
  let a = A[aOffset];
  let b = B[bOffset];
  let ordered = !isNan(a) && !isNan(b);
  out[i] = ${expression};`,
    });
    binaryShaders.set(key, shader);
  }
  return shader;
}

export function elementwiseKernels(gpu: WebGpu): Pick<Kernels, 'unary' | 'binary'> {
  return {
    unary(x, p: UnaryParams) {
      const shader = unaryShader(p.op);
      const out = gpu.empty(x.shape);
      if (out.size === 0) return out;
      const params = [x.size, { f32: p.negativeSlope ?? 0 }, { f32: p.min ?? -Infinity }, { f32: p.max ?? Infinity }, { f32: p.alpha ?? 1 }];
      gpu.run(shader, [gpu.bufferOf(x), gpu.bufferOf(out)], params, grid(x.size));
      return out;
    },
    binary(a, b, p: BinaryParams) {
      const out = gpu.empty(p.shape);
      const walk = simplifyWalk(p.shape, [p.aStrides, p.bStrides], `binary ${p.op}`);
      [a, b].forEach((t, k) => {
        const reach = walkReach(walk, k);
        if (reach > t.size) throw new RangeError(`webgpu binary ${p.op}: ${'ab'[k]} has ${t.size} values [${t.shape}], its strides over [${p.shape}] read ${reach}`);
      });
      const shader = binaryShader(p.op, walk);
      if (out.size === 0) return out;
      gpu.run(shader, [gpu.bufferOf(a), gpu.bufferOf(b), gpu.bufferOf(out)], [out.size, ...walkParams(walk)], grid(out.size));
      return out;
    },
  };
}
