// Max and average pooling, forward and backward: the loops of engine/backends/js/pool.ts in WASM.
// Output (oh, ow) looks at the window whose corner is (oh·stride − pad, ow·stride − pad).

@unmanaged
class PoolParams {
  batch: i32;
  channels: i32;
  inHeight: i32;
  inWidth: i32;
  outHeight: i32;
  outWidth: i32;
  kernelHeight: i32;
  kernelWidth: i32;
  strideHeight: i32;
  strideWidth: i32;
  padHeight: i32;
  padWidth: i32;
  dilationHeight: i32;
  dilationWidth: i32;
  countIncludePad: i32;
}

/** out = the window maxima; indices (as f32) = the flat ih·W + iw of each; the first maximum wins, NaN beats all. */
export function maxPool2d(params: usize, x: usize, out: usize, indices: usize): void {
  const p = changetype<PoolParams>(params);
  // params to locals: they live in memory, and the stores below would force V8 to reload them
  const planes = p.batch * p.channels, H = p.inHeight, W = p.inWidth, OH = p.outHeight, OW = p.outWidth;
  const kH = p.kernelHeight, kW = p.kernelWidth, sH = p.strideHeight, sW = p.strideWidth;
  const padH = p.padHeight, padW = p.padWidth, dH = p.dilationHeight, dW = p.dilationWidth;
  const inPlane = H * W;
  const pairs = kH == 2 && kW == 2 && sH == 2 && sW == 2 && dH == 1 && dW == 1;
  let o: usize = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = x + ((<usize>plane * inPlane) << 2);
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const ih0 = oh * sH - padH, iw0 = ow * sW - padW;
        if (pairs && ow + 4 <= OW && ih0 >= 0 && iw0 >= 0 && ih0 + 1 < H && iw0 + 7 < W) {
          // 2x2 windows with stride 2, four outputs at once
          const r0 = base + ((<usize>(ih0 * W + iw0)) << 2);
          const r1 = r0 + (<usize>W << 2);
          const a0 = v128.load(r0), a1 = v128.load(r0, 16), b0 = v128.load(r1), b1 = v128.load(r1, 16);
          let best = v128.shuffle<f32>(a0, a1, 0, 2, 4, 6);
          const first = i32x4.add(i32x4.splat(ih0 * W + iw0), i32x4(0, 2, 4, 6));
          let index = first;
          // each later tap wins if larger, or if it is the first NaN (vector form of the scalar rule below)
          let v = v128.shuffle<f32>(a0, a1, 1, 3, 5, 7);
          let take = v128.or(f32x4.gt(v, best), v128.and(f32x4.ne(v, v), f32x4.eq(best, best)));
          best = v128.bitselect(v, best, take);
          index = v128.bitselect(i32x4.add(first, i32x4.splat(1)), index, take);
          v = v128.shuffle<f32>(b0, b1, 0, 2, 4, 6);
          take = v128.or(f32x4.gt(v, best), v128.and(f32x4.ne(v, v), f32x4.eq(best, best)));
          best = v128.bitselect(v, best, take);
          index = v128.bitselect(i32x4.add(first, i32x4.splat(W)), index, take);
          v = v128.shuffle<f32>(b0, b1, 1, 3, 5, 7);
          take = v128.or(f32x4.gt(v, best), v128.and(f32x4.ne(v, v), f32x4.eq(best, best)));
          best = v128.bitselect(v, best, take);
          index = v128.bitselect(i32x4.add(first, i32x4.splat(W + 1)), index, take);
          v128.store(out + (o << 2), best);
          v128.store(indices + (o << 2), f32x4.convert_i32x4_s(index));
          o += 4;
          ow += 3;
          continue;
        }
        if (ih0 >= 0 && iw0 >= 0 && ih0 + (kH - 1) * dH < H && iw0 + (kW - 1) * dW < W) {
          // the whole window is in the image: branch-free (random data defeats the branch predictor)
          let bestIndex = ih0 * W + iw0;
          let best = load<f32>(base + (<usize>bestIndex << 2));
          for (let kh = 0; kh < kH; kh++) {
            for (let kw = 0; kw < kW; kw++) {
              const i = (ih0 + kh * dH) * W + iw0 + kw * dW;
              const v = load<f32>(base + (<usize>i << 2));
              // a later value wins only if larger, or if it is the first NaN
              const take = (v > best) | ((v != v) & (best == best));
              best = select<f32>(v, best, take);
              bestIndex = select<i32>(i, bestIndex, take);
            }
          }
          store<f32>(out + (o << 2), best);
          store<f32>(indices + (o << 2), <f32>bestIndex);
          o++;
          continue;
        }
        let best = -Infinity as f32;
        let bestIndex = -1;
        for (let kh = 0; kh < kH; kh++) {
          const ih = oh * sH - padH + kh * dH;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < kW; kw++) {
            const iw = ow * sW - padW + kw * dW;
            if (iw < 0 || iw >= W) continue;
            const v = load<f32>(base + (<usize>(ih * W + iw) << 2));
            if (v > best || v != v || bestIndex < 0) {
              best = v;
              bestIndex = ih * W + iw;
              if (v != v) break;
            }
          }
          if (best != best) break;
        }
        store<f32>(out + (o << 2), best);
        store<f32>(indices + (o << 2), <f32>bestIndex);
        o++;
      }
    }
  }
}

/** gx[plane, index] += gy for each output; gx is zeroed first. */
export function maxPool2dBackward(params: usize, gy: usize, indices: usize, gx: usize): void {
  const p = changetype<PoolParams>(params);
  const inPlane = p.inHeight * p.inWidth;
  const outPlane = p.outHeight * p.outWidth;
  const planes = p.batch * p.channels;
  memory.fill(gx, 0, (<usize>planes * inPlane) << 2);
  let o: usize = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = gx + ((<usize>plane * inPlane) << 2);
    for (let j = 0; j < outPlane; j++) {
      const index = <i32>load<f32>(indices + (o << 2));
      if (index >= 0) { // -1: a window wholly in the padding, which no input fed
        const d = base + (<usize>index << 2);
        store<f32>(d, load<f32>(d) + load<f32>(gy + (o << 2)));
      }
      o++;
    }
  }
}

// The window of output (oh, ow) clipped to the image, and its divisor; as avgWindow in the JS backend.
let h0 = 0, h1 = 0, w0 = 0, w1 = 0;
let divisor: f32 = 1;

function avgWindow(p: PoolParams, oh: i32, ow: i32): void {
  h0 = oh * p.strideHeight - p.padHeight;
  w0 = ow * p.strideWidth - p.padWidth;
  h1 = min(h0 + p.kernelHeight, p.inHeight + p.padHeight);
  w1 = min(w0 + p.kernelWidth, p.inWidth + p.padWidth);
  const withPadding = (h1 - h0) * (w1 - w0);
  h0 = max(h0, 0);
  w0 = max(w0, 0);
  h1 = min(h1, p.inHeight);
  w1 = min(w1, p.inWidth);
  divisor = <f32>(p.countIncludePad ? withPadding : (h1 - h0) * (w1 - w0));
}

export function avgPool2d(params: usize, x: usize, out: usize): void {
  const p = changetype<PoolParams>(params);
  const planes = p.batch * p.channels, OH = p.outHeight, OW = p.outWidth;
  const W = p.inWidth;
  const inPlane = p.inHeight * W;
  let o: usize = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = x + ((<usize>plane * inPlane) << 2);
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        avgWindow(p, oh, ow);
        let sum: f64 = 0; // the JS reference sums in doubles
        for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) sum += load<f32>(base + (<usize>(ih * W + iw) << 2));
        store<f32>(out + (o << 2), <f32>(sum / divisor));
        o++;
      }
    }
  }
}

export function avgPool2dBackward(params: usize, gy: usize, gx: usize): void {
  const p = changetype<PoolParams>(params);
  const planes = p.batch * p.channels, OH = p.outHeight, OW = p.outWidth;
  const W = p.inWidth;
  const inPlane = p.inHeight * W;
  memory.fill(gx, 0, (<usize>planes * inPlane) << 2);
  let o: usize = 0;
  for (let plane = 0; plane < planes; plane++) {
    const base = gx + ((<usize>plane * inPlane) << 2);
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        avgWindow(p, oh, ow);
        const share = load<f32>(gy + (o << 2)) / divisor;
        for (let ih = h0; ih < h1; ih++) {
          for (let iw = w0; iw < w1; iw++) {
            const d = base + (<usize>(ih * W + iw) << 2);
            store<f32>(d, load<f32>(d) + share);
          }
        }
        o++;
      }
    }
  }
}
