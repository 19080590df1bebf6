// Winograd F(2×2, 3×3) for 3×3 convolutions with stride 1, dilation 1 and one group: each 2×2 block
// of outputs ("tile") costs 16 multiplies per channel pair instead of 36, as 16 GEMMs over transformed
// tiles (Lavin & Gray 2015). With d a 4×4 input patch, g a 3×3 filter and y the 2×2 output:
//   U = G g Gᵀ,  V = Bᵀ d B,  M = Σ_c U ⊙ V,  y = Aᵀ M A
//   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]   G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]   Aᵀ = [1 1 1 0; 0 1 −1 −1]
// For each of the 16 positions ξ of the 4×4 transform, Σ_c is a GEMM: M[ξ] [outC × tiles] =
// U[ξ] [outC × C] · V[ξ] [C × tiles]. The gradients are the same pieces read backwards:
//   grad input   a forward Winograd convolution of gy (padded by 2 − pad) with the flipped filter, Uᵀ
//   grad weight  dM = A dy Aᵀ per tile;  dU[ξ] = Σ_tiles dM[ξ] · V[ξ]ᵀ (a GEMM);  dg = Gᵀ dU G
// The transforms work on 4 horizontally adjacent tiles at once, one per SIMD lane, read from a copy of
// one channel plane with the padding written out, so that no load needs a bounds check.
//
// Layout: a chunk of images at a time, tiles numbered t = th·tilesRow + tw per image (tilesRow rounded
// up to 4; the extra tiles compute outputs that are dropped), column n·T + t of every [· × tiles] matrix.

import { gemm } from './gemm';
import { copy, zero } from './rows';

/**
 * Floats between the 16 matrices of a transform: one cache line past their size, since the transforms
 * read or write all 16 at once, and at a power-of-two distance they would all map to one cache set.
 */
// @ts-ignore: decorator
@inline function xiStride(floats: i32): usize {
  return <usize>(floats + 16) << 2;
}

/** Aim for this many tile columns per chunk: the transformed chunk then stays in L2 for the GEMMs. */
const CHUNK_COLUMNS = 256;

/** Tiles per image (rows × rows rounded to 4 lanes) for an OH × OW output. */
// @ts-ignore: decorator
@inline function tilesRow(OW: i32): i32 {
  return (((OW + 1) >> 1) + 3) & ~3;
}
// @ts-ignore: decorator
@inline function tilesPerImage(OH: i32, OW: i32): i32 {
  return ((OH + 1) >> 1) * tilesRow(OW);
}
// @ts-ignore: decorator
@inline function chunkImages(T: i32, batch: i32): i32 {
  return max(1, min(batch, CHUNK_COLUMNS / T));
}
/** Floats of one padded plane: (2·rows + 2) × (2·tilesRow + 4), room for the transforms' 4-lane loads. */
// @ts-ignore: decorator
@inline function planeFloats(OH: i32, OW: i32): i32 {
  return (((OH + 1) >> 1) * 2 + 2) * (tilesRow(OW) * 2 + 4);
}

/** Floats of scratch a Winograd convolution (any of the three kernels) needs, from an inC → outC one producing OH × OW. */
export function winogradFloats(batch: i32, inC: i32, H: i32, W: i32, outC: i32, OH: i32, OW: i32): i32 {
  // forward and weight gradient tile the output; the input gradient tiles the input with the roles swapped
  const T = tilesPerImage(OH, OW), Tx = tilesPerImage(H, W);
  const fwd = 16 * ((inC + outC) * chunkImages(T, batch) * T + 32) + planeFloats(OH, OW);
  const bwd = 16 * ((inC + outC) * chunkImages(Tx, batch) * Tx + 32) + planeFloats(H, W);
  return 16 * inC * outC + max(fwd, bwd);
}

// @ts-ignore: decorator
@inline function evens(a: v128, b: v128): v128 {
  return v128.shuffle<f32>(a, b, 0, 2, 4, 6);
}
// @ts-ignore: decorator
@inline function odds(a: v128, b: v128): v128 {
  return v128.shuffle<f32>(a, b, 1, 3, 5, 7);
}

/**
 * dst[r, c] (rows × cols, row stride cols) = src[r − top, c − left] of an H × W plane, 0 outside it.
 * (top and left may be negative: the backward convolution crops when the forward one padded by more than 2.)
 */
function padPlane(src: usize, H: i32, W: i32, top: i32, left: i32, dst: usize, rows: i32, cols: i32): void {
  const c0 = min(cols, max(0, left)), c1 = max(c0, min(cols, W + left)); // in-plane columns
  for (let r = 0; r < rows; r++) {
    const d = dst + ((<usize>r * cols) << 2);
    const ih = r - top;
    if (ih < 0 || ih >= H || c0 == c1) {
      zero(d, cols);
      continue;
    }
    zero(d, c0);
    copy(d + (<usize>c0 << 2), src + ((<usize>ih * W + c0 - left) << 2), c1 - c0);
    zero(d + (<usize>c1 << 2), cols - c1);
  }
}

/**
 * V[ξ] columns col .. col + tiles of one channel: Bᵀ d B for every tile of a padded plane (row stride pc).
 * xi: the stride in bytes between V[ξ] and V[ξ + 1].
 */
function inputTransform(plane: usize, pc: i32, tileRows: i32, tw4: i32, v: usize, xi: usize): void {
  let col = v;
  for (let th = 0; th < tileRows; th++) {
    for (let t0 = 0; t0 < tw4; t0 += 4) {
      // columns first, row by row: e[k][·] = (row k of d) B, written to V[4k + ·] ...
      let s = plane + ((<usize>(2 * th * pc + 2 * t0)) << 2);
      let out = col;
      for (let k = 0; k < 4; k++) {
        const a = v128.load(s), b = v128.load(s, 16), c = v128.load(s, 8), d = v128.load(s, 24);
        const d0 = evens(a, b), d1 = odds(a, b), d2 = evens(c, d), d3 = odds(c, d);
        v128.store(out, f32x4.sub(d0, d2));
        v128.store(out + xi, f32x4.add(d1, d2));
        v128.store(out + 2 * xi, f32x4.sub(d2, d1));
        v128.store(out + 3 * xi, f32x4.sub(d1, d3));
        s += <usize>pc << 2;
        out += 4 * xi;
      }
      // ... then rows, in place: V[4i + j] = Σ_k Bᵀ[i, k] e[k][j]
      for (let j = 0; j < 4; j++) {
        const o = col + <usize>j * xi;
        const e0 = v128.load(o), e1 = v128.load(o + 4 * xi), e2 = v128.load(o + 8 * xi), e3 = v128.load(o + 12 * xi);
        v128.store(o, f32x4.sub(e0, e2));
        v128.store(o + 4 * xi, f32x4.add(e1, e2));
        v128.store(o + 8 * xi, f32x4.sub(e2, e1));
        v128.store(o + 12 * xi, f32x4.sub(e1, e3));
      }
      col += 16;
    }
  }
}

/**
 * One output plane (OH × OW) of an image from M[ξ] (stride xi bytes), y = Aᵀ M A + bias per tile.
 * The 4 tiles of a lane group give two rows of 8 outputs, interleaved back from the lanes.
 */
function outputTransform(m: usize, xi: usize, tileRows: i32, tw4: i32, y: usize, OH: i32, OW: i32, bias: f32): void {
  const bv = f32x4.splat(bias);
  let col = m;
  for (let th = 0; th < tileRows; th++) {
    const row0 = y + ((<usize>(2 * th) * OW) << 2);
    const twoRows = 2 * th + 1 < OH;
    for (let t0 = 0; t0 < tw4; t0 += 4) {
      // s[i][0..1] = (row i of M) A, then y = Aᵀ s
      const s00 = sumA(col, xi), s01 = sumB(col, xi);
      const s10 = sumA(col + 4 * xi, xi), s11 = sumB(col + 4 * xi, xi);
      const s20 = sumA(col + 8 * xi, xi), s21 = sumB(col + 8 * xi, xi);
      const s30 = sumA(col + 12 * xi, xi), s31 = sumB(col + 12 * xi, xi);
      const y00 = f32x4.add(f32x4.add(f32x4.add(s00, s10), s20), bv), y01 = f32x4.add(f32x4.add(f32x4.add(s01, s11), s21), bv);
      const y10 = f32x4.add(f32x4.sub(f32x4.sub(s10, s20), s30), bv), y11 = f32x4.add(f32x4.sub(f32x4.sub(s11, s21), s31), bv);
      const ow = 2 * t0;
      storeRow(row0, ow, OW, y00, y01);
      if (twoRows) storeRow(row0 + (<usize>OW << 2), ow, OW, y10, y11);
      col += 16;
    }
  }
}

/** m0 + m1 + m2 and m1 − m2 − m3 of the 4 vectors at o, o + xi, …: the two columns of (a row of M) A. */
// @ts-ignore: decorator
@inline function sumA(o: usize, xi: usize): v128 {
  return f32x4.add(f32x4.add(v128.load(o), v128.load(o + xi)), v128.load(o + 2 * xi));
}
// @ts-ignore: decorator
@inline function sumB(o: usize, xi: usize): v128 {
  return f32x4.sub(f32x4.sub(v128.load(o + xi), v128.load(o + 2 * xi)), v128.load(o + 3 * xi));
}

/** Writes the 8 outputs l0 r0 l1 r1 … of one row of 4 tiles at column ow, as far as the row reaches. */
// @ts-ignore: decorator
@inline function storeRow(row: usize, ow: i32, OW: i32, left: v128, right: v128): void {
  const lo = v128.shuffle<f32>(left, right, 0, 4, 1, 5), hi = v128.shuffle<f32>(left, right, 2, 6, 3, 7);
  const p = row + (<usize>ow << 2);
  if (ow + 8 <= OW) {
    v128.store(p, lo);
    v128.store(p, hi, 16);
  } else {
    // the row's last group: the outputs past OW belong to padding tiles
    const n = OW - ow;
    if (n > 0) store<f32>(p, f32x4.extract_lane(lo, 0));
    if (n > 1) store<f32>(p, f32x4.extract_lane(lo, 1), 4);
    if (n > 2) store<f32>(p, f32x4.extract_lane(lo, 2), 8);
    if (n > 3) store<f32>(p, f32x4.extract_lane(lo, 3), 12);
    if (n > 4) store<f32>(p, f32x4.extract_lane(hi, 0), 16);
    if (n > 5) store<f32>(p, f32x4.extract_lane(hi, 1), 20);
    if (n > 6) store<f32>(p, f32x4.extract_lane(hi, 2), 24);
  }
}

/**
 * dM[ξ] = A dy Aᵀ for every tile of a padded gy plane (2·tileRows × 2·tw4 + 4, row stride pc; the tiles
 * past the plane's edge see zeros, so they add nothing to the weight gradient).
 */
function gradTransform(plane: usize, pc: i32, tileRows: i32, tw4: i32, dm: usize, xi: usize): void {
  let col = dm;
  for (let th = 0; th < tileRows; th++) {
    for (let t0 = 0; t0 < tw4; t0 += 4) {
      const s = plane + ((<usize>(2 * th * pc + 2 * t0)) << 2), t = s + (<usize>pc << 2);
      // the 2×2 dy of each lane's tile
      const a = v128.load(s), b = v128.load(s, 16), c = v128.load(t), d = v128.load(t, 16);
      const y00 = evens(a, b), y01 = odds(a, b), y10 = evens(c, d), y11 = odds(c, d);
      // rows: A dy  (A = [1 0; 1 1; 1 −1; 0 −1])
      const r00 = y00, r01 = y01;
      const r10 = f32x4.add(y00, y10), r11 = f32x4.add(y01, y11);
      const r20 = f32x4.sub(y00, y10), r21 = f32x4.sub(y01, y11);
      const r30 = f32x4.neg(y10), r31 = f32x4.neg(y11);
      // columns: (A dy) Aᵀ, row i to dM[4i .. 4i + 3]
      storeGradRow(col, xi, r00, r01);
      storeGradRow(col + 4 * xi, xi, r10, r11);
      storeGradRow(col + 8 * xi, xi, r20, r21);
      storeGradRow(col + 12 * xi, xi, r30, r31);
      col += 16;
    }
  }
}

// @ts-ignore: decorator
@inline function storeGradRow(o: usize, xi: usize, q0: v128, q1: v128): void {
  v128.store(o, q0);
  v128.store(o + xi, f32x4.add(q0, q1));
  v128.store(o + 2 * xi, f32x4.sub(q0, q1));
  v128.store(o + 3 * xi, f32x4.neg(q1));
}

/** Row r of G·h for a column h0, h1, h2: G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]. */
// @ts-ignore: decorator
@inline function gRow(r: i32, h0: f32, h1: f32, h2: f32): f32 {
  return r == 0 ? h0 : r == 1 ? 0.5 * (h0 + h1 + h2) : r == 2 ? 0.5 * (h0 - h1 + h2) : h2;
}

/** Tap i = 3·row + column of the filter at g, or of the filter rotated by 180°. */
// @ts-ignore: decorator
@inline function tap(g: usize, i: i32, forward: bool): f32 {
  return load<f32>(g + ((forward ? <usize>i : <usize>(8 - i)) << 2));
}

/**
 * U[ξ] = G g Gᵀ for the filters of w [outC, inC, 3, 3]. forward: U[ξ] is [outC × inC] of g = w[o, c];
 * otherwise (for the input gradient) [inC × outC] of g = w[o, c] rotated by 180°.
 */
function transformWeights(w: usize, outC: i32, inC: i32, forward: bool, u: usize): void {
  const xi = <usize>(outC * inC) << 2;
  for (let o = 0; o < outC; o++) {
    for (let c = 0; c < inC; c++) {
      const g = w + ((<usize>(o * inC + c) * 9) << 2);
      const dst = u + ((forward ? <usize>(o * inC + c) : <usize>(c * outC + o)) << 2);
      for (let r = 0; r < 4; r++) {
        // row r of G g (its 3 columns), then of (G g) Gᵀ
        const h0 = gRow(r, tap(g, 0, forward), tap(g, 3, forward), tap(g, 6, forward));
        const h1 = gRow(r, tap(g, 1, forward), tap(g, 4, forward), tap(g, 7, forward));
        const h2 = gRow(r, tap(g, 2, forward), tap(g, 5, forward), tap(g, 8, forward));
        for (let j = 0; j < 4; j++) store<f32>(dst + <usize>(4 * r + j) * xi, gRow(j, h0, h1, h2));
      }
    }
  }
}

/**
 * y[n] = conv(x[n]) for n < batch, inC → outC channels, H × W → OH × OW, with the input padded by
 * top / left (and zeros wherever else a tile reaches); w as for transformWeights (forward or not).
 * bias: outC floats or 0.
 */
export function winogradConv(
  batch: i32, inC: i32, H: i32, W: i32, outC: i32, OH: i32, OW: i32, top: i32, left: i32,
  x: usize, w: usize, forward: bool, bias: usize, y: usize, scratch: usize,
): void {
  const tileRows = (OH + 1) >> 1, tw4 = tilesRow(OW), T = tileRows * tw4;
  const pr = 2 * tileRows + 2, pc = 2 * tw4 + 4;
  const images = chunkImages(T, batch);
  const u = scratch;
  const plane = u + ((<usize>16 * outC * inC) << 2);
  const v = plane + ((<usize>pr * pc) << 2);
  transformWeights(w, forward ? outC : inC, forward ? inC : outC, forward, u);
  for (let n0 = 0; n0 < batch; n0 += images) {
    const count = min(images, batch - n0), N = count * T;
    const vXi = xiStride(inC * N);
    const m = v + 16 * vXi, mXi = xiStride(outC * N);
    for (let i = 0; i < count; i++) {
      for (let c = 0; c < inC; c++) {
        padPlane(x + ((<usize>((n0 + i) * inC + c) * H * W) << 2), H, W, top, left, plane, pr, pc);
        inputTransform(plane, pc, tileRows, tw4, v + ((<usize>c * N + i * T) << 2), vXi);
      }
    }
    for (let e = 0; e < 16; e++) {
      gemm(outC, N, inC, u + ((<usize>e * outC * inC) << 2), inC, false, v + <usize>e * vXi, N, false, m + <usize>e * mXi, N, false);
    }
    for (let i = 0; i < count; i++) {
      for (let o = 0; o < outC; o++) {
        const b: f32 = bias != 0 ? load<f32>(bias + (<usize>o << 2)) : 0;
        outputTransform(m + ((<usize>o * N + i * T) << 2), mXi, tileRows, tw4, y + ((<usize>((n0 + i) * outC + o) * OH * OW) << 2), OH, OW, b);
      }
    }
  }
}

/** gw [outC, inC, 3, 3] = the weight gradient of the convolution winogradConv computes forward, summed over the batch. */
export function winogradWeightGrad(
  batch: i32, inC: i32, H: i32, W: i32, outC: i32, OH: i32, OW: i32, top: i32, left: i32,
  x: usize, gy: usize, gw: usize, scratch: usize,
): void {
  const tileRows = (OH + 1) >> 1, tw4 = tilesRow(OW), T = tileRows * tw4;
  const pr = 2 * tileRows + 2, pc = 2 * tw4 + 4;
  const images = chunkImages(T, batch);
  const du = scratch, duXi = <usize>outC * inC << 2;
  const plane = du + 16 * duXi;
  const v = plane + ((<usize>pr * pc) << 2);
  for (let n0 = 0; n0 < batch; n0 += images) {
    const count = min(images, batch - n0), N = count * T;
    const vXi = xiStride(inC * N);
    const dm = v + 16 * vXi, dmXi = xiStride(outC * N);
    for (let i = 0; i < count; i++) {
      for (let c = 0; c < inC; c++) {
        padPlane(x + ((<usize>((n0 + i) * inC + c) * H * W) << 2), H, W, top, left, plane, pr, pc);
        inputTransform(plane, pc, tileRows, tw4, v + ((<usize>c * N + i * T) << 2), vXi);
      }
      for (let o = 0; o < outC; o++) {
        padPlane(gy + ((<usize>((n0 + i) * outC + o) * OH * OW) << 2), OH, OW, 0, 0, plane, pr, pc);
        gradTransform(plane, pc, tileRows, tw4, dm + ((<usize>o * N + i * T) << 2), dmXi);
      }
    }
    for (let e = 0; e < 16; e++) {
      gemm(outC, inC, N, dm + <usize>e * dmXi, N, false, v + <usize>e * vXi, N, true, du + <usize>e * duXi, inC, n0 > 0);
    }
  }
  // gw = Gᵀ dU G per filter: Gᵀ = [1 ½ ½ 0; 0 ½ −½ 0; 0 ½ ½ 1]
  for (let f = 0; f < outC * inC; f++) {
    const src = du + (<usize>f << 2), dst = gw + ((<usize>f * 9) << 2);
    for (let r = 0; r < 3; r++) {
      // row r of Gᵀ dU (its 4 columns), then of (Gᵀ dU) G
      const q0 = gtRow(r, load<f32>(src), load<f32>(src + 4 * duXi), load<f32>(src + 8 * duXi), load<f32>(src + 12 * duXi));
      const q1 = gtRow(r, load<f32>(src + duXi), load<f32>(src + 5 * duXi), load<f32>(src + 9 * duXi), load<f32>(src + 13 * duXi));
      const q2 = gtRow(r, load<f32>(src + 2 * duXi), load<f32>(src + 6 * duXi), load<f32>(src + 10 * duXi), load<f32>(src + 14 * duXi));
      const q3 = gtRow(r, load<f32>(src + 3 * duXi), load<f32>(src + 7 * duXi), load<f32>(src + 11 * duXi), load<f32>(src + 15 * duXi));
      for (let j = 0; j < 3; j++) store<f32>(dst + (<usize>(3 * r + j) << 2), gtRow(j, q0, q1, q2, q3));
    }
  }
}

/** Row r of Gᵀ·q for a column q0 .. q3. */
// @ts-ignore: decorator
@inline function gtRow(r: i32, q0: f32, q1: f32, q2: f32, q3: f32): f32 {
  return r == 0 ? q0 + 0.5 * (q1 + q2) : r == 1 ? 0.5 * (q1 - q2) : 0.5 * (q1 + q2) + q3;
}
