// Winograd F(4×4, 3×3) for 3×3 convolutions with stride 1, dilation 1 and one group: each 4×4 block
// of outputs ("tile") costs 36 multiplies per channel pair instead of 144, as 36 GEMMs over transformed
// tiles (Lavin & Gray 2015; interpolation points 0, ±1, ±2, ∞). With d a 6×6 input patch, g a 3×3
// filter and y the 4×4 output:
//   U = G g Gᵀ,  V = Bᵀ d B,  M = Σ_c U ⊙ V,  y = Aᵀ M A
//   Bᵀ = [4  0 −5  0 1 0      G = [ ¼    0    0       Aᵀ = [1 1  1 1  1 0
//         0 −4 −4  1 1 0           −⅙   −⅙   −⅙             0 1 −1 2 −2 0
//         0  4 −4 −1 1 0           −⅙    ⅙   −⅙             0 1  1 4  4 0
//         0 −2 −1  2 1 0           1/24 1/12  ⅙             0 1 −1 8 −8 1]
//         0  2 −1 −2 1 0           1/24 −1/12 ⅙
//         0  4  0 −5 0 1]           0    0    1 ]
// For each of the 36 positions ξ of the 6×6 transform, Σ_c is a GEMM: M[ξ] [outC × tiles] =
// U[ξ] [outC × C] · V[ξ] [C × tiles]. The gradients are the same pieces read backwards:
//   grad input   a forward Winograd convolution of gy (padded by 2 − pad) with the rotated filter, Uᵀ
//   grad weight  dM = A dy Aᵀ per tile;  dU[ξ] = Σ_tiles dM[ξ] · V[ξ]ᵀ (a GEMM);  dg = Gᵀ dU G
// The transforms work on 4 horizontally adjacent tiles at once, one per SIMD lane (4×4 transposes move
// between a row of 16 floats and 4 lanes), read from a copy of one channel plane with the padding
// written out, so that no load needs a bounds check. Each is separable: rows first, written to the
// 36 slots, then columns in place.
//
// Layout: a chunk of images at a time, tiles numbered t = th·tilesRow + tw per image (tilesRow rounded
// up to 4; the extra tiles compute outputs that are dropped), column n·T + t of every [· × tiles] matrix.

import { gemm } from './gemm';
import { copy, zero } from './rows';

/** Aim for this many tile columns per chunk: the transformed chunk then stays in L2 for the GEMMs. */
const CHUNK_COLUMNS = 128;

/**
 * Bytes between the 36 matrices of a transform: one cache line past their size, since the transforms
 * read or write all 36 at once, and at a power-of-two distance they would all map to one cache set.
 */
// @ts-ignore: decorator
@inline function xiStride(floats: i32): usize {
  return <usize>(floats + 16) << 2;
}

/** Tiles per row of an output OW wide, rounded up to the 4 lanes. */
// @ts-ignore: decorator
@inline function tilesRow(OW: i32): i32 {
  return (((OW + 3) >> 2) + 3) & ~3;
}
// @ts-ignore: decorator
@inline function tilesPerImage(OH: i32, OW: i32): i32 {
  return ((OH + 3) >> 2) * tilesRow(OW);
}
// @ts-ignore: decorator
@inline function chunkImages(T: i32, batch: i32): i32 {
  return max(1, min(batch, CHUNK_COLUMNS / T));
}
/** Floats of one padded plane, (4·tile rows + 2) × (4·tilesRow + 4): room for the 6×6 patches' loads. */
// @ts-ignore: decorator
@inline function planeFloats(OH: i32, OW: i32): i32 {
  return (((OH + 3) >> 2) * 4 + 2) * (tilesRow(OW) * 4 + 4);
}
/** Floats of the output transform's staging (24 vectors) and of one row of 16 outputs. */
const STAGE_FLOATS = 24 * 4 + 16;

/** Floats of scratch a Winograd convolution (any of the three kernels) needs, from an inC → outC one producing OH × OW. */
export function winogradFloats(batch: i32, inC: i32, H: i32, W: i32, outC: i32, OH: i32, OW: i32): i32 {
  // forward and weight gradient tile the output; the input gradient tiles the input with the roles swapped
  const T = tilesPerImage(OH, OW), Tx = tilesPerImage(H, W);
  const fwd = 36 * ((inC + outC) * chunkImages(T, batch) * T + 32) + planeFloats(OH, OW);
  const bwd = 36 * ((inC + outC) * chunkImages(Tx, batch) * Tx + 32) + planeFloats(H, W);
  return 36 * inC * outC + STAGE_FLOATS + max(fwd, bwd);
}

/** The 4×4 transpose of rows r0..r3 into vectors: column c goes to dst + c·stride (bytes). */
// @ts-ignore: decorator
@inline function transpose4(dst: usize, stride: usize, r0: v128, r1: v128, r2: v128, r3: v128): void {
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
  v128.store(dst + stride, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
  v128.store(dst + 2 * stride, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * stride, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
}

// @ts-ignore: decorator
@inline function mul(a: v128, k: f32): v128 {
  return f32x4.mul(a, f32x4.splat(k));
}

/** out[i·stride] = (Bᵀ d)[i] for i < 6. */
// @ts-ignore: decorator
@inline function bt(out: usize, stride: usize, d0: v128, d1: v128, d2: v128, d3: v128, d4: v128, d5: v128): void {
  const d4m2 = f32x4.sub(d4, d2), d3m1 = f32x4.sub(d3, d1);
  v128.store(out, f32x4.add(f32x4.sub(mul(d0, 4), mul(d2, 5)), d4));
  v128.store(out + stride, f32x4.sub(f32x4.add(d4, d3), mul(f32x4.add(d1, d2), 4)));
  v128.store(out + 2 * stride, f32x4.sub(f32x4.add(d4, mul(d1, 4)), f32x4.add(mul(d2, 4), d3)));
  v128.store(out + 3 * stride, f32x4.add(d4m2, mul(d3m1, 2)));
  v128.store(out + 4 * stride, f32x4.sub(d4m2, mul(d3m1, 2)));
  v128.store(out + 5 * stride, f32x4.add(f32x4.sub(mul(d1, 4), mul(d3, 5)), d5));
}

/** out[i·stride] = (Aᵀ m)[i] for i < 4. */
// @ts-ignore: decorator
@inline function at(out: usize, stride: usize, m0: v128, m1: v128, m2: v128, m3: v128, m4: v128, m5: v128): void {
  const p12 = f32x4.add(m1, m2), m12 = f32x4.sub(m1, m2), p34 = f32x4.add(m3, m4), m34 = f32x4.sub(m3, m4);
  v128.store(out, f32x4.add(f32x4.add(m0, p12), p34));
  v128.store(out + stride, f32x4.add(m12, mul(m34, 2)));
  v128.store(out + 2 * stride, f32x4.add(p12, mul(p34, 4)));
  v128.store(out + 3 * stride, f32x4.add(f32x4.add(m12, mul(m34, 8)), m5));
}

/** out[i·stride] = (A y)[i] for i < 6: A = Aᵀᵀ, 6 × 4. */
// @ts-ignore: decorator
@inline function a6(out: usize, stride: usize, y0: v128, y1: v128, y2: v128, y3: v128): void {
  const p02 = f32x4.add(y0, y2), p13 = f32x4.add(y1, y3), q02 = f32x4.add(y0, mul(y2, 4)), q13 = f32x4.add(mul(y1, 2), mul(y3, 8));
  v128.store(out, y0);
  v128.store(out + stride, f32x4.add(p02, p13));
  v128.store(out + 2 * stride, f32x4.sub(p02, p13));
  v128.store(out + 3 * stride, f32x4.add(q02, q13));
  v128.store(out + 4 * stride, f32x4.sub(q02, q13));
  v128.store(out + 5 * stride, y3);
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
 * V[ξ] columns of one channel from its padded plane (row stride pc): Bᵀ d B for every tile.
 * xi: the stride in bytes between V[ξ] and V[ξ + 1].
 */
function inputTransform(plane: usize, pc: i32, tileRows: i32, tw4: i32, v: usize, xi: usize): void {
  const row = <usize>pc << 2;
  let col = v;
  for (let th = 0; th < tileRows; th++) {
    for (let t0 = 0; t0 < tw4; t0 += 4) {
      let s = plane + ((<usize>(4 * th * pc + 4 * t0)) << 2);
      for (let k = 0; k < 6; k++) {
        // the 6 columns of the 4 tiles' row k: 20 floats of the plane, transposed into lanes
        const q0 = v128.load(s), q1 = v128.load(s, 16), q2 = v128.load(s, 32), q3 = v128.load(s, 48), q4 = v128.load(s, 64);
        const t01a = v128.shuffle<f32>(q0, q1, 0, 4, 1, 5), t23a = v128.shuffle<f32>(q2, q3, 0, 4, 1, 5);
        const t01b = v128.shuffle<f32>(q0, q1, 2, 6, 3, 7), t23b = v128.shuffle<f32>(q2, q3, 2, 6, 3, 7);
        const t12 = v128.shuffle<f32>(q1, q2, 0, 4, 1, 5), t34 = v128.shuffle<f32>(q3, q4, 0, 4, 1, 5);
        const d0 = v128.shuffle<f32>(t01a, t23a, 0, 1, 4, 5), d1 = v128.shuffle<f32>(t01a, t23a, 2, 3, 6, 7);
        const d2 = v128.shuffle<f32>(t01b, t23b, 0, 1, 4, 5), d3 = v128.shuffle<f32>(t01b, t23b, 2, 3, 6, 7);
        const d4 = v128.shuffle<f32>(t12, t34, 0, 1, 4, 5), d5 = v128.shuffle<f32>(t12, t34, 2, 3, 6, 7);
        // row k times B into slots 6k .. 6k + 5
        bt(col + <usize>(6 * k) * xi, xi, d0, d1, d2, d3, d4, d5);
        s += row;
      }
      // then Bᵀ times each column j, in place
      for (let j = 0; j < 6; j++) {
        const o = col + <usize>j * xi, x6: usize = 6 * xi;
        bt(o, x6, v128.load(o), v128.load(o + x6), v128.load(o + 2 * x6), v128.load(o + 3 * x6), v128.load(o + 4 * x6), v128.load(o + 5 * x6));
      }
      col += 16;
    }
  }
}

/**
 * One output plane (OH × OW) of an image from M[ξ] (stride xi bytes): y = Aᵀ M A + bias per tile.
 * stage: STAGE_FLOATS of scratch.
 */
function outputTransform(m: usize, xi: usize, tileRows: i32, tw4: i32, y: usize, OH: i32, OW: i32, bias: f32, stage: usize): void {
  const bv = f32x4.splat(bias);
  const line = stage + 24 * 16;
  let col = m;
  for (let th = 0; th < tileRows; th++) {
    for (let t0 = 0; t0 < tw4; t0 += 4) {
      // (row i of M) A into stage[4i .. 4i + 3], then Aᵀ times each column c, in place (rows 0..3)
      for (let i = 0; i < 6; i++) {
        const o = col + <usize>(6 * i) * xi;
        at(stage + 64 * i, 16, v128.load(o), v128.load(o + xi), v128.load(o + 2 * xi), v128.load(o + 3 * xi), v128.load(o + 4 * xi), v128.load(o + 5 * xi));
      }
      for (let c = 0; c < 4; c++) {
        const o = stage + 16 * c;
        at(o, 64, v128.load(o), v128.load(o, 64), v128.load(o, 128), v128.load(o, 192), v128.load(o, 256), v128.load(o, 320));
      }
      // row r of the 4 tiles: lanes back to 16 consecutive outputs
      const ow = 4 * t0, whole = ow + 16 <= OW;
      for (let r = 0; r < 4; r++) {
        const oh = 4 * th + r;
        if (oh >= OH) break;
        const o = stage + 64 * r;
        const dst = y + ((<usize>oh * OW + ow) << 2);
        const rows = f32x4.add(v128.load(o), bv);
        transpose4(whole ? dst : line, 16, rows, f32x4.add(v128.load(o, 16), bv), f32x4.add(v128.load(o, 32), bv), f32x4.add(v128.load(o, 48), bv));
        if (!whole) copy(dst, line, OW - ow); // the row's last group: outputs past OW belong to padding tiles
      }
      col += 16;
    }
  }
}

/**
 * dM[ξ] = A dy Aᵀ for every tile of a padded gy plane (4·tileRows × 4·tw4 at least, row stride pc; the
 * tiles past the plane's edge see zeros, so they add nothing to the weight gradient).
 */
function gradTransform(plane: usize, pc: i32, tileRows: i32, tw4: i32, dm: usize, xi: usize): void {
  const row = <usize>pc << 2;
  let col = dm;
  for (let th = 0; th < tileRows; th++) {
    for (let t0 = 0; t0 < tw4; t0 += 4) {
      let s = plane + ((<usize>(4 * th * pc + 4 * t0)) << 2);
      for (let r = 0; r < 4; r++) {
        // row r of the 4 tiles' dy into lanes (through slots 6r .. 6r + 3), times Aᵀ into slots 6r .. 6r + 5
        const o = col + <usize>(6 * r) * xi;
        transpose4(o, xi, v128.load(s), v128.load(s, 16), v128.load(s, 32), v128.load(s, 48));
        a6(o, xi, v128.load(o), v128.load(o + xi), v128.load(o + 2 * xi), v128.load(o + 3 * xi));
        s += row;
      }
      // then A times each column j, in place
      for (let j = 0; j < 6; j++) {
        const o = col + <usize>j * xi, x6: usize = 6 * xi;
        a6(o, x6, v128.load(o), v128.load(o + x6), v128.load(o + 2 * x6), v128.load(o + 3 * x6));
      }
      col += 16;
    }
  }
}

/** Row r of G·h for a column h0, h1, h2. */
// @ts-ignore: decorator
@inline function gRow(r: i32, h0: f32, h1: f32, h2: f32): f32 {
  if (r == 0) return 0.25 * h0;
  if (r == 1) return (h0 + h1 + h2) * (-1.0 / 6);
  if (r == 2) return (h0 - h1 + h2) * (-1.0 / 6);
  if (r == 3) return h0 * (1.0 / 24) + h1 * (1.0 / 12) + h2 * (1.0 / 6);
  if (r == 4) return h0 * (1.0 / 24) - h1 * (1.0 / 12) + h2 * (1.0 / 6);
  return h2;
}

/** Row r of Gᵀ·q for a column q0 .. q5. */
// @ts-ignore: decorator
@inline function gtRow(r: i32, q0: f32, q1: f32, q2: f32, q3: f32, q4: f32, q5: f32): f32 {
  if (r == 0) return 0.25 * q0 - (q1 + q2) * (1.0 / 6) + (q3 + q4) * (1.0 / 24);
  if (r == 1) return (q2 - q1) * (1.0 / 6) + (q3 - q4) * (1.0 / 12);
  return (q3 + q4 - q1 - q2) * (1.0 / 6) + q5;
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
      for (let r = 0; r < 6; r++) {
        // row r of G g (its 3 columns), then of (G g) Gᵀ
        const h0 = gRow(r, tap(g, 0, forward), tap(g, 3, forward), tap(g, 6, forward));
        const h1 = gRow(r, tap(g, 1, forward), tap(g, 4, forward), tap(g, 7, forward));
        const h2 = gRow(r, tap(g, 2, forward), tap(g, 5, forward), tap(g, 8, forward));
        for (let j = 0; j < 6; j++) store<f32>(dst + <usize>(6 * r + j) * xi, gRow(j, h0, h1, h2));
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
  const tileRows = (OH + 3) >> 2, tw4 = tilesRow(OW), T = tileRows * tw4;
  const pr = 4 * tileRows + 2, pc = 4 * tw4 + 4;
  const images = chunkImages(T, batch);
  const u = scratch;
  const stage = u + ((<usize>36 * outC * inC) << 2);
  const plane = stage + (<usize>STAGE_FLOATS << 2);
  const v = plane + ((<usize>pr * pc) << 2);
  transformWeights(w, forward ? outC : inC, forward ? inC : outC, forward, u);
  for (let n0 = 0; n0 < batch; n0 += images) {
    const count = min(images, batch - n0), N = count * T;
    const vXi = xiStride(inC * N);
    const m = v + 36 * vXi, mXi = xiStride(outC * N);
    for (let i = 0; i < count; i++) {
      for (let c = 0; c < inC; c++) {
        padPlane(x + ((<usize>((n0 + i) * inC + c) * H * W) << 2), H, W, top, left, plane, pr, pc);
        inputTransform(plane, pc, tileRows, tw4, v + ((<usize>c * N + i * T) << 2), vXi);
      }
    }
    for (let e = 0; e < 36; e++) {
      gemm(outC, N, inC, u + ((<usize>e * outC * inC) << 2), inC, false, v + <usize>e * vXi, N, false, m + <usize>e * mXi, N, false);
    }
    for (let i = 0; i < count; i++) {
      for (let o = 0; o < outC; o++) {
        const b: f32 = bias != 0 ? load<f32>(bias + (<usize>o << 2)) : 0;
        outputTransform(m + ((<usize>o * N + i * T) << 2), mXi, tileRows, tw4, y + ((<usize>((n0 + i) * outC + o) * OH * OW) << 2), OH, OW, b, stage);
      }
    }
  }
}

/** gw [outC, inC, 3, 3] = the weight gradient of the convolution winogradConv computes forward, summed over the batch. */
export function winogradWeightGrad(
  batch: i32, inC: i32, H: i32, W: i32, outC: i32, OH: i32, OW: i32, top: i32, left: i32,
  x: usize, gy: usize, gw: usize, scratch: usize,
): void {
  const tileRows = (OH + 3) >> 2, tw4 = tilesRow(OW), T = tileRows * tw4;
  const pr = 4 * tileRows + 2, pc = 4 * tw4 + 4;
  const images = chunkImages(T, batch);
  const du = scratch, duXi = <usize>outC * inC << 2;
  const plane = du + 36 * duXi + (<usize>STAGE_FLOATS << 2);
  const v = plane + ((<usize>pr * pc) << 2);
  for (let n0 = 0; n0 < batch; n0 += images) {
    const count = min(images, batch - n0), N = count * T;
    const vXi = xiStride(inC * N);
    const dm = v + 36 * vXi, dmXi = xiStride(outC * N);
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
    for (let e = 0; e < 36; e++) {
      gemm(outC, inC, N, dm + <usize>e * dmXi, N, false, v + <usize>e * vXi, N, true, du + <usize>e * duXi, inC, n0 > 0);
    }
  }
  // gw = Gᵀ dU G per filter
  for (let f = 0; f < outC * inC; f++) {
    const src = du + (<usize>f << 2), dst = gw + ((<usize>f * 9) << 2);
    for (let r = 0; r < 3; r++) {
      // row r of Gᵀ dU (its 6 columns), then of (Gᵀ dU) G
      const q0 = gtColumn(r, src, duXi), q1 = gtColumn(r, src + duXi, duXi), q2 = gtColumn(r, src + 2 * duXi, duXi);
      const q3 = gtColumn(r, src + 3 * duXi, duXi), q4 = gtColumn(r, src + 4 * duXi, duXi), q5 = gtColumn(r, src + 5 * duXi, duXi);
      for (let j = 0; j < 3; j++) store<f32>(dst + (<usize>(3 * r + j) << 2), gtRow(j, q0, q1, q2, q3, q4, q5));
    }
  }
}

/** Row r of Gᵀ times column j of dU, whose 6 entries are 6·xi bytes apart from src = dU[ξ = j]. */
// @ts-ignore: decorator
@inline function gtColumn(r: i32, src: usize, xi: usize): f32 {
  return gtRow(r, load<f32>(src), load<f32>(src + 6 * xi), load<f32>(src + 12 * xi), load<f32>(src + 18 * xi), load<f32>(src + 24 * xi), load<f32>(src + 30 * xi));
}
