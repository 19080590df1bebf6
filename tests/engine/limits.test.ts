// Sizes at the edges. Every op that allocates checks its output's size before allocating, and an
// output over tg.getMaxTensorElements() is a RangeError naming the op, the shape and the bytes; the
// cases here would need gigabytes to terabytes, so that they finish in milliseconds proves the check
// comes first. Also the empty tensors that PyTorch accepts (0-size dims, an empty batch in BatchNorm)
// and the one it refuses (reshape to [-1, 0]).

import { afterEach, describe, expect, test } from 'vitest';
import * as tg from '../../engine/index.js';
import * as nn from '../../nn/index.js';
import { Arena, OWN_MEMORY_LIMIT, type WasmExports } from '../../kernels-wasm/loader.js';

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Runs fn, which must throw a RangeError starting with `op:` that names `shape` and the bytes it needs, quickly. */
function expectOverLimit(op: string, fn: () => unknown, shape: readonly number[], bytes: string | RegExp = /needs \d+(?:\.\d)? (?:[KMGTPE]i)?B \(/): void {
  const start = performance.now();
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  const ms = performance.now() - start;
  expect(caught, `${op}: expected a RangeError`).toBeInstanceOf(RangeError);
  const message = (caught as Error).message;
  expect(message).toMatch(new RegExp(`^${esc(op)}: shape ${esc(tg.formatShape(shape))} needs `));
  expect(message).toMatch(bytes instanceof RegExp ? bytes : new RegExp(esc(bytes)));
  expect(message).toMatch(/float32 values\), over the limit of .* \(tg\.setMaxTensorElements to raise it\)$/);
  expect(ms, `${op} took ${ms.toFixed(0)} ms: it allocated before checking`).toBeLessThan(500);
}

afterEach(() => tg.setMaxTensorElements(2 ** 30));

describe('the per-tensor element limit', () => {
  test('is 2^30 elements (4 GiB of float32) by default, settable within 1..2^31 − 1', () => {
    expect(tg.getMaxTensorElements()).toBe(2 ** 30);
    tg.setMaxTensorElements(2 ** 31 - 1);
    expect(tg.getMaxTensorElements()).toBe(2 ** 31 - 1);
    for (const bad of [0, -1, 1.5, 2 ** 31, Infinity, NaN]) {
      expect(() => tg.setMaxTensorElements(bad)).toThrow(/^setMaxTensorElements: expected an integer in 1\.\.2147483647, got/);
    }
  });

  test('the message gives the shape, the bytes, the values and the limit', () => {
    expect(() => tg.zeros([65536, 65536])).toThrow(
      'zeros: shape [65536,65536] needs 16.0 GiB (4,294,967,296 float32 values), over the limit of 4.0 GiB (tg.setMaxTensorElements to raise it)',
    );
  });

  test('a lowered limit applies at once, and a raised one lets the same call through', () => {
    tg.setMaxTensorElements(100);
    expectOverLimit('ones', () => tg.ones([11, 10]), [11, 10], '440 B (110 float32 values), over the limit of 400 B');
    tg.setMaxTensorElements(110);
    expect(tg.ones([11, 10]).size).toBe(110);
  });
});

describe('every allocating op checks its output size first', () => {
  const x = tg.zeros([3]);

  test('creation', () => {
    expectOverLimit('zeros', () => tg.zeros([1e9, 1e9]), [1e9, 1e9]);
    expectOverLimit('ones', () => tg.ones([2 ** 31]), [2 ** 31], '8.0 GiB');
    expectOverLimit('full', () => tg.full([1e6, 1e6], 3), [1e6, 1e6]);
    expectOverLimit('rand', () => tg.rand([1e5, 1e5]), [1e5, 1e5]);
    expectOverLimit('randn', () => tg.randn([1e5, 1e5]), [1e5, 1e5], '37.3 GiB');
    expectOverLimit('randint', () => tg.randint(0, 5, [1e5, 1e5]), [1e5, 1e5]);
    expectOverLimit('arange', () => tg.arange(0, 1e12), [1e12], '3.6 TiB');
    expectOverLimit('linspace', () => tg.linspace(0, 1, 2 ** 31), [2 ** 31]);
    expectOverLimit('eye', () => tg.eye(1e5), [1e5, 1e5]);
  });

  test('movement: expand copies, so expand then sum fails in expand; pad, cat, stack, index', () => {
    expectOverLimit('expand', () => tg.expand(x, [1e9, 1e9, 3]).sum(), [1e9, 1e9, 3]);
    expectOverLimit('pad', () => tg.pad(tg.zeros([1, 1, 2, 2]), [1e9, 1e9]), [1, 1, 2, 2e9 + 2]);
    tg.setMaxTensorElements(100);
    expectOverLimit('cat', () => tg.cat([tg.zeros([60]), tg.zeros([60])]), [120]);
    expectOverLimit('stack', () => tg.stack([tg.zeros([60]), tg.zeros([60])]), [2, 60]);
    expectOverLimit('index', () => tg.zeros([1, 64]).index([0, 0]), [2, 64]);
  });

  test('elementwise broadcasting and matrix products', () => {
    const column = tg.zeros([1e5, 1]);
    const row = tg.zeros([1, 1e5]);
    expectOverLimit('add', () => tg.add(column, row), [1e5, 1e5]);
    expectOverLimit('mul', () => column.mul(row), [1e5, 1e5]);
    expectOverLimit('eq', () => column.eq(row), [1e5, 1e5]);
    expectOverLimit('matmul', () => tg.matmul(column, row), [1e5, 1e5]);
    expectOverLimit('matmul', () => tg.matmul(tg.zeros([1e5, 1, 1, 1]), tg.zeros([1, 1e5, 1, 1])), [1e5, 1e5, 1, 1]);
    expectOverLimit('linear', () => tg.linear(column, tg.zeros([1e5, 1])), [1e5, 1e5]);
  });

  test('convolution and pooling, adaptive pooling included', () => {
    const img = tg.zeros([1, 1, 4, 4]);
    expectOverLimit('conv2d', () => tg.conv2d(tg.zeros([1, 1, 1, 1]), tg.zeros([1, 1, 1, 1]), null, { padding: 1e5 }), [1, 1, 200001, 200001]);
    expectOverLimit('adaptiveAvgPool2d', () => tg.adaptiveAvgPool2d(img, 1e9), [1, 1, 1e9, 1e9]);
    expectOverLimit('adaptiveMaxPool2d', () => tg.adaptiveMaxPool2d(img, [1e5, 1e5]), [1, 1, 1e5, 1e5]);
    const input = tg.zeros([1, 1, 11, 10]);
    tg.setMaxTensorElements(100);
    expectOverLimit('maxPool2d', () => tg.maxPool2d(input, { kernelSize: 1 }), [1, 1, 11, 10]);
    expectOverLimit('avgPool2d', () => tg.avgPool2d(input, { kernelSize: 1 }), [1, 1, 11, 10]);
  });

  test("layers' parameters: seed 003's logistic regression on 4096x4096 colour images, a huge conv, LazyLinear", () => {
    expectOverLimit('Linear', () => new nn.Linear(3 * 4096 * 4096, 100), [100, 3 * 4096 * 4096], '18.8 GiB');
    expectOverLimit('Conv2d', () => new nn.Conv2d(1e5, 1e5, 3), [1e5, 1e5, 3, 3]);
    expectOverLimit('LazyLinear', () => new nn.LazyLinear(1e5).materialize(1e5), [1e5, 1e5]);
  });

  test('a reduction over the 0-size dim of an empty tensor', () => {
    expectOverLimit('sum', () => tg.zeros([0, 2 ** 40]).sum(0), [2 ** 40], '4.0 TiB');
    expectOverLimit('mean', () => tg.zeros([0, 2 ** 40]).mean(0, true), [1, 2 ** 40]);
  });

  test('dims that are not non-negative safe integers are refused before any arithmetic', () => {
    for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 53]) {
      expect(() => tg.zeros([0, bad])).toThrow(new RegExp(`^zeros: shape \\[0,${esc(String(bad))}\\] must hold non-negative integers`));
    }
  });
});

describe('legal sizes behave as in PyTorch', () => {
  test('0-size tensors of any (representable) other dims are fine', () => {
    expect(tg.zeros([0, 1e12]).shape).toEqual([0, 1e12]);
    expect(tg.zeros([0, 3]).expand(5, 0, 3).shape).toEqual([5, 0, 3]);
    expect(tg.adaptiveAvgPool2d(tg.zeros([0, 1, 4, 4]), 1e9).shape).toEqual([0, 1, 1e9, 1e9]);
    expect(tg.add(tg.zeros([0, 1]), tg.zeros([1, 1e6])).shape).toEqual([0, 1e6]);
  });

  test('reshape of an empty tensor: -1 next to a 0 is ambiguous (PyTorch raises), elsewhere it is inferred', () => {
    const empty = tg.zeros([0, 3]);
    for (const shape of [[-1, 0], [0, -1], [2, -1, 0]]) {
      expect(() => empty.reshape(shape)).toThrow(
        `reshape: shape ${tg.formatShape(shape)} is invalid for a tensor of shape [0,3] (0 elements): the -1 is ambiguous, any size would fit`,
      );
    }
    expect(() => empty.view(-1, 0)).toThrow(/^view: shape \[-1,0\] is invalid .* ambiguous/);
    expect(empty.reshape(-1, 3).shape).toEqual([0, 3]);
    expect(empty.reshape(3, -1).shape).toEqual([3, 0]);
    expect(empty.reshape(-1).shape).toEqual([0]);
    expect(() => tg.zeros([2, 3]).reshape(-1, 0)).toThrow(/^reshape: shape \[-1,0\] is invalid for a tensor of shape \[2,3\] \(6 elements\)$/);
  });
});

describe('BatchNorm on an empty batch, as PyTorch 1.13', () => {
  // torch.nn.functional.batch_norm(torch.zeros(0, 3, 4, 4), rm, rv, w, b, training=True) returns an
  // empty [0, 3, 4, 4], leaves rm and rv as they were, and gives w and b zero gradients.
  test.each([[[0, 3]], [[0, 3, 4, 4]], [[2, 3, 0]]])('functional batchNorm in training on %j', (shape) => {
    const x = tg.zeros(shape, { requiresGrad: true });
    const runningMean = tg.full([3], 0.5);
    const runningVar = tg.full([3], 2);
    const weight = tg.ones([3], { requiresGrad: true });
    const bias = tg.zeros([3], { requiresGrad: true });
    const y = tg.batchNorm(x, runningMean, runningVar, weight, bias, { training: true });
    expect(y.shape).toEqual(shape);
    expect(Array.from(runningMean.data)).toEqual([0.5, 0.5, 0.5]);
    expect(Array.from(runningVar.data)).toEqual([2, 2, 2]);
    y.sum().backward();
    expect(x.grad!.shape).toEqual(shape);
    expect(Array.from(weight.grad!.data)).toEqual([0, 0, 0]);
    expect(Array.from(bias.grad!.data)).toEqual([0, 0, 0]);
    expect(tg.batchNorm(x, null, null, null, null, { training: true }).shape).toEqual(shape);
    expect(tg.batchNorm(x, runningMean, runningVar).shape).toEqual(shape); // evaluation
  });

  test('nn.BatchNorm1d / BatchNorm2d in training: an empty output, the stats untouched, the batch counted', () => {
    for (const [layer, shape] of [[new nn.BatchNorm1d({ numFeatures: 3 }), [0, 3]], [new nn.BatchNorm2d({ numFeatures: 3 }), [0, 3, 2, 2]]] as const) {
      layer.train();
      expect(layer.forward(tg.zeros(shape)).shape).toEqual(shape);
      expect(Array.from(layer.running_mean!.data)).toEqual([0, 0, 0]);
      expect(Array.from(layer.running_var!.data)).toEqual([1, 1, 1]);
      expect(layer.num_batches_tracked!.item()).toBe(1); // PyTorch counts it too
    }
  });

  test('one value per channel in training is still an error, as in PyTorch', () => {
    expect(() => tg.batchNorm(tg.zeros([1, 3]), null, null, null, null, { training: true })).toThrow(/^batchNorm: expected more than 1 value per channel/);
    expect(() => new nn.BatchNorm1d({ numFeatures: 3 }).forward(tg.zeros([1, 3]))).toThrow(/^BatchNorm1d: expected more than 1 value per channel/);
  });
});

describe('the WASM heap', () => {
  test('an allocation past what the heap can hold fails naming the kernel and the bytes, before growing', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const arena = new Arena({ memory, dynamicBase: () => 0 } as unknown as WasmExports, 0, 2 ** 20);
    arena.alloc(2 ** 19); // 2 MiB of floats
    expect(() => arena.commit('wasm batchNormForward [outer 100000, channels 32, inner 784]')).toThrow(
      "wasm batchNormForward [outer 100000, channels 32, inner 784]: needs 2.0 MiB of WASM memory, over the 1.0 MiB its heap can hold (use a smaller batch, or the 'js' backend)",
    );
    expect(memory.buffer.byteLength).toBe(65536);
    expect(OWN_MEMORY_LIMIT).toBe(2 ** 31);
  });
});
