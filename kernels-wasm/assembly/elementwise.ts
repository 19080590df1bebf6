// The elementwise work of a CNN layer besides its convolution: ReLU and its gradient, adding a bias per
// channel and the bias gradient, over tensors seen as [outer, channels, inner] (NCHW: [N, C, H·W];
// a Linear layer's output: [N, features, 1]). Four floats per SIMD step, then a scalar tail.

/** out = max(x, 0); NaN stays NaN (f32x4.max propagates it), −0 becomes +0. */
export function relu(x: usize, out: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.max(v128.load(x + o), zero));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, Mathf.max(load<f32>(x + o), 0));
  }
}

/** out = g where the ReLU's output y > 0, else 0 (g's bits kept by and-ing with the comparison mask). */
export function reluBackward(g: usize, y: usize, out: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, v128.and(v128.load(g + o), f32x4.gt(v128.load(y + o), zero)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(out + o, load<f32>(y + o) > 0 ? load<f32>(g + o) : 0);
  }
}

/** out[o, c, i] = x[o, c, i] + bias[c]. */
export function biasAdd(x: usize, bias: usize, out: usize, outer: i32, channels: i32, inner: i32): void {
  let at: usize = 0;
  for (let o = 0; o < outer; o++) {
    if (inner == 1) {
      // one value per channel: add the bias vector to the row
      addRow(x + at, bias, out + at, channels);
      at += <usize>channels << 2;
      continue;
    }
    for (let c = 0; c < channels; c++) {
      const b = load<f32>(bias + (<usize>c << 2));
      const bv = f32x4.splat(b);
      let i = 0;
      for (; i + 4 <= inner; i += 4) {
        const p = at + (<usize>i << 2);
        v128.store(out + p, f32x4.add(v128.load(x + p), bv));
      }
      for (; i < inner; i++) {
        const p = at + (<usize>i << 2);
        store<f32>(out + p, load<f32>(x + p) + b);
      }
      at += <usize>inner << 2;
    }
  }
}

/** out[c] = the sum of g[o, c, i] over o and i. */
export function biasGrad(g: usize, out: usize, outer: i32, channels: i32, inner: i32): void {
  memory.fill(out, 0, <usize>channels << 2);
  let at: usize = 0;
  for (let o = 0; o < outer; o++) {
    if (inner == 1) {
      addRow(out, g + at, out, channels);
      at += <usize>channels << 2;
      continue;
    }
    for (let c = 0; c < channels; c++) {
      let acc = f32x4.splat(0);
      let i = 0;
      for (; i + 4 <= inner; i += 4) acc = f32x4.add(acc, v128.load(g + at + (<usize>i << 2)));
      let s = f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1) + f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3);
      for (; i < inner; i++) s += load<f32>(g + at + (<usize>i << 2));
      const p = out + (<usize>c << 2);
      store<f32>(p, load<f32>(p) + s);
      at += <usize>inner << 2;
    }
  }
}

/** out[j] = a[j] + b[j] for j < n (out may be a or b). */
function addRow(a: usize, b: usize, out: usize, n: i32): void {
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const p = <usize>j << 2;
    v128.store(out + p, f32x4.add(v128.load(a + p), v128.load(b + p)));
  }
  for (; j < n; j++) {
    const p = <usize>j << 2;
    store<f32>(out + p, load<f32>(a + p) + load<f32>(b + p));
  }
}
