// Transform classes: the random ones as properties (shape kept, values in range, p = 0 is the identity,
// p = 1 always applies, a seed replays), the deterministic ones against their functional forms, and the
// dog-breed lab's pipeline end to end.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Generator, Tensor } from '../../engine/index.js';
import { functional as F, transforms as T } from '../../data/index.js';

const image = (g: Generator, c: number, h: number, w: number) => new Tensor(Float32Array.from({ length: c * h * w }, () => g.uniform()), [c, h, w]);
const same = (a: Tensor, b: Tensor) => a.shape.join() === b.shape.join() && a.data.every((v, i) => v === b.data[i]);

type Make = (gen: Generator, p?: number) => T.Transform;
const random: Record<string, { make: Make; hasP: boolean; keepsShape: boolean }> = {
  RandomHorizontalFlip: { make: (generator, p = 0.5) => new T.RandomHorizontalFlip({ p, generator }), hasP: true, keepsShape: true },
  RandomVerticalFlip: { make: (generator, p = 0.5) => new T.RandomVerticalFlip({ p, generator }), hasP: true, keepsShape: true },
  RandomPerspective: { make: (generator, p = 0.5) => new T.RandomPerspective({ p, generator, distortionScale: 0.6 }), hasP: true, keepsShape: true },
  RandomErasing: { make: (generator, p = 0.5) => new T.RandomErasing({ p, generator, value: 0.5 }), hasP: true, keepsShape: true },
  RandomGrayscale: { make: (generator, p = 0.5) => new T.RandomGrayscale({ p, generator }), hasP: true, keepsShape: true },
  RandomRotation: { make: (generator) => new T.RandomRotation({ degrees: 30, generator }), hasP: false, keepsShape: true },
  RandomAffine: { make: (generator) => new T.RandomAffine({ degrees: 20, translate: [0.2, 0.2], scale: [0.8, 1.2], shear: 10, fillMode: 'reflect', generator }), hasP: false, keepsShape: true },
  ColorJitter: { make: (generator) => new T.ColorJitter({ brightness: 0.5, contrast: 0.5, saturation: 0.5, hue: 0.2, generator }), hasP: false, keepsShape: true },
  RandomCrop: { make: (generator) => new T.RandomCrop({ size: 5, padding: 2, paddingMode: 'reflect', generator }), hasP: false, keepsShape: false },
};

describe('random transforms', () => {
  const imgArb = fc.record({ seed: fc.integer(), h: fc.integer({ min: 5, max: 12 }), w: fc.integer({ min: 5, max: 12 }) });

  for (const [name, { make, hasP, keepsShape }] of Object.entries(random)) {
    it(`${name}: shape kept, values in [0, 1], same seed → same output`, () => {
      fc.assert(
        fc.property(imgArb, ({ seed, h, w }) => {
          const img = image(new Generator(seed), 3, h, w);
          const out = make(new Generator(seed + 1)).apply(img);
          expect(out.shape).toEqual(keepsShape ? [3, h, w] : [3, 5, 5]);
          for (const v of out.data) expect(v >= 0 && v <= 1).toBe(true);
          expect(same(make(new Generator(seed + 1)).apply(img), out)).toBe(true);
          expect(same(img, image(new Generator(seed), 3, h, w))).toBe(true); // input untouched
        }),
        { numRuns: 25 },
      );
    });
    if (hasP) {
      it(`${name}: p = 0 is the identity, p = 1 always applies`, () => {
        fc.assert(
          fc.property(imgArb, ({ seed, h, w }) => {
            const img = image(new Generator(seed), 3, h, w);
            expect(same(make(new Generator(seed), 0).apply(img), img)).toBe(true);
            expect(same(make(new Generator(seed), 1).apply(img), img)).toBe(false);
          }),
          { numRuns: 25 },
        );
      });
    }
  }

  it('draws from the generator, so saving its state replays the augmentations', () => {
    const g = new Generator(5);
    const t = new T.Compose([new T.RandomRotation({ degrees: 45, generator: g }), new T.ColorJitter({ brightness: 0.4, hue: 0.1, generator: g })]);
    const img = image(new Generator(1), 3, 8, 8);
    const state = g.getState();
    const a = t.apply(img);
    const b = t.apply(img);
    expect(same(a, b)).toBe(false);
    g.setState(state);
    expect(same(t.apply(img), a)).toBe(true);
  });

  it('RandomCrop with padIfNeeded grows small images; without it fails naming the sizes', () => {
    const img = image(new Generator(2), 3, 4, 6);
    expect(new T.RandomCrop({ size: [6, 8], padIfNeeded: true, generator: new Generator(1) }).apply(img).shape).toEqual([3, 6, 8]);
    expect(() => new T.RandomCrop({ size: 8 }).apply(img)).toThrow(/RandomCrop: crop size 8x8 is larger than the \(padded\) image 4x6/);
  });

  it('RandomAffine and RandomRotation fill modes follow Keras: nearest, reflect, wrap', () => {
    // shifting a 1x1x4 row right by 2 pixels pulls 2 pixels in from the left
    const row = new Tensor(Float32Array.of(0.1, 0.2, 0.3, 0.4), [1, 1, 4]);
    const shift = (fillMode: F.FillMode) => Array.from(F.affine(row, { translate: [2, 0] }, { fillMode, fill: 0.9 }).data).map((v) => +v.toFixed(3));
    expect(shift('constant')).toEqual([0.9, 0.9, 0.1, 0.2]);
    expect(shift('nearest')).toEqual([0.1, 0.1, 0.1, 0.2]);
    expect(shift('reflect')).toEqual([0.2, 0.1, 0.1, 0.2]); // scipy/Keras reflect: edge repeated
    expect(shift('wrap')).toEqual([0.3, 0.4, 0.1, 0.2]);
  });

  it('adjustColors (ColorJitter in one image) equals adjustBrightness … adjustHue applied one by one, bit for bit, in any order', () => {
    const ops = { brightness: F.adjustBrightness, contrast: F.adjustContrast, saturation: F.adjustSaturation, hue: F.adjustHue } as const;
    const names = Object.keys(ops) as (keyof typeof ops)[];
    fc.assert(
      fc.property(fc.shuffledSubarray(names), fc.integer({ min: 1, max: 1000 }), fc.constantFrom(1, 3), (order, seed, c) => {
        const g = new Generator(seed);
        // a batch of two, with values below 0 and above 1 to clamp
        const img = new Tensor(Float32Array.from({ length: 2 * c * 5 * 6 }, () => g.uniform() * 1.4 - 0.2), [2, c, 5, 6]);
        const steps = order.map((op) => ({ op, factor: op === 'hue' ? g.uniform() - 0.5 : g.uniform() * 2 }));
        const chained = steps.reduce((x, s) => ops[s.op](x, s.factor), img);
        expect(same(F.adjustColors(img, steps), chained)).toBe(true);
      }),
      { numRuns: 60 },
    );
    expect(() => F.adjustColors(image(new Generator(1), 4, 2, 2), [{ op: 'brightness', factor: 2 }, { op: 'hue', factor: 0.1 }])).toThrow('adjustHue: expected an RGB image with 3 channels, got 4');
    expect(() => F.adjustColors(image(new Generator(1), 3, 2, 2), [{ op: 'gamma' as never, factor: 2 }])).toThrow("adjustColors: unknown adjustment 'gamma' (brightness, contrast, saturation or hue)");
  });

  it('ColorJitter with degenerate ranges equals the functional adjustments', () => {
    const img = image(new Generator(3), 3, 6, 7);
    const out = new T.ColorJitter({ brightness: [1.3, 1.3], generator: new Generator(0) }).apply(img);
    expect(same(out, F.adjustBrightness(img, 1.3))).toBe(true);
    expect(() => new T.ColorJitter({ hue: 0.7 })).toThrow(/hue must lie in \[-0.5, 0.5\]/);
    expect(() => new T.ColorJitter({ brightness: -1 })).toThrow(/brightness as a single number must be non-negative/);
  });

  it('RandomAffine / RandomRotation with fixed ranges equal the functional ops (the parameters reach them unchanged)', () => {
    const img = image(new Generator(7), 3, 9, 11);
    const affineOut = new T.RandomAffine({ degrees: [20, 20], scale: [1.2, 1.2], shear: [10, 10, 5, 5], interpolation: 'bilinear', generator: new Generator(0) }).apply(img);
    expect(same(affineOut, F.affine(img, { angle: 20, scale: 1.2, shear: [10, 5] }, { interpolation: 'bilinear', fill: 0 }))).toBe(true);
    const rotOut = new T.RandomRotation({ degrees: [33, 33], fill: [0.2, 0.4, 0.6], generator: new Generator(0) }).apply(img);
    expect(same(rotOut, F.rotate(img, 33, { fill: [0.2, 0.4, 0.6] }))).toBe(true);
  });

  it('RandomPerspective leaves an image unchanged when the drawn corners admit no perspective map', () => {
    // seed 15 on a 5x8 image draws end points [[2,1],[6,0],[6,3],[0,3]]: a rank-7 system (torchvision raises)
    const img = image(new Generator(1), 3, 5, 8);
    const out = new T.RandomPerspective({ p: 1, distortionScale: 0.6, generator: new Generator(15) }).apply(img);
    expect(same(out, img)).toBe(true);
    expect(() => F.perspective(img, [[0, 0], [7, 0], [7, 4], [0, 4]], [[2, 1], [6, 0], [6, 3], [0, 3]])).toThrow(/perspective: the points are degenerate/);
  });

  it('RandomPerspective moves each corner inwards by at most distortionScale of half the side, as torchvision', () => {
    const g = new Generator(11);
    for (let k = 0; k < 200; k++) {
      const { startPoints, endPoints } = T.RandomPerspective.getParams(21, 14, 0.5, g);
      expect(startPoints).toEqual([[0, 0], [20, 0], [20, 13], [0, 13]]);
      const [tl, tr, br, bl] = endPoints;
      for (const [x, y] of [tl, bl]) expect(x >= 0 && x <= 5).toBe(true);
      for (const [x] of [tr, br]) expect(x >= 21 - 5 - 1 && x <= 20).toBe(true);
      for (const [, y] of [tl, tr]) expect(y >= 0 && y <= 3).toBe(true);
      for (const [, y] of [bl, br]) expect(y >= 14 - 3 - 1 && y <= 13).toBe(true);
    }
  });

  it('a batch [N, C, H, W] gets one draw for all its images', () => {
    const img = image(new Generator(4), 3, 6, 6);
    const batch = new Tensor(Float32Array.from([...img.data, ...img.data]), [2, 3, 6, 6]);
    const out = new T.RandomRotation({ degrees: 90, generator: new Generator(9) }).apply(batch);
    expect(out.shape).toEqual([2, 3, 6, 6]);
    expect(Array.from(out.data.subarray(0, 108))).toEqual(Array.from(out.data.subarray(108)));
  });
});

describe('deterministic transforms', () => {
  it('classes equal their functional forms', () => {
    const img = image(new Generator(6), 3, 9, 12);
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    expect(same(new T.Normalize({ mean, std }).apply(img), F.normalize(img, mean, std))).toBe(true);
    expect(new T.Resize({ size: 6 }).apply(img).shape).toEqual([3, 6, 8]);
    expect(new T.Resize({ size: [4, 5] }).apply(img).shape).toEqual([3, 4, 5]);
    expect(new T.CenterCrop({ size: 5 }).apply(img).shape).toEqual([3, 5, 5]);
    expect(new T.Pad({ padding: [1, 2], paddingMode: 'edge' }).apply(img).shape).toEqual([3, 13, 14]);
    expect(new T.Grayscale({ numOutputChannels: 3 }).apply(img).shape).toEqual([3, 9, 12]);
    expect(new T.Grayscale().apply(img).shape).toEqual([1, 9, 12]);
  });

  it('ResizeToSquare pads the short side symmetrically with 0, then resizes', () => {
    const img = new Tensor(new Float32Array(2 * 4).fill(1), [1, 2, 4]);
    const sq = F.resizeToSquare(img, 4);
    expect(sq.shape).toEqual([1, 4, 4]);
    expect(Array.from(sq.data)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0]);
    expect(new T.ResizeToSquare({ size: 8 }).apply(image(new Generator(1), 3, 5, 9)).shape).toEqual([3, 8, 8]);
  });

  it('ToTensor takes HWC pixels (RGBA, RGB, grey) and passes tensors through', () => {
    const rgba = { data: Uint8Array.of(255, 0, 51, 255, 0, 255, 102, 0), width: 2, height: 1 };
    const t = new T.ToTensor().apply(rgba);
    expect(t.shape).toEqual([4, 1, 2]);
    expect(Array.from(t.data)).toEqual([1, 0, 0, 1, 0.2, 0.4, 1, 0].map(Math.fround));
    expect(new T.ToTensor().apply(t)).toBe(t);
    expect(() => F.toTensor({ data: new Uint8Array(5), width: 2, height: 1 })).toThrow(/toTensor: 5 bytes do not make a 2x1 image/);
  });

  it('bad input gets the transform, the expectation and what came', () => {
    expect(() => F.resize(new Tensor(new Float32Array(4), [2, 2]), 3)).toThrow(/resize: expected an image tensor \[C, H, W\].*got shape \[2,2\]/);
    expect(() => F.normalize(image(new Generator(1), 3, 2, 2), [0.5, 0.5], [1, 1, 1])).toThrow(/normalize: mean needs 1 or 3 numbers/);
    expect(() => F.normalize(image(new Generator(1), 3, 2, 2), 0, 0)).toThrow(/std must not contain 0/);
    expect(() => F.pad(image(new Generator(1), 1, 2, 2), 2, { mode: 'reflect' })).toThrow(/reflect padding must be smaller than the image side/);
    expect(() => F.adjustHue(image(new Generator(1), 3, 2, 2), 0.8)).toThrow(/adjustHue: factor must be in \[-0.5, 0.5\], got 0.8/);
    expect(() => new T.Compose([new T.ToTensor(), {} as T.Transform])).toThrow(/Compose: item 1 is not a transform/);
    expect(() => new T.RandomRotation({} as never)).toThrow(/RandomRotation: degrees/);
    expect(() => new T.Resize({ size: [0, 3] })).toThrow(/Resize: size must be a positive integer or \[height, width\], got \[0,3\]/);
    expect(() => new T.CenterCrop({ size: 2.5 })).toThrow(/CenterCrop: size must be a positive integer/);
    expect(() => new T.Pad({ padding: [1, 2, 3] as never })).toThrow(/Pad: padding must be .* got \[1,2,3\]/);
    expect(() => F.perspective(image(new Generator(1), 1, 4, 4), [[0, 0], [1, 1], [2, 2], [3, 3]], [[0, 0], [1, 1], [2, 2], [3, 3]])).toThrow(/degenerate/);
  });

  it('the dog-breed lab pipeline: augment, square, normalise, batch', () => {
    const g = new Generator(0);
    const train = new T.Compose([
      new T.ToTensor(),
      new T.RandomHorizontalFlip({ generator: g }),
      new T.RandomRotation({ degrees: 30, generator: g }),
      new T.ColorJitter({ brightness: 0.5, saturation: 0.5, contrast: 0.5, hue: 0.2, generator: g }),
      new T.RandomPerspective({ generator: g }),
      new T.ResizeToSquare({ size: 16 }),
      new T.Normalize({ mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] }),
    ]);
    const pixels = { data: Uint8Array.from({ length: 20 * 30 * 3 }, (_, i) => (i * 37) % 256), width: 30, height: 20, channels: 3 };
    const out = train.apply(pixels);
    expect(out.shape).toEqual([3, 16, 16]);
    expect(out.data.every(Number.isFinite)).toBe(true);
  });
});
