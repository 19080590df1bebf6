// The models, layers and tensor-op forwards that ONNX export is checked on (export.test.ts, in
// onnxruntime) and that import reads back (import.test.ts, round trip).

import * as tg from '../../engine/index.js';
import * as nn from '../../nn/index.js';
import { randomValues } from '../helpers/values.js';

/** A tensor of index positions, f(i) at flat position i. */
const positions = (shape: number[], f: (i: number) => number) => new tg.Tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => f(i)), shape);

export const randomInput = (shape: readonly number[], seed: number, scale = 1) => new tg.Tensor(randomValues(shape.reduce((a, b) => a * b, 1), seed, scale), shape);

/** A model that is one layer (or a forward function of the tensor ops). */
export class Wrap extends nn.Module<tg.Tensor[], tg.Tensor> {
  constructor(
    readonly layer: nn.Module | null,
    readonly run: (...xs: tg.Tensor[]) => tg.Tensor = (x) => layer!.forward(x),
  ) {
    super();
  }
  forward(...xs: tg.Tensor[]): tg.Tensor {
    return this.run(...xs);
  }
}

/** [name, make the layer, input shape (default `image`)] */
export const image = [2, 4, 9, 11];
export const layerCases: Array<[string, () => nn.Module, number[]?]> = [
  ['Conv2d', () => new nn.Conv2d({ inChannels: 4, outChannels: 6, kernelSize: 3 })],
  ['Conv2d stride 2, padding [1, 2], no bias', () => new nn.Conv2d({ inChannels: 4, outChannels: 6, kernelSize: [3, 2], stride: 2, padding: [1, 2], bias: false })],
  ['Conv2d groups 2, dilation 2', () => new nn.Conv2d({ inChannels: 4, outChannels: 6, kernelSize: 3, groups: 2, dilation: 2, padding: 1 })],
  ['Conv2d depthwise', () => new nn.Conv2d({ inChannels: 4, outChannels: 8, kernelSize: 3, groups: 4 })],
  ["Conv2d padding 'same' (even kernel)", () => new nn.Conv2d({ inChannels: 4, outChannels: 3, kernelSize: 4, padding: 'same' })],
  ...(['reflect', 'replicate', 'circular'] as const).map((mode): [string, () => nn.Module] => [`Conv2d paddingMode '${mode}'`, () => new nn.Conv2d({ inChannels: 4, outChannels: 3, kernelSize: 3, padding: [2, 1], paddingMode: mode })]),
  ['BatchNorm2d (eval)', () => new nn.BatchNorm2d({ numFeatures: 4 })],
  ['BatchNorm2d affine false', () => new nn.BatchNorm2d({ numFeatures: 4, affine: false })],
  ['ReLU', () => new nn.ReLU()],
  ['LeakyReLU', () => new nn.LeakyReLU({ negativeSlope: 0.2 })],
  ['Tanh', () => new nn.Tanh()],
  ['Sigmoid', () => new nn.Sigmoid()],
  ['GELU', () => new nn.GELU()],
  ["GELU approximate 'tanh'", () => new nn.GELU({ approximate: 'tanh' })],
  ['MaxPool2d', () => new nn.MaxPool2d({ kernelSize: 2 })],
  ['MaxPool2d ceil mode', () => new nn.MaxPool2d({ kernelSize: 2, ceilMode: true })],
  ['MaxPool2d ceil mode, stride 2, padding 1', () => new nn.MaxPool2d({ kernelSize: 3, stride: 2, padding: 1, ceilMode: true })],
  ['MaxPool2d dilation 2', () => new nn.MaxPool2d({ kernelSize: 2, stride: 1, dilation: 2 })],
  ['AvgPool2d', () => new nn.AvgPool2d({ kernelSize: 3 })],
  ['AvgPool2d ceil mode', () => new nn.AvgPool2d({ kernelSize: 2, ceilMode: true })],
  ['AvgPool2d padding, countIncludePad false, ceil mode', () => new nn.AvgPool2d({ kernelSize: 3, stride: 2, padding: 1, countIncludePad: false, ceilMode: true })],
  ['AvgPool2d padding, countIncludePad true', () => new nn.AvgPool2d({ kernelSize: 3, stride: 2, padding: 1 })],
  ['AdaptiveAvgPool2d(1): GlobalAveragePool', () => new nn.AdaptiveAvgPool2d(1)],
  ['AdaptiveAvgPool2d([3, 4]), uneven windows', () => new nn.AdaptiveAvgPool2d([3, 4])],
  ['AdaptiveMaxPool2d([3, 1]), even windows', () => new nn.AdaptiveMaxPool2d([3, 1])],
  ['Flatten', () => new nn.Flatten()],
  ['Dropout (eval: dropped)', () => new nn.Dropout({ p: 0.5 })],
  ['Softmax', () => new nn.Softmax(1)],
  ['LogSoftmax', () => new nn.LogSoftmax(-1)],
  ['Linear on [N, in]', () => new nn.Linear({ inFeatures: 11, outFeatures: 5 }), [6, 11]],
  ['Linear on [N, C, in], no bias', () => new nn.Linear({ inFeatures: 11, outFeatures: 5, bias: false }), [2, 3, 11]],
  ['ConvTranspose2d', () => new nn.ConvTranspose2d({ inChannels: 4, outChannels: 3, kernelSize: 3 })],
  ['ConvTranspose2d stride 2, padding 1, outputPadding 1, groups 2, dilation 2', () => new nn.ConvTranspose2d({ inChannels: 4, outChannels: 6, kernelSize: [3, 2], stride: 2, padding: 1, outputPadding: 1, groups: 2, dilation: 2 })],
  ['LayerNorm over [9, 11]', () => new nn.LayerNorm({ normalizedShape: [9, 11] })],
  ['LayerNorm without affine', () => new nn.LayerNorm({ normalizedShape: 11, elementwiseAffine: false })],
  ['GroupNorm', () => new nn.GroupNorm({ numGroups: 2, numChannels: 4 })],
  ['InstanceNorm2d affine', () => new nn.InstanceNorm2d({ numFeatures: 4, affine: true })],
  ['InstanceNorm2d with running statistics (eval)', () => new nn.InstanceNorm2d({ numFeatures: 4, trackRunningStats: true })],
  ['LocalResponseNorm size 3', () => new nn.LocalResponseNorm({ size: 3 })],
  ['LocalResponseNorm size 2', () => new nn.LocalResponseNorm({ size: 2, alpha: 0.01, beta: 0.5, k: 2 })],
  ['ELU', () => new nn.ELU({ alpha: 0.7 })],
  ['SELU', () => new nn.SELU()],
  ['CELU', () => new nn.CELU({ alpha: 2 })],
  ['SiLU', () => new nn.SiLU()],
  ['Mish', () => new nn.Mish()],
  ['Hardswish', () => new nn.Hardswish()],
  ['Hardsigmoid', () => new nn.Hardsigmoid()],
  ['Softsign', () => new nn.Softsign()],
  ['Softmin', () => new nn.Softmin(1)],
  ['PReLU per channel', () => new nn.PReLU({ numParameters: 4 })],
  ["Upsample 'nearest' ×2", () => new nn.Upsample({ scaleFactor: 2 })],
  ["Upsample 'bilinear' to [5, 17]", () => new nn.Upsample({ size: [5, 17], mode: 'bilinear' })],
  ["Upsample 'bilinear' alignCorners", () => new nn.Upsample({ scaleFactor: 1.5, mode: 'bilinear', alignCorners: true })],
  ['Conv1d', () => new nn.Conv1d({ inChannels: 4, outChannels: 3, kernelSize: 3, stride: 2, padding: 1 }), [2, 4, 16]],
  ['MaxPool1d ceil mode', () => new nn.MaxPool1d({ kernelSize: 3, ceilMode: true }), [2, 4, 16]],
  ['AvgPool1d', () => new nn.AvgPool1d({ kernelSize: 2 }), [2, 4, 16]],
  ['Sequential', () => new nn.Sequential(new nn.Conv2d({ inChannels: 4, outChannels: 2, kernelSize: 1 }), new nn.Tanh(), new nn.Flatten(), new nn.Linear({ inFeatures: 2 * 9 * 11, outFeatures: 3 }))],
];
/** [name, forward, inputs] */
export const x = () => randomInput([2, 3, 4, 5], 21, 2);
const y = () => randomInput([3, 1, 5], 22, 2);
export const opCases: Array<[string, (...xs: tg.Tensor[]) => tg.Tensor, () => tg.Tensor[]]> = [
  ['add, sub, mul, div (broadcasting, scalars)', (a, b) => tg.div(tg.mul(tg.sub(tg.add(a, b), 0.5), b), tg.add(tg.abs(b), 1)), () => [x(), y()]],
  ['exp, log, sqrt, neg, pow, clamp, erf, softplus', (a) => tg.add(tg.neg(tg.sqrt(tg.exp(tg.clamp(a, -1, 1)))), tg.log(tg.add(tg.pow(a, 2), 1))).add(tg.erf(a)).add(tg.softplus(a)).add(tg.clamp(a, null, 0.3)), () => [x()]],
  ['maximum, minimum', (a, b) => tg.maximum(a, b).add(tg.minimum(a, 0)), () => [x(), y()]],
  ['matmul (batched, broadcast)', (a, b) => tg.matmul(a, b), () => [randomInput([2, 3, 4, 5], 1), randomInput([5, 6], 2)]],
  ['matmul of vectors and matrices', (a, b) => tg.matmul(tg.matmul(a, b), a.reshape(4, 1)).add(tg.matmul(a, a)), () => [randomInput([4], 1), randomInput([4, 4], 2)]],
  ['cat and stack', (a, b) => tg.cat([a, tg.mul(a, 2), b], 1).add(tg.stack([a, a], 0).sum(0).sum(1, true)), () => [randomInput([2, 3, 4], 1), randomInput([2, 1, 4], 2)]],
  ['mean and sum over dims, keepdim', (a) => tg.add(tg.mean(a, [1, 3], true), tg.sum(a, 2, true).mean(3, true)).add(tg.sum(a)), () => [x()]],
  ['max and min over dims', (a) => tg.max(a, 1).add(tg.min(a, [1, 2], false).unsqueeze(1)), () => [x()]],
  ['reshape, flatten, squeeze, unsqueeze, permute, transpose, expand', (a) => a.permute(0, 2, 3, 1).reshape(2, 20, 3).transpose(1, 2).unsqueeze(0).squeeze(0).flatten(1).expand(3, 2, 60), () => [x()]],
  ['slice and index', (a) => a.slice(1, 1, 3).slice(3, 0, 5, 2).index([1, 0, 1]).add(a.index(0).slice(0, -1).slice(2, 0, 5, 2)), () => [x()]],
  ...(['constant', 'reflect', 'replicate', 'circular'] as const).map((mode): [string, (a: tg.Tensor) => tg.Tensor, () => tg.Tensor[]] => [
    `pad '${mode}'`,
    (a) => tg.pad(a, [1, 2, 2, 0], { mode, value: 0.5 }),
    () => [x()],
  ]),
  ['pad constant with negative padding (a crop)', (a) => tg.pad(a, [-1, 2]), () => [x()]],
  ['comparisons and where', (a, b) => tg.where(tg.gt(a, b), a, tg.mul(b, 2)).add(tg.le(a, 0.5)).add(tg.eq(tg.ge(a, 0), tg.lt(b, 0))).add(tg.ne(a, b)), () => [x(), y()]],
  ['flip, roll, split, chunk', (a) => tg.flip(a, [1, 3]).add(tg.roll(a, [1, -2], [2, 3])).add(tg.cat(tg.split(a, [1, 2], 1).reverse(), 1)).add(tg.chunk(a, 2, 3)[1].sum(3, true)), () => [x()]],
  ['gather along dim 2', (a) => tg.gather(a, 2, tg.tensor([[[[0, 3, 1, 1, 2]], [[3, 3, 0, 0, 1]], [[2, 1, 0, 3, 3]]], [[[1, 1, 1, 1, 1]], [[0, 0, 0, 0, 0]], [[3, 2, 1, 0, 3]]]])), () => [x()]],
  ['argmax, argmin, maxWithIndices, minWithIndices', (a) => tg.argmax(a, 1).add(tg.argmin(a, 1, true).sum(1)).add(a.maxWithIndices(1).values).add(a.minWithIndices(1, true).indices.sum(1)).add(tg.argmax(a, 3, true).sum(1)).add(tg.argmax(a)).add(tg.argmin(a, undefined, true)), () => [x()]],
  ['einsum', (a, b) => tg.einsum('bij,bjk->bik', a, b).add(tg.einsum('ij->ji', tg.einsum('bij->ij', a)).sum()).add(tg.einsum('ii->i', b.index(0).slice(0, 0, 3))), () => [randomInput([2, 3, 4], 1), randomInput([2, 4, 3], 2)]],
  ['repeat and tile, view', (a) => a.repeat(2, 1, 1, 2).add(a.tile([2, 1, 1, 2])).view(4, -1), () => [x()]],
  ['embedding of ids given as an input', (ids, w) => tg.embedding(ids, w).mul(2), () => [tg.tensor([[0, 3], [2, 2], [1, 0]]), randomInput([4, 5], 3)]],
  ['scatterAdd (repeated positions, src larger than index) and scatter', (a) => tg.scatterAdd(a, 1, positions([2, 2, 4, 5], (i) => (i * 7) % 3), a).add(tg.scatter(a, 3, positions([2, 3, 4, 2], (i) => (i % 2 === 0 ? (i >> 1) % 5 : ((i >> 1) + 2) % 5)), tg.mul(a, 2))), () => [x()]],
  ['cumsum', (a) => tg.cumsum(a, 2).add(tg.cumsum(a, 0)).add(tg.cumsum(a, -1)), () => [x()]],
  ['sort, argsort, topk (NaN-free data)', (a) => tg.cat([tg.sort(a, 3).values, tg.sort(a, 1, true).indices, tg.argsort(a, 2), tg.topk(a, 2, 3).values, tg.topk(a, 3, 3, false).indices], 3), () => [x()]],
  ['softmax and logSoftmax', (a) => tg.softmax(a, 1).add(tg.logSoftmax(a, 3)), () => [x()]],
  ['a model of 2 inputs', (a, b) => tg.add(a, b), () => [x(), y()]],
  ['the input itself', (a) => a, () => [x()]],
];
