// Shape arithmetic shared by the ops: sizes, strides, dim normalisation and broadcasting.
// Every function that can reject its input takes the op's name so the error says who complained.

export type Shape = readonly number[];

export function formatShape(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides: the last dim moves by 1. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i];
  }
  return strides;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Turns a possibly negative dim into 0..count-1, or throws naming the op and the tensor's shape.
 * `count` is how many positions a dim can take: the rank, rank + 1 where a dim is inserted
 * (unsqueeze, stack), or 1 for a 0-d tensor (which PyTorch lets you reduce over dim 0 or -1).
 */
export function normDim(dim: number, count: number, op: string, shape: Shape): number {
  if (!Number.isInteger(dim)) throw new TypeError(`${op}: dim must be an integer, got ${dim}`);
  const d = dim < 0 ? dim + count : dim;
  if (d < 0 || d >= count) {
    throw new RangeError(`${op}: dim ${dim} is out of range for a tensor of shape ${formatShape(shape)} (expected ${-count}..${count - 1})`);
  }
  return d;
}

/** Normalises a dim list (undefined = all dims), sorted and without duplicates. */
export function normDims(dims: number | readonly number[] | undefined, shape: Shape, op: string): number[] {
  if (dims === undefined) return Array.from({ length: shape.length }, (_, i) => i);
  const list = typeof dims === 'number' ? [dims] : dims;
  const out = list.map((d) => normDim(d, Math.max(shape.length, 1), op, shape));
  if (new Set(out).size !== out.length) throw new RangeError(`${op}: dim ${JSON.stringify(dims)} repeats a dim`);
  return out.sort((a, b) => a - b);
}

/** NumPy/PyTorch broadcasting: align from the right; a dim of 1 stretches. */
export function broadcastShapes(a: Shape, b: Shape, op: string): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(`${op}: shapes ${formatShape(a)} and ${formatShape(b)} cannot be broadcast together (dim ${i - n}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Strides that read a tensor of shape `from` as if it had the broadcast shape `to`:
 * stretched dims get stride 0, so the same element is read again.
 */
export function broadcastStrides(from: Shape, to: Shape): number[] {
  const own = stridesOf(from);
  const offset = to.length - from.length;
  return to.map((d, i) => {
    const j = i - offset;
    if (j < 0) return 0;
    return from[j] === 1 && d !== 1 ? 0 : own[j];
  });
}

/**
 * The most elements one tensor may hold: 2^30 float32 values, 4 GiB. Every op that allocates checks its
 * output against it (checkedSize) first, so that a typo such as zeros([65536, 65536]) fails at once,
 * naming the op, instead of swapping for minutes, exhausting V8's heap or throwing "Invalid typed array
 * length". The ceiling for setMaxTensorElements is 2^31 − 1 because the ops keep element positions in
 * Int32Arrays.
 */
let maxTensorElements = 2 ** 30;

const MAX_ELEMENTS_CEILING = 2 ** 31 - 1;

/** Raises (or lowers) the per-tensor element limit, for machines with the memory for bigger tensors. */
export function setMaxTensorElements(n: number): void {
  if (!Number.isInteger(n) || n < 1 || n > MAX_ELEMENTS_CEILING) {
    throw new RangeError(`setMaxTensorElements: expected an integer in 1..${MAX_ELEMENTS_CEILING}, got ${n}`);
  }
  maxTensorElements = n;
}

export function getMaxTensorElements(): number {
  return maxTensorElements;
}

/** Thrown when a tensor or a kernel's scratch memory would exceed a size limit (not a bug: a smaller input fits). */
export class SizeLimitError extends RangeError {
  constructor(message: string) {
    super(message);
    this.name = 'SizeLimitError';
  }
}

/** 1536 → '1.5 KiB'. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  const i = Math.min(Math.floor(Math.log2(Math.max(bytes, 1)) / 10), units.length - 1);
  return i === 0 ? `${bytes} B` : `${(bytes / 2 ** (10 * i)).toFixed(1)} ${units[i]}`;
}

/**
 * The element count of a shape an op is about to allocate, after checking that its dims are
 * non-negative (safe) integers and that the count is within the limit. Call it before allocating.
 */
export function checkedSize(shape: Shape, op: string): number {
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new RangeError(`${op}: shape ${formatShape(shape)} must hold non-negative integers`);
  }
  const n = sizeOf(shape);
  if (n > maxTensorElements) {
    throw new SizeLimitError(
      `${op}: shape ${formatShape(shape)} needs ${formatBytes(4 * n)} (${n.toLocaleString('en-US')} float32 values), over the limit of ${formatBytes(4 * maxTensorElements)} (tg.setMaxTensorElements to raise it)`,
    );
  }
  return n;
}

/** `3` or `[3, 3]` → [3, 3]: the (height, width) pair that conv and pool options accept either way. */
export function toPair(value: number | readonly number[], name: string, op: string, min = 1): [number, number] {
  const pair = typeof value === 'number' ? [value, value] : value;
  if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((v) => Number.isInteger(v) && v >= min)) {
    throw new RangeError(`${op}: ${name} must be an integer >= ${min} or a pair of them, got ${JSON.stringify(value)}`);
  }
  return [pair[0], pair[1]];
}
