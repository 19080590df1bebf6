// The Tensor: a contiguous row-major float32 buffer, a shape, and the autograd bookkeeping.
// Its methods are thin spellings of the ops in engine/ops/, where each op and its gradient live.
//
// Import cycles, kept on purpose (as tinygrad keeps its Tensor and its ops together): this file imports
// the ops for its methods, and every op imports Tensor to make results; the ops import each other
// because gradients are ops (mul's gradient sums with reduce's sum, sum's spreads back with movement's
// expand, max's compares with elementwise's eq), and the JS backend's kernels make Tensors while
// backend.ts registers them. ES modules resolve such cycles because no module uses an import while it
// is being evaluated: every use is inside a function that runs later. Breaking them would mean
// attaching the methods from outside (a reader would no longer find `x.add` here) and passing ops into
// each other's gradients, for no gain; the one place that needed a hook is autograd.ts, which cannot
// import Tensor (Tensor imports it) and so takes `makeOnes` from tensor.backward.

import { backward as runBackward, type BackwardOptions, type GradNode } from './autograd.js';
import { formatShape, sizeOf, stridesOf } from './shape.js';
import { kernels } from './backend.js';
import * as elementwise from './ops/elementwise.js';
import * as reduce from './ops/reduce.js';
import * as movement from './ops/movement.js';
import { matmul } from './ops/matmul.js';
import { softmax, logSoftmax } from './ops/softmax.js';
import * as indexing from './ops/indexing.js';
import * as sorting from './ops/sort.js';
import * as rearrange from './ops/rearrange.js';

export type NestedArray = number | NestedArray[];
export type TensorLike = Tensor | number;

/**
 * Storage a backend keeps off the JS heap (a GPU texture or buffer). `read()` copies it into a
 * Float32Array the first time JS touches `tensor.data`; until then the tensor stays on the device.
 * A device that can only read asynchronously (WebGPU maps its buffers with a promise) gives
 * `readAsync()`, behind `tensor.dataAsync()`, and a `read()` that throws, naming dataAsync.
 */
export interface DeviceStorage {
  readonly backend: string;
  read(): Float32Array;
  readAsync?(): Promise<Float32Array>;
  /** frees the device memory now rather than when the tensor is garbage-collected */
  dispose?(): void;
}

/**
 * The values behind one or more tensors: views made by reshape/detach share this object, so a
 * device buffer is read back once for all of them and writes through `.data` are seen by every view.
 */
class Storage {
  /** the asynchronous read under way, shared by every dataAsync() that asks meanwhile */
  private reading: Promise<Float32Array> | null = null;
  private disposed = false;

  constructor(
    private values: Float32Array | null,
    private device: DeviceStorage | null,
  ) {}

  read(): Float32Array {
    if (this.values === null) {
      if (this.disposed) throw new Error('Tensor: this tensor was disposed (tensor.dispose()); its values are gone');
      this.values = this.device!.read();
      this.device = null;
    }
    return this.values;
  }

  readAsync(): Promise<Float32Array> {
    if (this.values !== null || this.disposed) return Promise.resolve(this.read());
    const device = this.device!;
    if (!device.readAsync) return Promise.resolve(this.read());
    this.reading ??= device.readAsync().then(
      (values) => {
        this.reading = null;
        // a copy_() while the read was under way gave this storage other values: they win
        if (this.device !== device) return values;
        [this.values, this.device] = [values, null];
        return values;
      },
      (e: unknown) => {
        this.reading = null;
        throw e;
      },
    );
    return this.reading;
  }

  /** Frees the device buffer now; the values are gone: a later read throws, naming dispose. */
  dispose(): void {
    this.device?.dispose?.();
    this.device = null;
    this.values = null;
    this.disposed = true;
  }

  get onAnyDevice(): boolean {
    return this.device !== null;
  }

  onDevice(backend: string): DeviceStorage | null {
    return this.device?.backend === backend ? this.device : null;
  }

  /** Takes other's values: copied into this buffer on the CPU, or adopting other's device buffer (never read back). */
  assign(other: Storage): void {
    if (other.values !== null && this.values !== null) this.values.set(other.values);
    else if (other.values !== null) [this.values, this.device] = [other.values.slice(), null];
    else [this.values, this.device] = [null, other.device];
  }
}

/** A tensor's storage, for adoptValues below (set by Tensor's static block, which can read #storage). */
let storageOf: (t: Tensor) => Storage;

export class Tensor {
  readonly shape: readonly number[];
  /** Whether backward should compute a gradient for this tensor. */
  requiresGrad: boolean;
  /** The accumulated gradient of a leaf after backward (null until then). */
  grad: Tensor | null = null;
  /** How this tensor was made, for backward; null for leaves. Set by `record` in autograd.ts. */
  gradNode: GradNode | null = null;
  /** Non-leaf tensors keep their gradient in `.grad` only after retainGrad(), as in PyTorch. */
  retainsGrad = false;

  #storage: Storage;

  /** Wraps values without copying them (tg.tensor copies). `storage` may also be a device buffer. */
  constructor(storage: Float32Array | DeviceStorage | Storage, shape: readonly number[], requiresGrad = false) {
    const size = sizeOf(shape);
    if (storage instanceof Float32Array) {
      if (storage.length !== size) {
        throw new RangeError(`Tensor: ${storage.length} values cannot have shape ${formatShape(shape)} (${size} values)`);
      }
      this.#storage = new Storage(storage, null);
    } else {
      this.#storage = storage instanceof Storage ? storage : new Storage(null, storage);
    }
    this.shape = Object.freeze([...shape]);
    this.requiresGrad = requiresGrad;
  }

  /** The values, row-major. Reading it from a device tensor copies them to the CPU once. */
  get data(): Float32Array {
    return this.#storage.read();
  }

  /**
   * The values, row-major, once the device has computed them: what reads a result on every backend,
   * and the only way on one that cannot read synchronously (webgpu, whose `.data` throws until this
   * has resolved). Afterwards `.data` returns the same array without waiting.
   */
  async dataAsync(): Promise<Float32Array> {
    return this.#storage.readAsync();
  }

  /**
   * Frees this tensor's device memory now (every view of it loses its values). Needed only on a
   * device backend (webgpu), and only to free memory sooner than garbage collection does: device
   * buffers are freed when their tensors are collected, but the collector does not see GPU memory.
   */
  dispose(): void {
    this.#storage.dispose();
  }

  /** The backend's own storage if this tensor still lives there (no copy), else null. */
  deviceStorage(backend: string): DeviceStorage | null {
    return this.#storage.onDevice(backend);
  }

  /** Whether the values live only on a device (reading `.data` would copy them back, or throw on webgpu). */
  get onDevice(): boolean {
    return this.#storage.onAnyDevice;
  }

  /** Number of elements. */
  get size(): number {
    return sizeOf(this.shape);
  }

  numel(): number {
    return this.size;
  }

  get ndim(): number {
    return this.shape.length;
  }

  dim(): number {
    return this.shape.length;
  }

  /** The value of a one-element tensor as a number. */
  item(): number {
    if (this.size !== 1) throw new RangeError(`item: only a one-element tensor converts to a number, this one has shape ${formatShape(this.shape)}`);
    return this.data[0];
  }

  /** item(), waiting for the device: `await loss.itemAsync()` reads a loss on every backend. */
  async itemAsync(): Promise<number> {
    if (this.size !== 1) throw new RangeError(`itemAsync: only a one-element tensor converts to a number, this one has shape ${formatShape(this.shape)}`);
    return (await this.dataAsync())[0];
  }

  /** toArray(), waiting for the device. */
  async toArrayAsync(): Promise<NestedArray> {
    await this.dataAsync();
    return this.toArray();
  }

  /** Nested arrays of numbers (a number for a 0-d tensor), like PyTorch's tolist(). */
  toArray(): NestedArray {
    const data = this.data;
    const build = (dim: number, offset: number): NestedArray => {
      if (dim === this.shape.length) return data[offset];
      const inner = sizeOf(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim] }, (_, i) => build(dim + 1, offset + i * inner));
    };
    return build(0, 0);
  }

  toString(): string {
    const values = this.size <= 20 ? JSON.stringify(this.toArray()) : `[${Array.from(this.data.subarray(0, 6)).join(', ')}, …]`;
    return `Tensor(shape=${formatShape(this.shape)}, ${values}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }

  // ---- autograd ----

  /**
   * Gradients of this tensor with respect to every leaf that requires grad, added to their `.grad`.
   * `gradient` is needed unless this tensor has one element (a loss). As in PyTorch, the graph is
   * freed on the way and a second backward through it throws, unless this one is given
   * `{ retainGraph: true }`: `loss.backward({ retainGraph: true })` or `y.backward(grad, { retainGraph: true })`,
   * PyTorch's `backward(gradient=None, retain_graph=None)`.
   */
  backward(options?: BackwardOptions): void;
  backward(gradient: Tensor | undefined, options?: BackwardOptions): void;
  backward(gradient?: Tensor | BackwardOptions, options?: BackwardOptions): void {
    runBackward(this, gradient, options, (like) => new Tensor(new Float32Array(like.size).fill(1), like.shape));
  }

  /** The same values, cut off from the graph. Shares storage, like PyTorch's detach(). */
  detach(): Tensor {
    return this.withShape(this.shape);
  }

  /** A tensor sharing this one's storage under another shape of the same size; not recorded for autograd. */
  withShape(shape: readonly number[]): Tensor {
    if (sizeOf(shape) !== this.size) throw new RangeError(`withShape: shape ${formatShape(shape)} does not hold ${this.size} values`);
    return new Tensor(this.#storage, shape);
  }

  /** Keep this non-leaf tensor's gradient in `.grad` after backward. */
  retainGrad(): this {
    this.retainsGrad = true;
    return this;
  }

  /** Sets requiresGrad in place (for leaves), returning this, like PyTorch's requires_grad_(). */
  setRequiresGrad(on = true): this {
    if (!on && this.gradNode) {
      throw new RangeError('setRequiresGrad: a tensor computed from tensors that require grad cannot stop requiring it; use detach()');
    }
    this.requiresGrad = on;
    return this;
  }

  /** PyTorch's name for setRequiresGrad. */
  requiresGrad_(on = true): this {
    return this.setRequiresGrad(on);
  }

  /**
   * Overwrites this tensor's values with src's (same number of elements), in place, like PyTorch's
   * copy_(): how module buffers take new values and loadStateDict writes parameters, seen by every
   * view of this tensor. Not recorded for autograd. A src still on a device is copied there by the
   * active backend, never read back, and never shared: an in-place kernel (an optimizer step) writing
   * one of the two must not change the other.
   */
  copy_(src: Tensor): this {
    if (src.size !== this.size) throw new RangeError(`copy_: cannot copy ${src.size} values ${formatShape(src.shape)} into a tensor of ${this.size} ${formatShape(this.shape)}`);
    const copy = src.#storage.onAnyDevice ? kernels().stridedCopy(src, { shape: src.shape, strides: stridesOf(src.shape), offset: 0 }) : src;
    this.#storage.assign(copy.#storage);
    return this;
  }

  static {
    storageOf = (t) => t.#storage;
  }

  /** A differentiable copy with its own storage. */
  clone(): Tensor {
    return movement.clone(this);
  }

  // ---- elementwise (broadcasting) ----
  add(other: TensorLike): Tensor { return elementwise.add(this, other); }
  sub(other: TensorLike): Tensor { return elementwise.sub(this, other); }
  mul(other: TensorLike): Tensor { return elementwise.mul(this, other); }
  div(other: TensorLike): Tensor { return elementwise.div(this, other); }
  pow(exponent: TensorLike): Tensor { return elementwise.pow(this, exponent); }
  maximum(other: TensorLike): Tensor { return elementwise.maximum(this, other); }
  minimum(other: TensorLike): Tensor { return elementwise.minimum(this, other); }
  neg(): Tensor { return elementwise.neg(this); }
  exp(): Tensor { return elementwise.exp(this); }
  log(): Tensor { return elementwise.log(this); }
  sqrt(): Tensor { return elementwise.sqrt(this); }
  abs(): Tensor { return elementwise.abs(this); }
  relu(): Tensor { return elementwise.relu(this); }
  leakyRelu(negativeSlope = 0.01): Tensor { return elementwise.leakyRelu(this, negativeSlope); }
  tanh(): Tensor { return elementwise.tanh(this); }
  sigmoid(): Tensor { return elementwise.sigmoid(this); }
  softplus(): Tensor { return elementwise.softplus(this); }
  gelu(approximate: 'none' | 'tanh' = 'none'): Tensor { return elementwise.gelu(this, approximate); }
  clamp(min?: number | null, max?: number | null): Tensor { return elementwise.clamp(this, min, max); }
  // comparisons give 0/1 and carry no gradient
  eq(other: TensorLike): Tensor { return elementwise.eq(this, other); }
  ne(other: TensorLike): Tensor { return elementwise.ne(this, other); }
  gt(other: TensorLike): Tensor { return elementwise.gt(this, other); }
  ge(other: TensorLike): Tensor { return elementwise.ge(this, other); }
  lt(other: TensorLike): Tensor { return elementwise.lt(this, other); }
  le(other: TensorLike): Tensor { return elementwise.le(this, other); }

  // ---- reductions ----
  sum(dims?: number | number[], keepdim = false): Tensor { return reduce.sum(this, dims, keepdim); }
  mean(dims?: number | number[], keepdim = false): Tensor { return reduce.mean(this, dims, keepdim); }
  max(dims?: number | number[], keepdim = false): Tensor { return reduce.max(this, dims, keepdim); }
  min(dims?: number | number[], keepdim = false): Tensor { return reduce.min(this, dims, keepdim); }
  /** torch.max(x, dim): `const { values, indices } = x.maxWithIndices(1)`; the gradient goes to the selected index. */
  maxWithIndices(dim: number, keepdim = false): reduce.ValuesAndIndices { return reduce.maxWithIndices(this, dim, keepdim); }
  /** torch.min(x, dim), as maxWithIndices. */
  minWithIndices(dim: number, keepdim = false): reduce.ValuesAndIndices { return reduce.minWithIndices(this, dim, keepdim); }
  var(dims?: number | number[], keepdim = false, correction = 1): Tensor { return reduce.variance(this, dims, keepdim, correction); }
  std(dims?: number | number[], keepdim = false, correction = 1): Tensor { return reduce.variance(this, dims, keepdim, correction).sqrt(); }
  argmax(dim?: number, keepdim = false): Tensor { return reduce.argmax(this, dim, keepdim); }
  argmin(dim?: number, keepdim = false): Tensor { return reduce.argmin(this, dim, keepdim); }

  // ---- linear algebra, softmax ----
  matmul(other: Tensor): Tensor { return matmul(this, other); }
  softmax(dim: number): Tensor { return softmax(this, dim); }
  logSoftmax(dim: number): Tensor { return logSoftmax(this, dim); }

  // ---- shape ----
  reshape(...shape: number[] | [readonly number[]]): Tensor { return movement.reshape(this, flatArgs(shape)); }
  view(...shape: number[] | [readonly number[]]): Tensor { return movement.reshape(this, flatArgs(shape), 'view'); }
  flatten(startDim = 0, endDim = -1): Tensor { return movement.flatten(this, startDim, endDim); }
  squeeze(dim?: number): Tensor { return movement.squeeze(this, dim); }
  unsqueeze(dim: number): Tensor { return movement.unsqueeze(this, dim); }
  permute(...dims: number[] | [readonly number[]]): Tensor { return movement.permute(this, flatArgs(dims)); }
  transpose(dim0: number, dim1: number): Tensor { return movement.transpose(this, dim0, dim1); }
  /** Transpose of a matrix (a 0-d or 1-d tensor is returned as it is), like PyTorch's t(). */
  t(): Tensor { return this.ndim < 2 ? this : movement.transpose(this, 0, 1); }
  expand(...shape: number[] | [readonly number[]]): Tensor { return movement.expand(this, flatArgs(shape)); }
  slice(dim: number, start?: number, end?: number, step = 1): Tensor { return movement.slice(this, dim, start, end, step); }
  /** Rows along dim 0: a number drops the dim (x[i]); a list gathers rows (x[[i, j]]). */
  index(indices: number | readonly number[] | Int32Array | Tensor): Tensor { return movement.index(this, indices); }

  // ---- indexing, sorting, rearranging (indices are float32 positions, exact below 2^24) ----
  erf(): Tensor { return elementwise.erf(this); }
  /** x.where(condition, y): this where condition ≠ 0, else y (torch.where(condition, this, y)). */
  where(condition: Tensor, other: TensorLike): Tensor { return indexing.where(condition, this, other); }
  gather(dim: number, index: Tensor): Tensor { return indexing.gather(this, dim, index); }
  scatter(dim: number, index: Tensor, src: Tensor | number): Tensor { return indexing.scatter(this, dim, index, src); }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor { return indexing.scatterAdd(this, dim, index, src); }
  sort(...args: Parameters<typeof sorting.sort> extends [Tensor, ...infer R] ? R : never): sorting.ValuesAndIndices { return sorting.sort(this, ...args); }
  argsort(...args: Parameters<typeof sorting.argsort> extends [Tensor, ...infer R] ? R : never): Tensor { return sorting.argsort(this, ...args); }
  topk(k: number, ...args: Parameters<typeof sorting.topk> extends [Tensor, number, ...infer R] ? R : never): sorting.ValuesAndIndices { return sorting.topk(this, k, ...args); }
  split(sizeOrSections: number | readonly number[], dim = 0): Tensor[] { return rearrange.split(this, sizeOrSections, dim); }
  chunk(chunks: number, dim = 0): Tensor[] { return rearrange.chunk(this, chunks, dim); }
  flip(...dims: number[] | [readonly number[]]): Tensor { return rearrange.flip(this, flatArgs(dims)); }
  roll(shifts: number | readonly number[], dims?: number | readonly number[]): Tensor { return rearrange.roll(this, shifts, dims); }
  /** x.repeat(2, 3) or x.repeat([2, 3]): copies laid out along each dim (sizes may add leading dims). */
  repeat(...sizes: number[] | [readonly number[]]): Tensor { return rearrange.repeat(this, flatArgs(sizes)); }
  tile(...dims: number[] | [readonly number[]]): Tensor { return rearrange.tile(this, flatArgs(dims)); }
  cumsum(dim: number): Tensor { return rearrange.cumsum(this, dim); }
}

/**
 * For kernels and ops that have just made `fresh` and drop it: `target` takes its values in place
 * without a copy (a device buffer is adopted, not read back). Unlike copy_, the two would share a
 * device buffer, so fresh must not be used afterwards. How a backend whose results are immutable
 * (gpu.js textures) updates parameters in place, and batch norm its running statistics.
 */
export function adoptValues(target: Tensor, fresh: Tensor): void {
  if (fresh.size !== target.size) throw new RangeError(`adoptValues: ${fresh.size} values ${formatShape(fresh.shape)} for a tensor of ${target.size} ${formatShape(target.shape)}`);
  storageOf(target).assign(storageOf(fresh));
}

/** Lets shape methods take `(2, 3)` or `([2, 3])`, as PyTorch does. */
function flatArgs(args: number[] | [readonly number[]]): number[] {
  return args.length === 1 && Array.isArray(args[0]) ? [...(args[0] as readonly number[])] : (args as number[]);
}
