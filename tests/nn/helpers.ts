// Shared by the nn tests: the deterministic values of tests/fixtures/nn/make_nn_fixtures.py (det,
// detParam), reading those fixtures, and building typegrad modules from a fixture's constructor name.

import { readFileSync } from 'node:fs';
import { Tensor } from '../../engine/index.js';
import * as nn from '../../nn/index.js';
import { assertClose } from '../helpers/compare.js';
export { assertClose };

/** A flat row-major array with its shape, as the fixture script writes it. */
export interface FixtureTensor {
  shape: number[];
  data: number[];
}

/** offset + scale·u, u = ((i·7919 + seed·104729) mod 10007)/10007 − 0.5, as float32 (same as the Python det). */
export function det(shape: readonly number[], seed: number, scale = 1, offset = 0): Tensor {
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  return new Tensor(detFill(out, seed, scale, offset), shape);
}

/** det's values written into an existing array (no allocation: vgg16 has 138M weights). */
export function detFill(out: Float32Array, seed: number, scale = 1, offset = 0): Float32Array {
  // (i·7919 + base) mod 10007 advances by 7919 mod 10007 each step, so no multiplication is needed
  let r = (seed * 104729) % 10007;
  for (let i = 0; i < out.length; i++) {
    out[i] = offset + scale * (r / 10007 - 0.5);
    r += 7919;
    if (r >= 10007) r -= 10007;
  }
  return out;
}

/** The value of state-dict entry number `index` under key `key` (Python's det_param). */
export function detParam(key: string, shape: readonly number[], index: number): Tensor {
  const t = new Tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
  return detParamInto(key, t, index);
}

/** detParam's values written into `t` in place. */
export function detParamInto(key: string, t: Tensor, index: number): Tensor {
  const { shape } = t;
  if (key.endsWith('num_batches_tracked')) t.data.fill(3);
  else if (key.endsWith('running_var')) detFill(t.data, index, 0.5, 1);
  else if (shape.length === 1 && key.endsWith('weight')) detFill(t.data, index, 0.5, 1);
  else if (shape.length <= 1) detFill(t.data, index, 0.4);
  else detFill(t.data, index, Math.sqrt(24 / shape.slice(1).reduce((a, b) => a * b, 1)));
  return t;
}

/** Loads the deterministic parameters into a module, by its state-dict order (strictly). */
export function loadDet(module: nn.Module): void {
  const sd = module.stateDict();
  const values = Object.fromEntries(Object.entries(sd).map(([k, t], i) => [k, detParam(k, t.shape, i)]));
  module.loadStateDict(values);
}

export interface ModuleCase {
  name: string;
  ctor: string;
  options: Record<string, unknown>;
  train: boolean;
  input_shape: number[];
  in_scale: number;
  keys: Array<[string, number[]]>;
  output: FixtureTensor;
  input_grad?: FixtureTensor;
  param_grads?: Record<string, FixtureTensor>;
  state_after: Record<string, FixtureTensor>;
  repr?: string | null;
  [extra: string]: unknown;
}

export function loadCases<T = ModuleCase>(file: string): T[] {
  const url = new URL(`../fixtures/nn/${file}`, import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { cases: T[] }).cases;
}

export function fixturePath(file: string): URL {
  return new URL(`../fixtures/nn/${file}`, import.meta.url);
}

/** The typegrad module a fixture case names, with its options. */
export function build(ctor: string, options: Record<string, unknown>): nn.Module {
  const registry = nn as unknown as Record<string, unknown>;
  const factory = registry[ctor];
  if (typeof factory !== 'function') throw new Error(`no nn.${ctor}`);
  // classes start with a capital; factories (vgg16, resnet18, vggSmall) do not
  if (/^[A-Z]/.test(ctor)) {
    const Cls = factory as new (o: unknown) => nn.Module;
    return Object.keys(options).length === 0 && Cls.length === 0 ? new Cls(undefined) : new Cls(options);
  }
  return (factory as (o: unknown) => nn.Module)(options);
}

/**
 * Loads the case's deterministic parameters, runs forward (and backward with the case's upstream
 * gradient) and checks output, input gradient, parameter gradients and running statistics.
 */
export function checkModuleCase(c: ModuleCase, module: nn.Module, tol = 1e-4): void {
  const sd = module.stateDict();
  const keys = Object.entries(sd).map(([, t]) => [...t.shape]);
  // same number of state entries with the same shapes, in PyTorch's order
  if (JSON.stringify(keys) !== JSON.stringify(c.keys.map(([, s]) => s))) {
    throw new Error(`${c.name}: state dict shapes differ from PyTorch's:\n  typegrad ${JSON.stringify(Object.entries(sd).map(([k, t]) => [k, t.shape]))}\n  PyTorch  ${JSON.stringify(c.keys)}`);
  }
  loadDet(module);
  module.train(c.train);
  const x = det(c.input_shape, 1000, c.in_scale);
  x.requiresGrad = c.input_grad !== undefined;
  const out = module.forward(x) as Tensor;
  assertClose(`${c.name}: output`, out, c.output, tol);
  if (c.input_grad) {
    out.backward(det(out.shape, 2000, 1));
    assertClose(`${c.name}: input grad`, x.grad, c.input_grad, tol);
    const params = Object.fromEntries(module.namedParameters());
    const pyKeys = c.keys.map(([k]) => k);
    const ourKeys = Object.keys(sd);
    for (const [pyKey, g] of Object.entries(c.param_grads ?? {})) {
      const ours = ourKeys[pyKeys.indexOf(pyKey)];
      assertClose(`${c.name}: grad of ${ours} (PyTorch ${pyKey})`, params[ours]?.grad, g, tol);
    }
  }
  const ourKeys = Object.keys(sd);
  const pyKeys = c.keys.map(([k]) => k);
  for (const [pyKey, v] of Object.entries(c.state_after)) {
    const ours = ourKeys[pyKeys.indexOf(pyKey)];
    assertClose(`${c.name}: ${ours} after forward`, module.stateDict()[ours], v, tol);
  }
}
