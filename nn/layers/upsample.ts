// Upsample (and PyTorch's UpsamplingNearest2d / UpsamplingBilinear2d): a layer over tg.interpolate.

import { Tensor, interpolate, parseArgs, type InterpolateMode, type PyArgs } from '../../engine/index.js';
import { Module } from '../module.js';
import { checkTensor, py, pyFloat } from './util.js';

export interface UpsampleOptions {
  size?: number | readonly number[] | null;
  scaleFactor?: number | readonly number[] | null;
  mode?: InterpolateMode;
  alignCorners?: boolean | null;
  recomputeScaleFactor?: boolean | null;
}

/** PyTorch's order: size, scale_factor, mode, align_corners, recompute_scale_factor. */
export type UpsampleArgs = PyArgs<
  [],
  [size: number | readonly number[] | null | undefined, scaleFactor: number | readonly number[] | null | undefined, mode: InterpolateMode | undefined, alignCorners: boolean | null | undefined, recomputeScaleFactor: boolean | null | undefined],
  UpsampleOptions
>;

export class Upsample extends Module {
  readonly size: number | readonly number[] | null;
  readonly scaleFactor: number | readonly number[] | null;
  readonly mode: InterpolateMode;
  readonly alignCorners: boolean | null;
  readonly recomputeScaleFactor: boolean | null;

  constructor(...args: UpsampleArgs) {
    super();
    const o = parseArgs(new.target.name, args, { size: 'integer|array|null', scaleFactor: 'number|array|null', mode: 'string', alignCorners: 'boolean|null', recomputeScaleFactor: 'boolean|null' }) as UpsampleOptions;
    this.size = o.size ?? null;
    this.scaleFactor = o.scaleFactor ?? null;
    this.mode = o.mode ?? 'nearest';
    this.alignCorners = o.alignCorners ?? null;
    this.recomputeScaleFactor = o.recomputeScaleFactor ?? null;
  }

  forward(x: Tensor): Tensor {
    checkTensor(this.constructor.name, x);
    return interpolate(x, { size: this.size, scaleFactor: this.scaleFactor, mode: this.mode, alignCorners: this.alignCorners, recomputeScaleFactor: this.recomputeScaleFactor });
  }

  /** [N, C, ...spatial] → the resized shape. */
  outputShape(input: readonly number[]): number[] {
    const spatial = input.slice(2);
    const each = <T>(v: T | readonly T[]) => (Array.isArray(v) ? (v as T[]) : spatial.map(() => v as T));
    const sizes = this.size !== null ? each(this.size) : each(this.scaleFactor!).map((f, i) => Math.floor(spatial[i] * f));
    return [...input.slice(0, 2), ...sizes];
  }

  // PyTorch keeps the scale factor as a float: scale_factor=2.0
  override extraRepr(): string {
    const f = this.scaleFactor;
    const info = f !== null ? `scale_factor=${Array.isArray(f) ? `(${f.map(pyFloat).join(', ')})` : pyFloat(f as number)}` : `size=${py(this.size)}`;
    return `${info}, mode=${this.mode}`; // the mode unquoted, as PyTorch prints it
  }
}

/** PyTorch's UpsamplingNearest2d(size, scaleFactor): Upsample with mode 'nearest'. */
export class UpsamplingNearest2d extends Upsample {
  constructor(...args: PyArgs<[], [size: number | readonly number[] | null | undefined, scaleFactor: number | readonly number[] | null | undefined], { size?: number | readonly number[] | null; scaleFactor?: number | readonly number[] | null }>) {
    const o = parseArgs('UpsamplingNearest2d', args, { size: 'integer|array|null', scaleFactor: 'number|array|null' });
    super({ ...o, mode: 'nearest' });
  }
}

/** PyTorch's UpsamplingBilinear2d(size, scaleFactor): Upsample with mode 'bilinear' and alignCorners true. */
export class UpsamplingBilinear2d extends Upsample {
  constructor(...args: PyArgs<[], [size: number | readonly number[] | null | undefined, scaleFactor: number | readonly number[] | null | undefined], { size?: number | readonly number[] | null; scaleFactor?: number | readonly number[] | null }>) {
    const o = parseArgs('UpsamplingBilinear2d', args, { size: 'integer|array|null', scaleFactor: 'number|array|null' });
    super({ ...o, mode: 'bilinear', alignCorners: true });
  }
}
