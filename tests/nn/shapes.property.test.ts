// Laws: every layer's shape arithmetic (outputShape, used by summary and the models' MLP sizing)
// agrees with the shape its forward pass really produces, over random configurations.

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { conv2d, zeros } from '../../engine/index.js';
import * as nn from '../../nn/index.js';

const small = (min: number, max: number) => fc.integer({ min, max });

describe('outputShape agrees with forward', () => {
  it('Conv2d', () => {
    fc.assert(
      fc.property(small(1, 3), small(1, 3), small(1, 4), small(1, 3), small(0, 2), small(1, 2), small(3, 9), small(3, 9), (cin, cout, k, s, p, d, h, w) => {
        const conv = new nn.Conv2d({ inChannels: cin, outChannels: cout, kernelSize: k, stride: s, padding: p, dilation: d });
        const expected = conv.outputShape([1, cin, h, w]);
        fc.pre(expected.every((n) => n >= 1));
        expect(conv.forward(zeros([1, cin, h, w])).shape).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  });

  it("Conv2d with padding 'same' or 'valid' and rectangular kernels", () => {
    fc.assert(
      fc.property(small(1, 4), small(1, 4), small(1, 3), fc.constantFrom<'same' | 'valid'>('same', 'valid'), small(4, 9), small(4, 9), (kh, kw, d, padding, h, w) => {
        const conv = new nn.Conv2d({ inChannels: 1, outChannels: 1, kernelSize: [kh, kw], padding, dilation: d });
        const expected = conv.outputShape([2, 1, h, w]);
        fc.pre(expected.every((n) => n >= 1));
        expect(conv.forward(zeros([2, 1, h, w])).shape).toEqual(expected);
        const valid = [[h, kh], [w, kw]].map(([n, k]) => nn.convOutputSize(n, { kernelSize: k, dilation: d }));
        expect(expected.slice(2)).toEqual(padding === 'same' ? [h, w] : valid);
      }),
      { numRuns: 40 },
    );
  });

  it('Conv2d rejects exactly the options conv2d rejects, with the same message', () => {
    const pairOrBad = fc.oneof(small(-1, 3), fc.tuple(small(-1, 3), small(-1, 3)), fc.constant(1.5));
    fc.assert(
      fc.property(pairOrBad, pairOrBad, fc.oneof(pairOrBad, fc.constantFrom('same', 'valid')), small(0, 2), (stride, dilation, padding, groups) => {
        const options = { stride, dilation, padding, groups } as never;
        const message = (f: () => unknown) => {
          try {
            f();
            return null;
          } catch (e) {
            return (e as Error).message;
          }
        };
        const layer = message(() => new nn.Conv2d({ inChannels: 2, outChannels: 2, kernelSize: 1, ...(options as object) }));
        const op = message(() => conv2d(zeros([1, 2, 4, 4]), zeros([2, 2 / (groups || 1), 1, 1]), null, options));
        if (op === null) expect(layer).toBeNull();
        else expect(layer).toBe(op.replace(/^conv2d/, 'Conv2d'));
      }),
      { numRuns: 200 },
    );
  });

  it('MaxPool2d and AvgPool2d (with ceil mode)', () => {
    fc.assert(
      fc.property(small(1, 4), small(1, 3), small(0, 2), fc.boolean(), small(2, 9), small(2, 9), (k, s, p, ceilMode, h, w) => {
        fc.pre(p <= Math.floor(k / 2));
        for (const pool of [new nn.MaxPool2d({ kernelSize: k, stride: s, padding: p, ceilMode }), new nn.AvgPool2d({ kernelSize: k, stride: s, padding: p, ceilMode })]) {
          const expected = pool.outputShape([1, 2, h, w]);
          if (!expected.every((n) => n >= 1)) continue;
          expect(pool.forward(zeros([1, 2, h, w])).shape).toEqual(expected);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("the CNN's computed MLP input size fits what its features produce", () => {
    fc.assert(
      fc.property(small(6, 20), small(1, 3), small(1, 2), small(1, 3), fc.constantFrom<'max' | 'avg'>('max', 'avg'), (size, convs, poolEvery, k, poolingType) => {
        let net: nn.CNN;
        try {
          net = new nn.CNN({ inSize: [2, size, size], outClasses: 3, channels: Array(convs).fill(2), poolEvery, hiddenDims: [4], convParams: { kernelSize: k, padding: 1 }, poolingType });
        } catch (e) {
          // a configuration too small for its input must say so
          expect((e as Error).message).toMatch(/^CNN: /);
          return;
        }
        expect(net.forward(zeros([1, 2, size, size])).shape).toEqual([1, 3]);
      }),
      { numRuns: 40 },
    );
  });
});
