// A backend that reads like webgpu, for running a built course example on it without a GPU:
//
//   node --import ./tests/course/async-only-backend.js dist/examples/course/<name>.js --backend async-only
//
// Its kernels are the package's default ones (wasm), so it computes the same numbers, but every result is
// kept in a device-like storage whose synchronous read (`.data`, `.item()`, `.toArray()`) throws, as
// webgpu's does, while `dataAsync()` works. An example that reads a computed tensor synchronously stops
// with that error (its one-line report names the place); one that awaits its reads runs to the end.
// Plain JS, as node loads it before the example; it imports the built package, the example's own copy.

import * as tg from '../../dist/index.js';

const NAME = 'async-only';

/** The first frame of the stack outside the package (the example's line), for the error message. */
function caller() {
  const frames = (new Error().stack ?? '').split('\n').slice(1);
  return frames.find((f) => f.includes('/examples/'))?.trim() ?? 'outside the examples';
}

class AsyncOnlyStorage {
  backend = NAME;
  constructor(values) {
    this.values = values;
  }
  read() {
    throw new Error(`${NAME} backend: a computed tensor was read synchronously (.data, .item() or .toArray()) ${caller()}; read it with await dataAsync(), itemAsync() or toArrayAsync()`);
  }
  async readAsync() {
    return this.values;
  }
}

/** A tensor's values without reading it: the values behind an async-only tensor, else the tensor itself. */
function unwrap(v) {
  if (v instanceof tg.Tensor) {
    const device = v.deviceStorage(NAME);
    return device ? new tg.Tensor(device.values, v.shape) : v;
  }
  if (Array.isArray(v)) return v.map(unwrap);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x)]));
  return v;
}

/** A kernel's result, moved into async-only storage (the optimizer steps return nothing: they update in place). */
function wrap(v) {
  if (v instanceof tg.Tensor) return new tg.Tensor(new AsyncOnlyStorage(v.data), v.shape);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, wrap(x)]));
  return v;
}

await tg.ready();
const inner = tg.kernels();
const kernels = Object.fromEntries(tg.kernelNames.map((name) => [name, (...args) => wrap(inner[name](...args.map(unwrap)))]));
tg.registerBackend(NAME, kernels);
