// The counter-based random fill (the randomFill kernel, engine/backends/js/random.ts): the properties
// that make a dropout mask the same on every backend. Every primitive kernel's equivalence with js on
// the other backends is in the suite (tests/helpers/equivalence.js, tests/backends/equivalence.test.ts).

import { describe, expect, test } from 'vitest';
import '../../engine/index.js'; // the engine first: backend.ts registers the JS kernels as it loads (see the cycles note in tensor.ts)
import { jsKernels } from '../../engine/backends/js/index.js';
import { philox } from '../../engine/backends/js/random.js';

describe('randomFill: Philox4x32-10, a pure function of key and position', () => {
  test('the known-answer vectors of Random123 (kat_vectors, philox4x32_10)', () => {
    const out = new Uint32Array(4);
    const hex = () => Array.from(out, (w) => w.toString(16).padStart(8, '0'));
    philox(0, 0, 0, 0, 0, 0, out);
    expect(hex()).toEqual(['6627e8d5', 'e169c58d', 'bc57ac4c', '9b00dbd8']);
    philox(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, out);
    expect(hex()).toEqual(['408f276d', '41c83b0e', 'a20bc7c6', '6d5451fd']);
    philox(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0, out);
    expect(hex()).toEqual(['d16cfe09', '94fdcceb', '5001e420', '24126ea1']);
  });

  const fill = (n: number, counter: number, key: [number, number] = [1, 2]) =>
    Array.from(jsKernels.randomFill({ shape: [n], key, counter, distribution: 'uniform' }).data);

  test('a fill that starts later in the stream is the tail of an earlier one; another key is another stream', () => {
    const whole = fill(103, 0);
    expect(fill(98, 5)).toEqual(whole.slice(5));
    expect(fill(103, 0)).toEqual(whole);
    expect(fill(103, 0, [1, 3]).filter((v, i) => v === whole[i]).length).toBeLessThan(3);
  });

  test('uniform values in [0, 1) with mean 1/2; bernoulli gives value with probability p', () => {
    const u = fill(20000, 0);
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    const mean = u.reduce((a, b) => a + b, 0) / u.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01); // the standard error is 0.002
    const mask = jsKernels.randomFill({ shape: [20000], key: [7, 8], counter: 0, distribution: 'bernoulli', p: 0.3, value: 2 }).data;
    expect(new Set(mask)).toEqual(new Set([0, 2]));
    const kept = mask.filter((v) => v === 2).length / mask.length;
    expect(Math.abs(kept - 0.3)).toBeLessThan(0.015); // the standard error is 0.0032
  });
});
