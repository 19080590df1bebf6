// torchvision's positional constructor forms for the transforms: each gives the same output as the
// options-object form on a fixed image under a fixed seed, leaving an argument out gives torchvision's
// default, and unknown keys, too many or mistyped positional arguments throw, naming the transform.

import { describe, expect, it } from 'vitest';
import { Generator, Tensor, manualSeed } from '../../engine/index.js';
import { functional as F, transforms as T } from '../../data/index.js';

const image = (c: number, h: number, w: number, seed = 1) => {
  const g = new Generator(seed);
  return new Tensor(Float32Array.from({ length: c * h * w }, () => g.uniform()), [c, h, w]);
};

/** Both transforms, run three times each from the same seed, give the same tensors. */
function expectSameTransform(positional: () => T.Transform, options: () => T.Transform, img = image(3, 12, 16)): void {
  const run = (make: () => T.Transform) => {
    manualSeed(11);
    const t = make();
    return [0, 1, 2].map(() => t.apply(img));
  };
  const a = run(positional);
  const b = run(options);
  a.forEach((x, i) => {
    expect(x.shape).toEqual(b[i].shape);
    expect(Array.from(x.data)).toEqual(Array.from(b[i].data));
  });
}

describe('transforms: the positional forms a torchvision user writes', () => {
  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];
  const cases: [string, () => T.Transform, () => T.Transform][] = [
    ['Resize(8)', () => new T.Resize(8), () => new T.Resize({ size: 8 })],
    ['Resize([8, 8])', () => new T.Resize([8, 8]), () => new T.Resize({ size: [8, 8] })],
    ["Resize(8, 'nearest', 10)", () => new T.Resize(8, 'nearest', 10), () => new T.Resize({ size: 8, interpolation: 'nearest', maxSize: 10 })],
    ['CenterCrop(8)', () => new T.CenterCrop(8), () => new T.CenterCrop({ size: 8 })],
    ['CenterCrop([6, 10])', () => new T.CenterCrop([6, 10]), () => new T.CenterCrop({ size: [6, 10] })],
    ['Normalize(mean, std)', () => new T.Normalize(mean, std), () => new T.Normalize({ mean, std })],
    ['Pad(4)', () => new T.Pad(4), () => new T.Pad({ padding: 4 })],
    ["Pad([1, 2], 0.5, 'constant')", () => new T.Pad([1, 2], 0.5, 'constant'), () => new T.Pad({ padding: [1, 2], fill: 0.5, paddingMode: 'constant' })],
    ["Pad(2, 0, 'reflect')", () => new T.Pad(2, 0, 'reflect'), () => new T.Pad({ padding: 2, paddingMode: 'reflect' })],
    ['Grayscale(3)', () => new T.Grayscale(3), () => new T.Grayscale({ numOutputChannels: 3 })],
    ['ResizeToSquare(10, 0.5)', () => new T.ResizeToSquare(10, 0.5), () => new T.ResizeToSquare({ size: 10, fill: 0.5 })],
    ['RandomCrop(8)', () => new T.RandomCrop(8), () => new T.RandomCrop({ size: 8 })],
    ['RandomCrop(12, { padding: 4 })', () => new T.RandomCrop(12, { padding: 4 }), () => new T.RandomCrop({ size: 12, padding: 4 })],
    ["RandomCrop(14, 2, true, 0.3, 'edge')", () => new T.RandomCrop(14, 2, true, 0.3, 'edge'), () => new T.RandomCrop({ size: 14, padding: 2, padIfNeeded: true, fill: 0.3, paddingMode: 'edge' })],
    ['RandomCrop(20, null, true)', () => new T.RandomCrop(20, null, true), () => new T.RandomCrop({ size: 20, padIfNeeded: true })],
    ['RandomResizedCrop(8)', () => new T.RandomResizedCrop(8), () => new T.RandomResizedCrop({ size: 8 })],
    [
      "RandomResizedCrop([6, 9], [0.5, 1], [0.5, 2], 'nearest')",
      () => new T.RandomResizedCrop([6, 9], [0.5, 1], [0.5, 2], 'nearest'),
      () => new T.RandomResizedCrop({ size: [6, 9], scale: [0.5, 1], ratio: [0.5, 2], interpolation: 'nearest' }),
    ],
    ['RandomHorizontalFlip(0.5)', () => new T.RandomHorizontalFlip(0.5), () => new T.RandomHorizontalFlip({ p: 0.5 })],
    ['RandomVerticalFlip(0.7)', () => new T.RandomVerticalFlip(0.7), () => new T.RandomVerticalFlip({ p: 0.7 })],
    ['RandomGrayscale(0.5)', () => new T.RandomGrayscale(0.5), () => new T.RandomGrayscale({ p: 0.5 })],
    ['RandomRotation(30)', () => new T.RandomRotation(30), () => new T.RandomRotation({ degrees: 30 })],
    [
      "RandomRotation([-10, 20], 'bilinear', false, null, 0.5)",
      () => new T.RandomRotation([-10, 20], 'bilinear', false, null, 0.5),
      () => new T.RandomRotation({ degrees: [-10, 20], interpolation: 'bilinear', fill: 0.5 }),
    ],
    ['RandomAffine(10, { translate })', () => new T.RandomAffine(10, { translate: [0.1, 0.2] }), () => new T.RandomAffine({ degrees: 10, translate: [0.1, 0.2] })],
    [
      'RandomAffine(10, [0.1, 0.1], [0.9, 1.1], 5)',
      () => new T.RandomAffine(10, [0.1, 0.1], [0.9, 1.1], 5),
      () => new T.RandomAffine({ degrees: 10, translate: [0.1, 0.1], scale: [0.9, 1.1], shear: 5 }),
    ],
    [
      "RandomAffine(0, null, [0.8, 1.2], null, 'bilinear', 0.2)",
      () => new T.RandomAffine(0, null, [0.8, 1.2], null, 'bilinear', 0.2),
      () => new T.RandomAffine({ degrees: 0, scale: [0.8, 1.2], interpolation: 'bilinear', fill: 0.2 }),
    ],
    ['RandomPerspective(0.6, 0.9)', () => new T.RandomPerspective(0.6, 0.9), () => new T.RandomPerspective({ distortionScale: 0.6, p: 0.9 })],
    ['ColorJitter(0.5, 0.5, 0.5, 0.2)', () => new T.ColorJitter(0.5, 0.5, 0.5, 0.2), () => new T.ColorJitter({ brightness: 0.5, contrast: 0.5, saturation: 0.5, hue: 0.2 })],
    ['ColorJitter(0.4, { hue: 0.1 })', () => new T.ColorJitter(0.4, { hue: 0.1 }), () => new T.ColorJitter({ brightness: 0.4, hue: 0.1 })],
    ['RandomErasing()', () => new T.RandomErasing(), () => new T.RandomErasing({})],
    [
      "RandomErasing(0.9, [0.1, 0.3], [0.5, 2], 'random')",
      () => new T.RandomErasing(0.9, [0.1, 0.3], [0.5, 2], 'random'),
      () => new T.RandomErasing({ p: 0.9, scale: [0.1, 0.3], ratio: [0.5, 2], value: 'random' }),
    ],
    ['RandomErasing(1, { value: 0.5 })', () => new T.RandomErasing(1, { value: 0.5 }), () => new T.RandomErasing({ p: 1, value: 0.5 })],
  ];
  for (const [name, positional, options] of cases) it(name, () => expectSameTransform(positional, options));

  it('a generator in the trailing options works beside positional arguments', () => {
    const img = image(3, 10, 10);
    const a = new T.RandomCrop(6, 2, { generator: new Generator(4) });
    const b = new T.RandomCrop({ size: 6, padding: 2, generator: new Generator(4) });
    expect(Array.from(a.apply(img).data)).toEqual(Array.from(b.apply(img).data));
  });
});

describe("torchvision's meanings and defaults", () => {
  it('Resize(int) makes the shorter side that size keeping the aspect ratio (floor), as torchvision 0.14', () => {
    expect(new T.Resize(224).apply(image(3, 100, 50)).shape).toEqual([3, 448, 224]);
    expect(new T.Resize(224).apply(image(1, 300, 400)).shape).toEqual([1, 224, 298]); // int(224 * 400 / 300) = 298
    expect(new T.Resize(6, undefined, 8).apply(image(1, 4, 12)).shape).toEqual([1, 2, 8]); // maxSize caps the longer side
    expect(new T.Resize([224, 224]).apply(image(3, 100, 50)).shape).toEqual([3, 224, 224]);
    const img = image(3, 9, 13);
    expect(Array.from(new T.Resize(5).apply(img).data)).toEqual(Array.from(F.resize(img, 5).data));
    expect(() => new T.Resize(224, 'bilinear', null, true)).toThrow(/Resize: antialias true is not supported/);
    expect(new T.Resize(8, 'bilinear', null, false).options).toEqual({ size: 8, interpolation: 'bilinear' });
  });

  it('RandomResizedCrop: size, the default scale and ratio, and a whole-image crop when they allow only that', () => {
    const t = new T.RandomResizedCrop(224);
    expect([t.size, t.scale, t.ratio]).toEqual([[224, 224], [0.08, 1], [3 / 4, 4 / 3]]);
    expect(t.apply(image(3, 40, 50)).shape).toEqual([3, 224, 224]);
    const img = image(3, 12, 12);
    expect(Array.from(new T.RandomResizedCrop(6, [1, 1], [1, 1]).apply(img).data)).toEqual(Array.from(F.resize(img, [6, 6]).data));
    // 10 misses (no crop fits a 4:1 ratio in a square), then torchvision's fallback: the centred crop at the nearest allowed ratio
    expect(T.RandomResizedCrop.getParams(12, 12, [1, 1], [4, 4], new Generator(0))).toEqual([4, 0, 3, 12]);
    expect(() => new T.RandomResizedCrop(8, [0.5, 0.1])).toThrow(/RandomResizedCrop: scale must be \[min, max\]/);
  });

  it("ColorJitter: a factor of 0 (or [1, 1]; hue 0) is torchvision's None: no change and no random draw", () => {
    const j = new T.ColorJitter(0.5, 0, 0.5);
    expect([j.brightness, j.contrast, j.saturation, j.hue]).toEqual([[0.5, 1.5], null, [0.5, 1.5], null]);
    expect(new T.ColorJitter({ contrast: [1, 1], hue: [0, 0] }).contrast).toBeNull();
    expectSameTransform(() => new T.ColorJitter(0.5, 0, 0.5, 0), () => new T.ColorJitter({ brightness: 0.5, saturation: 0.5 }));
  });

  it('defaults when an argument is left out', () => {
    expect(new T.RandomHorizontalFlip().p).toBe(0.5);
    expect(new T.RandomVerticalFlip().p).toBe(0.5);
    expect(new T.RandomGrayscale().p).toBe(0.1);
    expect(new T.RandomErasing().p).toBe(0.5);
    const rp = new T.RandomPerspective();
    expect([rp.distortionScale, rp.p]).toEqual([0.5, 0.5]);
    expect(new T.RandomRotation(30).degrees).toEqual([-30, 30]);
    expect(new T.RandomAffine(10).degrees).toEqual([-10, 10]);
    expect(new T.RandomCrop(32).size).toEqual([32, 32]);
  });

  it('the reported case: Resize(224) (it was "size is not iterable")', () => {
    expect(new T.Resize(224).options.size).toBe(224);
  });
});

describe('errors name the transform and the parameter', () => {
  const cases: [() => unknown, string | RegExp][] = [
    [() => new T.Resize(224, { max_size: 300 } as never), "Resize: unknown option 'max_size' (did you mean 'maxSize'?)"],
    [() => new T.RandomCrop(32, { pad_if_needed: true } as never), "RandomCrop: unknown option 'pad_if_needed' (did you mean 'padIfNeeded'?)"],
    [() => new T.RandomCrop(32, { paddding: 4 } as never), "RandomCrop: unknown option 'paddding' (did you mean 'padding'?)"],
    [() => new T.Pad(4, { padding_mode: 'reflect' } as never), "Pad: unknown option 'padding_mode' (did you mean 'paddingMode'?)"],
    [() => new T.RandomPerspective({ distortion_scale: 0.2 } as never), "RandomPerspective: unknown option 'distortion_scale' (did you mean 'distortionScale'?)"],
    [() => new T.Grayscale({ num_output_channels: 3 } as never), "Grayscale: unknown option 'num_output_channels' (did you mean 'numOutputChannels'?)"],
    [() => new T.ColorJitter({ brightnes: 0.2 } as never), "ColorJitter: unknown option 'brightnes' (did you mean 'brightness'?)"],
    [() => new T.RandomRotation(30, { fill_mode: 'nearest' } as never), "RandomRotation: unknown option 'fill_mode' (did you mean 'fillMode'?)"],
    [() => new T.RandomResizedCrop(224, { scales: [0.5, 1] } as never), "RandomResizedCrop: unknown option 'scales' (did you mean 'scale'?)"],
    [() => new (T.RandomHorizontalFlip as new (...a: unknown[]) => unknown)(0.5, 1), /^RandomHorizontalFlip: takes at most 1 positional argument \(p\), got 2/],
    [() => new (T.ToTensor as new (...a: unknown[]) => unknown)(1), /^ToTensor: takes no positional arguments, got 1/],
    [() => new (T.RandomAffine as new (...a: unknown[]) => unknown)(10, null, null, null, 'nearest', 0, [1, 1]), /^RandomAffine: takes at most 6 positional arguments/],
    [() => new T.Resize('224' as never), /^Resize: argument 1 \(size\) must be an integer or an array, got the string "224"/],
    [() => new T.Normalize(0.5 as never, [0.2]), /^Normalize: argument 1 \(mean\) must be an array, got number 0.5/],
    [() => new T.RandomHorizontalFlip('0.5' as never), /^RandomHorizontalFlip: argument 1 \(p\) must be a number/],
    [() => new T.RandomRotation(30, 'nearest', true as never), /^RandomRotation: expand true is not supported/],
    [() => new T.RandomAffine(10, { center: [1, 2] } as never), /^RandomAffine: center \[1,2\] is not supported/],
    [() => new T.RandomErasing(0.5, undefined, undefined, 'noise' as never), /^RandomErasing: value as a string must be 'random'/],
    [() => new T.Grayscale(2 as never), /^Grayscale: numOutputChannels must be 1 or 3/],
  ];
  for (const [make, message] of cases) it(String(message), () => expect(make).toThrow(message));
});
