// Error messages: every bad call throws the right class (TypeError for a wrong kind of argument,
// RangeError for a right kind with a wrong value or shape) and a message that starts with the op the
// user called and names the shapes and values involved, so that it can be acted on without a debugger.
// Also: what is NOT an error (NaN and Infinity flowing through forward), and anomaly detection.

import { afterEach, describe, expect, test } from 'vitest';
import * as tg from '../../engine/index.js';

type ErrorClass = typeof TypeError | typeof RangeError;

/** Escapes a literal for use inside a RegExp. */
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A shape as the messages print it, `[1,3,32,32]`, tolerating spaces after the commas. */
const sh = (dims: readonly number[]) => new RegExp(`\\[${dims.join(',\\s*')}\\]`);

/**
 * A message that starts with `op:` and then mentions every part in order (anything in between):
 * strings are matched literally, RegExps by their source.
 */
function msg(op: string, ...parts: Array<string | number | RegExp>): RegExp {
  const pieces = parts.map((p) => (p instanceof RegExp ? `(?:${p.source})` : esc(String(p))));
  return new RegExp(`^${esc(op)}:${pieces.map((p) => `[\\s\\S]*${p}`).join('')}`);
}

/** Runs fn, which must throw an instance of `cls` whose message matches `pattern`; returns the error. */
function expectThrow(fn: () => unknown, cls: ErrorClass, pattern: RegExp): Error {
  let caught: unknown = undefined;
  let threw = false;
  try {
    fn();
  } catch (e) {
    threw = true;
    caught = e;
  }
  expect(threw, `expected a ${cls.name} matching ${pattern}, but nothing was thrown`).toBe(true);
  const name = caught instanceof Error ? `${caught.constructor.name}: ${caught.message}` : String(caught);
  expect(caught instanceof cls, `expected a ${cls.name}, got ${name}`).toBe(true);
  expect((caught as Error).message).toMatch(pattern);
  return caught as Error;
}

async function expectReject(promise: Promise<unknown>, cls: ErrorClass, pattern: RegExp): Promise<void> {
  let caught: unknown = undefined;
  let threw = false;
  try {
    await promise;
  } catch (e) {
    threw = true;
    caught = e;
  }
  expect(threw, `expected a rejection with ${cls.name} matching ${pattern}`).toBe(true);
  expect(caught).toBeInstanceOf(cls);
  expect((caught as Error).message).toMatch(pattern);
}

const z = (...shape: number[]) => tg.zeros(shape);

describe('elementwise and linear algebra', () => {
  test('add: shapes that do not broadcast name both shapes and the clashing dim', () => {
    expectThrow(() => tg.add(z(2, 3), z(4)), RangeError, msg('add', sh([2, 3]), sh([4]), 'broadcast', '3', '4'));
    expectThrow(() => z(2, 3).add(z(3, 2)), RangeError, msg('add', sh([2, 3]), sh([3, 2])));
  });

  test('mul/sub/pow/maximum name themselves when broadcasting fails', () => {
    expectThrow(() => tg.mul(z(5), z(2)), RangeError, msg('mul', sh([5]), sh([2])));
    expectThrow(() => tg.sub(z(5), z(2)), RangeError, msg('sub', sh([5]), sh([2])));
    expectThrow(() => tg.pow(z(5), z(2)), RangeError, msg('pow', sh([5]), sh([2])));
    expectThrow(() => tg.maximum(z(5), z(2)), RangeError, msg('maximum', sh([5]), sh([2])));
  });

  test('add: a plain array operand is a TypeError that says to wrap it', () => {
    expectThrow(() => tg.add(z(2), [1, 2] as never), TypeError, msg('add', 'array', 'tg.tensor'));
  });

  test('matmul: inner dims that differ name both shapes', () => {
    expectThrow(() => tg.matmul(z(2, 3), z(4, 5)), RangeError, msg('matmul', sh([2, 3]), sh([4, 5]), 'cannot be multiplied'));
    expectThrow(() => z(3).matmul(z(4)), RangeError, msg('matmul', sh([3]), sh([4])));
  });

  test('matmul: a 0-d operand is rejected', () => {
    expectThrow(() => tg.matmul(tg.tensor(2), z(2, 2)), RangeError, msg('matmul', sh([]), sh([2, 2])));
  });

  test('matmul: batch dims that do not broadcast name the operands\' full shapes', () => {
    // The user passed [2,3,4] and [5,4,6]; a message naming only [2] and [5] hides which call failed.
    expectThrow(() => tg.matmul(z(2, 3, 4), z(5, 4, 6)), RangeError, msg('matmul', sh([2, 3, 4]), sh([5, 4, 6])));
  });

  test('linear: feature mismatch and bias shape', () => {
    expectThrow(() => tg.linear(z(2, 3), z(4, 5)), RangeError, msg('linear', '3', '5', sh([2, 3]), sh([4, 5])));
    expectThrow(() => tg.linear(z(2, 3), z(4, 3), z(3)), RangeError, msg('linear', 'bias', sh([4]), sh([3])));
  });

  test('clamp needs a bound, and not NaN', () => {
    expectThrow(() => tg.clamp(z(2)), RangeError, msg('clamp', 'min', 'max'));
    expectThrow(() => z(2).clamp(NaN), RangeError, msg('clamp', 'NaN'));
  });
});

describe('shapes and dims', () => {
  test('reshape to a shape of another size names both shapes and the element count', () => {
    expectThrow(() => z(2, 3).reshape(4, 2), RangeError, msg('reshape', sh([4, 2]), sh([2, 3]), '6'));
    expectThrow(() => z(2, 3).reshape(-1, 4), RangeError, msg('reshape', sh([-1, 4]), sh([2, 3])));
    expectThrow(() => z(2, 3).view(-1, -1), RangeError, msg('view', '-1'));
  });

  test('sum, mean, max, var, argmax: a dim out of range names the dim and the valid range', () => {
    expectThrow(() => z(2, 3).sum(2), RangeError, msg('sum', 'dim 2', 'shape [2,3]', '-2..1'));
    expectThrow(() => z(2, 3).mean(-3), RangeError, msg('mean', 'dim -3', 'shape [2,3]'));
    expectThrow(() => z(2, 3).max(5), RangeError, msg('max', 'dim 5'));
    expectThrow(() => z(2, 3).var(5), RangeError, msg('var', 'dim 5'));
    expectThrow(() => z(2, 3).argmax(2), RangeError, msg('argmax', 'dim 2'));
  });

  test('a non-integer dim is a TypeError; a repeated dim is a RangeError', () => {
    expectThrow(() => z(2).sum(1.5), TypeError, msg('sum', 'integer', '1.5'));
    expectThrow(() => z(2, 2).mean([0, -2]), RangeError, msg('mean', 'repeats'));
  });

  test('softmax / logSoftmax: a dim out of range, and a missing dim', () => {
    expectThrow(() => z(2, 3).softmax(-3), RangeError, msg('softmax', 'dim -3', 'shape [2,3]', '-2..1'));
    expectThrow(() => z(2, 3).logSoftmax(2), RangeError, msg('logSoftmax', 'dim 2'));
    expectThrow(() => (z(2, 3).softmax as (dim?: number) => tg.Tensor)(), TypeError, msg('softmax', 'dim'));
  });

  test('a dim error on a 0-d tensor does not claim the tensor has 1 dim', () => {
    // normDims/normDim are called with Math.max(ndim, 1), and the message prints that as the tensor's rank.
    expectThrow(() => tg.tensor(5).sum(1), RangeError, msg('sum', 'dim 1', /0 dims|shape \[\]/));
  });

  // unsqueeze and stack validate against rank + 1: the valid range -2..1 is right, but the message then
  // says the 1-d tensor has 2 dims.
  test('unsqueeze: the message gives the rank of the tensor passed in, not rank + 1', () => {
    expectThrow(() => z(2).unsqueeze(3), RangeError, msg('unsqueeze', 'dim 3', /1 dims?\b|\[2\]/, '-2..1'));
  });

  test('stack: the message gives the rank of the tensors passed in, not rank + 1', () => {
    expectThrow(() => tg.stack([z(2), z(2)], 3), RangeError, msg('stack', 'dim 3', /1 dims?\b|\[2\]/, '-2..1'));
  });

  test('permute / transpose / expand / flatten', () => {
    expectThrow(() => z(2, 3).permute(0, 0), RangeError, msg('permute', sh([0, 0]), 'repeat'));
    expectThrow(() => z(2, 3).permute(0), RangeError, msg('permute', sh([0]), sh([2, 3])));
    expectThrow(() => z(3).transpose(0, 1), RangeError, msg('transpose', 'dim 1', 'shape [3]'));
    expectThrow(() => z(2, 3).expand(4, 3), RangeError, msg('expand', sh([2, 3]), sh([4, 3])));
    expectThrow(() => z(2, 3).flatten(1, 0), RangeError, msg('flatten', '1', '0', sh([2, 3])));
  });

  test('cat with mismatched shapes names the offending tensor and both shapes', () => {
    expectThrow(() => tg.cat([z(2, 3), z(2, 4)]), RangeError, msg('cat', 'tensor 1', sh([2, 4]), sh([2, 3]), 'dim 0'));
    expectThrow(() => tg.cat([z(2, 3), z(3, 3)], 1), RangeError, msg('cat', 'tensor 1', sh([3, 3]), sh([2, 3]), 'dim 1'));
    expectThrow(() => tg.cat([z(2, 3), z(3)]), RangeError, msg('cat', sh([3]), sh([2, 3])));
    expectThrow(() => tg.cat([]), RangeError, msg('cat', 'non-empty'));
    expectThrow(() => tg.cat([z(2), 5 as never]), TypeError, msg('cat', 'item 1'));
  });

  test('stack with different shapes', () => {
    expectThrow(() => tg.stack([z(2, 3), z(3, 2)]), RangeError, msg('stack', 'tensor 1', sh([3, 2]), sh([2, 3])));
  });

  test('index out of range names the index, the size and the shape', () => {
    expectThrow(() => z(3, 2).index(3), RangeError, msg('index', 'index 3', 'size 3', sh([3, 2])));
    expectThrow(() => z(3, 2).index([0, -4]), RangeError, msg('index', 'index -4', 'size 3'));
    expectThrow(() => tg.tensor(1).index(0), RangeError, msg('index', '0-d'));
  });

  test('index with a Tensor of indices is either honoured or refused, never an empty result', () => {
    // Array.from(tensor) is [] (a Tensor has no length), so index(tensor) silently returns shape [0, 2].
    let result: tg.Tensor | undefined;
    try {
      result = z(3, 2).index(tg.tensor([0, 2]) as never);
    } catch (e) {
      expect(e).toBeInstanceOf(TypeError);
      expect((e as Error).message).toMatch(msg('index'));
      return;
    }
    expect(result.shape).toEqual([2, 2]);
  });

  test('slice: a bad step, a bad dim, and a fractional bound', () => {
    expectThrow(() => tg.arange(5).slice(0, 0, 5, 0), RangeError, msg('slice', 'step', '0'));
    expectThrow(() => tg.arange(5).slice(0, 4, 0, -1), RangeError, msg('slice', 'step', '-1'));
    expectThrow(() => tg.arange(5).slice(1), RangeError, msg('slice', 'dim 1'));
  });

  test('slice: a fractional bound is refused, not read as garbage', () => {
    // start 1.5 currently reads src[1.5] (undefined) and returns four NaNs
    expectThrow(() => tg.arange(5).slice(0, 1.5), RangeError, msg('slice', '1.5'));
  });

  test('pad: odd-length padding, an unknown mode, reflect padding as large as the dim', () => {
    expectThrow(() => tg.pad(z(3), [1]), RangeError, msg('pad', 'even', '[1]'));
    expectThrow(() => tg.pad(z(3), [1, 1], { mode: 'wrap' as never }), RangeError, msg('pad', "'wrap'"));
    expectThrow(() => tg.pad(tg.arange(4), [4, 0], { mode: 'reflect' }), RangeError, msg('pad', 'reflect', '[4,0]', 'size 4', sh([4])));
    expectThrow(() => tg.pad(z(3), [4, 0], { mode: 'circular' }), RangeError, msg('pad', 'circular', 'size 3'));
    expectThrow(() => tg.pad(z(3), [-1, 0], { mode: 'replicate' }), RangeError, msg('pad', 'negative'));
  });
});

describe('conv2d', () => {
  test('channel mismatch names both channel counts and both shapes', () => {
    expectThrow(
      () => tg.conv2d(z(1, 3, 32, 32), z(8, 4, 3, 3)),
      RangeError,
      msg('conv2d', 'input has 3 channels', 'weight expects 4', sh([1, 3, 32, 32]), sh([8, 4, 3, 3])),
    );
  });

  test('channel mismatch on unbatched [C, H, W] input reports the shape the user passed', () => {
    // conv2d unsqueezes [3,8,8] to [1,3,8,8] before checking, so the message shows [1,3,8,8].
    const e = expectThrow(() => tg.conv2d(z(3, 8, 8), z(4, 4, 3, 3)), RangeError, msg('conv2d', '3 channels', 'expects 4'));
    expect(e.message).toMatch(/input \[3,\s*8,\s*8\]/);
  });

  test('output too small names the padded input and the kernel sizes', () => {
    expectThrow(
      () => tg.conv2d(z(1, 3, 2, 2), z(8, 3, 3, 3)),
      RangeError,
      msg('conv2d', '0x0', '2x2', '3x3', sh([1, 3, 2, 2]), sh([8, 3, 3, 3])),
    );
    // dilation makes the kernel span 5: 4 + 0 - 4 - 1 < 0
    expectThrow(() => tg.conv2d(z(1, 1, 4, 4), z(1, 1, 3, 3), null, { dilation: 2 }), RangeError, msg('conv2d', '4x4', '5x5'));
  });

  test("padding 'same' with stride 2 is refused, naming the stride", () => {
    expectThrow(
      () => tg.conv2d(z(1, 3, 8, 8), z(8, 3, 3, 3), null, { padding: 'same', stride: 2 }),
      RangeError,
      msg('conv2d', "'same'", 'stride', /\[2,\s*2\]/),
    );
  });

  test('groups that do not divide the channels', () => {
    expectThrow(
      () => tg.conv2d(z(1, 4, 8, 8), z(3, 2, 3, 3), null, { groups: 2 }),
      RangeError,
      msg('conv2d', '3 output channels', '2 groups', sh([1, 4, 8, 8]), sh([3, 2, 3, 3])),
    );
    expectThrow(
      () => tg.conv2d(z(1, 3, 8, 8), z(4, 1, 3, 3), null, { groups: 2 }),
      RangeError,
      msg('conv2d', '3 channels', '2 groups', sh([1, 3, 8, 8]), sh([4, 1, 3, 3])),
    );
    expectThrow(() => tg.conv2d(z(1, 3, 8, 8), z(3, 1, 3, 3), null, { groups: 0 }), RangeError, msg('conv2d', 'groups', '0'));
  });

  test('bias of the wrong shape names the expected and the actual shape', () => {
    expectThrow(() => tg.conv2d(z(1, 3, 8, 8), z(8, 3, 3, 3), z(4)), RangeError, msg('conv2d', 'bias', sh([8]), sh([4])));
    expectThrow(() => tg.conv2d(z(1, 3, 8, 8), z(8, 3, 3, 3), z(1, 8)), RangeError, msg('conv2d', 'bias', sh([8]), sh([1, 8])));
  });

  test('input and weight of the wrong rank; bad stride', () => {
    expectThrow(() => tg.conv2d(z(4, 4), z(1, 1, 2, 2)), RangeError, msg('conv2d', 'input', sh([4, 4])));
    expectThrow(() => tg.conv2d(z(1, 1, 4, 4), z(1, 2, 2)), RangeError, msg('conv2d', 'weight', sh([1, 2, 2])));
    expectThrow(() => tg.conv2d(z(1, 1, 4, 4), z(1, 1, 2, 2), null, { stride: 0 }), RangeError, msg('conv2d', 'stride', '0'));
  });
});

describe('pooling', () => {
  test('maxPool2d: padding larger than half the kernel', () => {
    expectThrow(() => tg.maxPool2d(z(1, 1, 8, 8), { kernelSize: 3, padding: 2 }), RangeError, msg('maxPool2d', 'padding', /\[2,\s*2\]/, 'half', /\[3,\s*3\]/));
    expectThrow(() => tg.avgPool2d(z(1, 1, 8, 8), { kernelSize: 2, padding: 2 }), RangeError, msg('avgPool2d', 'padding', 'half'));
  });

  test('maxPool2d: input too small for the kernel', () => {
    expectThrow(() => tg.maxPool2d(z(1, 1, 2, 2), 3), RangeError, msg('maxPool2d', '0x0', sh([1, 1, 2, 2]), /\[3,\s*3\]/));
  });

  test('pooling an unbatched [C, H, W] input reports the shape the user passed', () => {
    const e = expectThrow(() => tg.avgPool2d(z(2, 2, 2), 3), RangeError, msg('avgPool2d', '0x0'));
    expect(e.message).toMatch(/input \[2,\s*2,\s*2\]/);
  });

  test('pooling a 2-d input, and adaptive pooling to size 0', () => {
    expectThrow(() => tg.maxPool2d(z(4, 4), 2), RangeError, msg('maxPool2d', sh([4, 4])));
    expectThrow(() => tg.adaptiveAvgPool2d(z(1, 1, 4, 4), 0), RangeError, msg('adaptiveAvgPool2d', 'outputSize', '0'));
  });
});

describe('losses', () => {
  test('crossEntropy: a target out of range names the target, its position and the class range', () => {
    expectThrow(() => tg.crossEntropy(z(2, 3), [0, 5]), RangeError, msg('crossEntropy', '5', 'position 1', '0..2'));
  });

  test('crossEntropy: a target of the wrong shape names both shapes', () => {
    expectThrow(() => tg.crossEntropy(z(2, 3), [0, 1, 2]), RangeError, msg('crossEntropy', sh([2, 3]), sh([2]), sh([3])));
    expectThrow(() => tg.crossEntropy(z(2, 3), tg.tensor([[0], [1]])), RangeError, msg('crossEntropy', sh([2, 3]), sh([2]), sh([2, 1])));
  });

  test('crossEntropy / nll: a target that is not class indices names what came', () => {
    // null used to fail with "Cannot read properties of null", a string or a bigint as "target 1 … is not a class index"
    expectThrow(() => tg.crossEntropy(z(2, 3), null as never), TypeError, msg('crossEntropy', 'target', 'Tensor', 'null'));
    expectThrow(() => tg.crossEntropy(z(2, 3), undefined as never), TypeError, msg('crossEntropy', 'target', 'undefined'));
    expectThrow(() => tg.crossEntropy(z(1, 3), '1' as never), TypeError, msg('crossEntropy', 'target', 'a string ("1")'));
    expectThrow(() => tg.crossEntropy(z(1, 3), 1n as never), TypeError, msg('crossEntropy', 'target', 'a bigint (1n)'));
    expectThrow(() => tg.crossEntropy(z(2, 3), [0, '1'] as never), TypeError, msg('crossEntropy', 'position 1', 'number', 'a string ("1")'));
    expectThrow(() => tg.crossEntropy(z(2, 3), [0, 1n] as never), TypeError, msg('crossEntropy', 'position 1', 'a bigint (1n)'));
    expectThrow(() => tg.nll(z(2, 3), { length: 2 } as never), TypeError, msg('nll', 'target', 'an object (Object)'));
  });

  test('crossEntropy: a fractional target', () => {
    expectThrow(() => tg.crossEntropy(z(2, 3), [0.5, 1]), RangeError, msg('crossEntropy', '0.5'));
  });

  test('crossEntropy: bad weight, reduction, smoothing, logits', () => {
    expectThrow(() => tg.crossEntropy(z(2, 3), [0, 1], { weight: tg.ones([2]) }), RangeError, msg('crossEntropy', 'weight', sh([3]), sh([2])));
    expectThrow(() => tg.crossEntropy(z(2, 3), [0, 1], { reduction: 'avg' as never }), RangeError, msg('crossEntropy', "'avg'"));
    expectThrow(() => tg.crossEntropy(z(2, 3), [0, 1], { labelSmoothing: 1.5 }), RangeError, msg('crossEntropy', 'labelSmoothing', '1.5'));
    expectThrow(() => tg.crossEntropy([[1, 2]] as never, [0]), TypeError, msg('crossEntropy', 'Tensor'));
  });

  test('nll: target out of range (nll itself)', () => {
    expectThrow(() => tg.nll(z(2, 3), [0, 3]), RangeError, msg('nll', '3', 'position 1', '0..2'));
  });

  test('mse: shapes that differ are an error, not a silent broadcast', () => {
    expectThrow(() => tg.mse(z(2, 3), z(3)), RangeError, msg('mse', sh([2, 3]), sh([3])));
    expectThrow(() => tg.mse(z(4, 1), z(4)), RangeError, msg('mse', sh([4, 1]), sh([4])));
  });

  test('binaryCrossEntropyWithLogits: shapes that differ', () => {
    expectThrow(() => tg.binaryCrossEntropyWithLogits(z(2), z(3)), RangeError, msg('binaryCrossEntropyWithLogits', sh([3]), sh([2])));
  });
});

describe('creation', () => {
  test('tensor() from a ragged nested array says where', () => {
    expectThrow(() => tg.tensor([[1, 2], [3]]), RangeError, msg('tensor', 'ragged', '2', 'values[1]', '1'));
    expectThrow(() => tg.tensor([[1, 2], 3] as never), RangeError, msg('tensor', 'ragged', 'values[1]'));
    expectThrow(() => tg.tensor([[[1], [2]], [[3], [4, 5]]]), RangeError, msg('tensor', 'ragged', 'values[1][1]'));
    expectThrow(() => tg.tensor([1, [2]] as never), TypeError, msg('tensor', 'values[1]', 'array'));
  });

  test('tensor() with a non-number inside, or no values at all', () => {
    expectThrow(() => tg.tensor(['a'] as never), TypeError, msg('tensor', 'values[0]', 'string'));
    expectThrow(() => tg.tensor(null as never), TypeError, msg('tensor', 'null'));
  });

  test('tensor() / Tensor with values that do not fill the shape', () => {
    expectThrow(() => tg.tensor([1, 2, 3], [2, 2]), RangeError, msg('tensor', '3 values', sh([2, 2]), '4'));
    expectThrow(() => new tg.Tensor(new Float32Array(3), [2, 2]), RangeError, msg('Tensor', '3 values', sh([2, 2])));
  });

  test('item() on a multi-element tensor names its shape', () => {
    expectThrow(() => z(2, 3).item(), RangeError, msg('item', 'one-element', sh([2, 3])));
  });

  test('arange, linspace, manualSeed, setState, randint', () => {
    expectThrow(() => tg.arange(0, 5, 0), RangeError, msg('arange', 'step', '0'));
    expectThrow(() => tg.linspace(0, 1, -1), RangeError, msg('linspace', 'steps', '-1'));
    expectThrow(() => tg.manualSeed(1.5), TypeError, msg('manualSeed', '1.5'));
    expectThrow(() => new tg.Generator().setState([1]), RangeError, msg('Generator.setState', '5', '1'));
    expectThrow(() => tg.randint(5, 2, [3]), RangeError, msg('randint', 'low=5', 'high=2'));
  });

  test('randint with low >= high fails even when the shape is empty', () => {
    // torch.randint(5, 2, (0,)) raises; typegrad only validates at the first draw, so [0] passes.
    expectThrow(() => tg.randint(5, 2, [0]), RangeError, msg('randint', '5', '2'));
  });

  test('rand with a bad shape names rand and the shape', () => {
    expectThrow(() => tg.rand([2, 1.5]), RangeError, msg('rand', sh([2, 1.5])));
    expectThrow(() => tg.full([2, -1], 3), RangeError, msg('full', sh([2, -1])));
  });

  // zeros, ones and eye delegate to full() and the message says "full:"
  test.each([
    ['zeros', () => tg.zeros([2, -3]), sh([2, -3])],
    ['ones', () => tg.ones([1.5]), sh([1.5])],
    ['eye', () => tg.eye(-1), /-1/],
  ] as const)('%s with a bad shape names the function called, not full', (name, call, shape) => {
    expectThrow(call, RangeError, msg(name, shape));
  });

  // shapeOf spreads the argument before it checks it: "TypeError: shape is not iterable"
  test.each([
    ['zeros', () => tg.zeros({} as never)],
    ['randint', () => (tg.randint as (...a: unknown[]) => tg.Tensor)(0, 5)],
  ] as const)('%s with a shape that is neither a number nor an array names the op', (name, call) => {
    expectThrow(call, TypeError, msg(name, 'shape'));
  });

  test('zeros(2, 3) / rand(2, 3), as a PyTorch user writes them, do not silently give shape [2]', () => {
    for (const [name, make] of [
      ['zeros', () => tg.zeros(2, 3 as never)],
      ['rand', () => tg.rand(2, 3 as never)],
    ] as const) {
      let result: tg.Tensor | undefined;
      try {
        result = make();
      } catch (e) {
        expect(e).toBeInstanceOf(TypeError);
        expect((e as Error).message).toMatch(msg(name));
        continue;
      }
      expect(result.shape, `${name}(2, 3)`).toEqual([2, 3]);
    }
  });
});

describe('autograd', () => {
  afterEach(() => tg.setDetectAnomaly(false));

  test('backward on a non-scalar without a gradient names the shape', () => {
    const y = tg.ones([2, 3], { requiresGrad: true }).mul(2);
    expectThrow(() => y.backward(), RangeError, msg('backward', 'one-element', sh([2, 3])));
  });

  test('backward on a tensor that does not require grad', () => {
    expectThrow(() => tg.ones([2]).sum().backward(), RangeError, msg('backward', 'does not require grad'));
    const x = tg.ones([2], { requiresGrad: true });
    const y = tg.noGrad(() => x.mul(2).sum());
    expectThrow(() => y.backward(), RangeError, msg('backward', 'noGrad'));
  });

  test('backward with a wrongly-shaped gradient names both shapes', () => {
    const y = tg.ones([2, 3], { requiresGrad: true }).mul(2);
    expectThrow(() => y.backward(tg.ones([3, 2])), RangeError, msg('backward', sh([3, 2]), sh([2, 3])));
  });

  test('backward with a gradient that is not a Tensor says so', () => {
    // Currently: "TypeError: Cannot read properties of undefined (reading 'length')" from sameShape.
    const y = tg.ones([2], { requiresGrad: true }).mul(2);
    expectThrow(() => y.backward([1, 1] as never), TypeError, msg('backward', 'Tensor'));
    expectThrow(() => y.backward(1 as never), TypeError, msg('backward', 'Tensor'));
  });

  test('setRequiresGrad(false) on a computed tensor points to detach()', () => {
    const y = tg.ones([2], { requiresGrad: true }).mul(2);
    expectThrow(() => y.setRequiresGrad(false), RangeError, msg('setRequiresGrad', 'detach()'));
  });

  test('noGrad / enableGrad with an async callback', () => {
    expectThrow(() => tg.noGrad(async () => 1), TypeError, msg('noGrad', 'Promise'));
    expectThrow(() => tg.enableGrad(async () => 1), TypeError, msg('enableGrad', 'Promise'));
    // and grad mode is restored afterwards
    expect(tg.isGradEnabled()).toBe(true);
  });

  test('setDetectAnomaly(true): backward throws at sqrt(0), naming sqrt, the shape and the index', () => {
    tg.setDetectAnomaly(true);
    expect(tg.isAnomalyEnabled()).toBe(true);
    const x = tg.tensor([4, 0, 9], { requiresGrad: true });
    const y = x.sqrt().mul(2).sum();
    expectThrow(() => y.backward(), RangeError, msg('backward', 'anomaly', 'sqrt', 'Infinity', sh([3]), 'index 1'));
  });

  test('setDetectAnomaly(true): the op named is the first (from the loss) to make a non-finite gradient', () => {
    tg.setDetectAnomaly(true);
    // log sees 2·[1, 0] = [2, 0]: log's gradient 1/0 is the first non-finite one, mul's is only downstream
    const x = tg.tensor([1, 0], { requiresGrad: true });
    const e = expectThrow(() => x.mul(2).log().sum().backward(), RangeError, msg('backward', 'log', 'Infinity'));
    expect(e.message).not.toMatch(/\bmul\b/);
  });

  test('setDetectAnomaly(false): the same backward does not throw and leaves Infinity in .grad', () => {
    tg.setDetectAnomaly(false);
    expect(tg.isAnomalyEnabled()).toBe(false);
    const x = tg.tensor([4, 0], { requiresGrad: true });
    x.sqrt().sum().backward();
    expect(x.grad!.data[0]).toBeCloseTo(0.25, 6);
    expect(x.grad!.data[1]).toBe(Infinity);
    const w = tg.tensor([1, 0], { requiresGrad: true });
    w.log().sum().backward();
    expect(w.grad!.data[1]).toBe(Infinity);
  });

  test('setDetectAnomaly(true) does not complain when the gradients are finite, even with NaN inputs', () => {
    tg.setDetectAnomaly(true);
    const x = tg.tensor([NaN, Infinity, 1], { requiresGrad: true });
    const y = x.add(1).sum(); // add's gradient is 1 everywhere
    expect(Number.isNaN(y.item())).toBe(true);
    y.backward();
    expect(Array.from(x.grad!.data)).toEqual([1, 1, 1]);
  });
});

describe('backends', () => {
  test("setBackend('nope') rejects with the list of registered backends", async () => {
    // @ts-expect-error: a name no backend declares is a compile-time error too
    await expectReject(tg.setBackend('nope'), RangeError, msg('setBackend', "'nope'", 'js'));
    expect(tg.getBackend()).toBe('js');
  });

  test('registerBackend with missing kernels lists exactly the missing ones', () => {
    const base = tg.kernels();
    const partial = { gemm: base.gemm, conv2d: base.conv2d, maxPool2d: base.maxPool2d };
    const e = expectThrow(() => tg.registerBackend('partial', partial as never), TypeError, msg('registerBackend', "'partial'", 'missing'));
    const listed = e.message.match(/missing kernel\(s\) ([^;]*);/)?.[1]?.split(/,\s*/);
    expect(listed?.sort()).toEqual(tg.kernelNames.filter((k) => !(k in partial)).sort());
    expect(tg.listBackends()).not.toContain('partial');
  });

  test('registerBackend with an empty name', () => {
    expectThrow(() => tg.registerBackend('', tg.kernels()), TypeError, msg('registerBackend', 'name'));
  });
});

describe('NaN and Infinity are values, not errors, in forward', () => {
  test('elementwise, reductions, softmax, matmul, conv2d, pooling and losses pass them through', () => {
    const x = tg.tensor([NaN, Infinity, -Infinity, 1]);
    expect(() => x.add(1).mul(2).exp().log().sqrt().abs().relu().tanh().sigmoid()).not.toThrow();
    expect(Number.isNaN(x.sum().item())).toBe(true);
    expect(Number.isNaN(x.max().item())).toBe(true); // NaN propagates through max, as in PyTorch
    expect(x.slice(0, 1, 3).toArray()).toEqual([Infinity, -Infinity]);
    expect(() => x.reshape(2, 2).softmax(1)).not.toThrow();
    expect(() => tg.matmul(x.reshape(2, 2), x.reshape(2, 2))).not.toThrow();
    const img = tg.full([1, 1, 3, 3], NaN);
    const out = tg.conv2d(img, tg.ones([1, 1, 2, 2]));
    expect(out.shape).toEqual([1, 1, 2, 2]);
    expect(Array.from(out.data).every(Number.isNaN)).toBe(true);
    expect(() => tg.maxPool2d(img, 2)).not.toThrow();
    expect(() => tg.avgPool2d(tg.full([1, 1, 2, 2], Infinity), 2)).not.toThrow();
    expect(Number.isNaN(tg.mse(tg.tensor([NaN]), tg.tensor([0])).item())).toBe(true);
    expect(() => tg.crossEntropy(tg.tensor([[NaN, 0, 1]]), [0])).not.toThrow();
    expect(() => tg.tensor([Infinity, NaN], { requiresGrad: true }).mul(3)).not.toThrow();
  });

  test('division by zero gives Infinity and NaN, as float math does', () => {
    expect(Array.from(tg.div(tg.tensor([1, -1, 0]), 0).data)).toEqual([Infinity, -Infinity, NaN]);
  });
});
