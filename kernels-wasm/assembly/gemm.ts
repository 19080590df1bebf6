// GEMM: C = op(A)·op(B) (+ C when accumulating), single precision, WASM SIMD.
//
// The classic Goto/BLIS structure, sized for this machine (see issue 3):
//   - B is packed block by block (KC rows × NC columns) into NR-column panels, A (MC × KC) into MR-row
//     panels; edges are zero-padded so the micro-kernel never branches on size.
//   - The micro-kernel keeps an MR×NR = 4×8 tile of C in 8 v128 registers: per k step it loads one
//     row of the B panel (2 vectors) and broadcasts 4 values of A (`v128.load32_splat`). 8 accumulators
//     + 2 B + 1 A = 11 registers, under V8's 15 usable xmm; larger tiles spill and halve the speed.
//   - The k loop is not unrolled by hand: TurboFan then hoists loads and spills.
// The relaxed build uses f32x4.relaxed_madd (an FMA on x86 with FMA3), the plain build mul + add.

export const MR = 4;
export const NR = 8;
export const MC = 120; // multiple of MR; A block = 120 × 256 floats = 120 KB (L2)
export const KC = 256;
export const NC = 4096; // multiple of NR; B block = 256 × 4096 floats = 4 MB

// Scratch for the packed panels and one edge tile. The main thread's lies right after the static data;
// a worker thread (sharing the memory) gets its own block from the host through setScratch.
const SCRATCH_BYTES: usize = <usize>((MC * KC + KC * NC + MR * NR) * 4 + 64);
let PACK_A: usize = (__heap_base + 63) & ~(63 as usize);
let PACK_B: usize = PACK_A + <usize>(MC * KC * 4);
let TILE: usize = PACK_B + <usize>(KC * NC * 4);

/** First byte the host may use for its own buffers (everything below is the main thread's scratch). */
export function dynamicBase(): usize {
  return (((__heap_base + 63) & ~(63 as usize)) + SCRATCH_BYTES + 63) & ~(63 as usize);
}

/** Bytes of packing scratch one thread needs. */
export function scratchBytes(): usize {
  return SCRATCH_BYTES;
}

/** Moves this instance's packing scratch to `ptr` (64-byte aligned, scratchBytes() long). */
export function setScratch(ptr: usize): void {
  PACK_A = ptr;
  PACK_B = PACK_A + <usize>(MC * KC * 4);
  TILE = PACK_B + <usize>(KC * NC * 4);
}

// @ts-ignore: decorator
@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** Whether this module was built with relaxed SIMD (fused multiply-add). */
export function hasRelaxedSimd(): bool {
  return ASC_FEATURE_RELAXED_SIMD;
}

/** The 4×8 micro-kernel: tile (ldc in floats) = [tile +] Ap(4×kc) · Bp(kc×8). */
function micro4x8(kc: i32, ap: usize, bp: usize, c: usize, ldc: usize, add: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    let a = v128.load32_splat(ap);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load32_splat(ap, 4);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load32_splat(ap, 8);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load32_splat(ap, 12);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    ap += 16;
    bp += 32;
  }
  const row = ldc << 2;
  if (add) {
    c00 = f32x4.add(c00, v128.load(c));
    c01 = f32x4.add(c01, v128.load(c, 16));
    c10 = f32x4.add(c10, v128.load(c + row));
    c11 = f32x4.add(c11, v128.load(c + row, 16));
    c20 = f32x4.add(c20, v128.load(c + 2 * row));
    c21 = f32x4.add(c21, v128.load(c + 2 * row, 16));
    c30 = f32x4.add(c30, v128.load(c + 3 * row));
    c31 = f32x4.add(c31, v128.load(c + 3 * row, 16));
  }
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(c + row, c10);
  v128.store(c + row, c11, 16);
  v128.store(c + 2 * row, c20);
  v128.store(c + 2 * row, c21, 16);
  v128.store(c + 3 * row, c30);
  v128.store(c + 3 * row, c31, 16);
}

/** Stores the transpose of the 4×4 block with rows r0..r3: column c goes to dst + c·stride (bytes). */
// @ts-ignore: decorator
@inline function transpose4(dst: usize, r0: v128, r1: v128, r2: v128, r3: v128, stride: usize): void {
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5); // a0 b0 a1 b1
  const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5); // c0 d0 c1 d1
  const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7); // a2 b2 a3 b3
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7); // c2 d2 c3 d3
  v128.store(dst, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
  v128.store(dst + stride, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7));
  v128.store(dst + 2 * stride, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * stride, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7));
}

/** Packs op(A)[i0 .. i0+mc, p0 .. p0+kc] into MR-row panels: panel r holds, per p, MR consecutive floats. */
function packA(a: usize, lda: i32, transA: bool, i0: i32, mc: i32, p0: i32, kc: i32): void {
  let dst = PACK_A;
  for (let ir = 0; ir < mc; ir += MR) {
    const rows = min(MR, mc - ir);
    if (transA) {
      // A is stored [k, m]: the MR values of one p are adjacent
      let src = a + ((<usize>p0 * lda + i0 + ir) << 2);
      const step = <usize>lda << 2;
      if (rows == MR) {
        for (let p = 0; p < kc; p++) {
          v128.store(dst, v128.load(src));
          src += step;
          dst += 16;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let r = 0; r < MR; r++) store<f32>(dst + (r << 2), r < rows ? load<f32>(src + (r << 2)) : 0);
          src += step;
          dst += 16;
        }
      }
    } else {
      // A is stored [m, k]: read MR rows side by side
      const base = a + ((<usize>(i0 + ir) * lda + p0) << 2);
      const row = <usize>lda << 2;
      if (rows == MR) {
        let p = 0;
        for (; p + 4 <= kc; p += 4) {
          // 4 rows × 4 k values, transposed in registers
          const s = base + (p << 2);
          transpose4(dst, v128.load(s), v128.load(s + row), v128.load(s + 2 * row), v128.load(s + 3 * row), 16);
          dst += 64;
        }
        for (; p < kc; p++) {
          const s = base + (p << 2);
          store<f32>(dst, load<f32>(s));
          store<f32>(dst, load<f32>(s + row), 4);
          store<f32>(dst, load<f32>(s + 2 * row), 8);
          store<f32>(dst, load<f32>(s + 3 * row), 12);
          dst += 16;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let r = 0; r < MR; r++) store<f32>(dst + (r << 2), r < rows ? load<f32>(base + <usize>r * row + (p << 2)) : 0);
          dst += 16;
        }
      }
    }
  }
}

/** Packs op(B)[p0 .. p0+kc, j0 .. j0+nc] into NR-column panels: panel holds, per p, NR consecutive floats. */
function packB(b: usize, ldb: i32, transB: bool, p0: i32, kc: i32, j0: i32, nc: i32): void {
  let dst = PACK_B;
  for (let jr = 0; jr < nc; jr += NR) {
    const cols = min(NR, nc - jr);
    if (!transB) {
      // B is stored [k, n]: one panel row is NR adjacent floats
      let src = b + ((<usize>p0 * ldb + j0 + jr) << 2);
      const step = <usize>ldb << 2;
      if (cols == NR) {
        for (let p = 0; p < kc; p++) {
          v128.store(dst, v128.load(src));
          v128.store(dst, v128.load(src, 16), 16);
          src += step;
          dst += 32;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let j = 0; j < NR; j++) store<f32>(dst + (j << 2), j < cols ? load<f32>(src + (j << 2)) : 0);
          src += step;
          dst += 32;
        }
      }
    } else {
      // B is stored [n, k]: gather one value from each of NR rows
      const base = b + ((<usize>(j0 + jr) * ldb + p0) << 2);
      const row = <usize>ldb << 2;
      if (cols == NR) {
        let p = 0;
        for (; p + 4 <= kc; p += 4) {
          // 8 rows × 4 k values: two 4×4 transposes fill 4 panel rows of 8
          const s = base + (p << 2);
          transpose4(dst, v128.load(s), v128.load(s + row), v128.load(s + 2 * row), v128.load(s + 3 * row), 32);
          const t = s + 4 * row;
          transpose4(dst + 16, v128.load(t), v128.load(t + row), v128.load(t + 2 * row), v128.load(t + 3 * row), 32);
          dst += 128;
        }
        for (; p < kc; p++) {
          const s = base + (p << 2);
          store<f32>(dst, load<f32>(s));
          store<f32>(dst, load<f32>(s + row), 4);
          store<f32>(dst, load<f32>(s + 2 * row), 8);
          store<f32>(dst, load<f32>(s + 3 * row), 12);
          store<f32>(dst, load<f32>(s + 4 * row), 16);
          store<f32>(dst, load<f32>(s + 5 * row), 20);
          store<f32>(dst, load<f32>(s + 6 * row), 24);
          store<f32>(dst, load<f32>(s + 7 * row), 28);
          dst += 32;
        }
      } else {
        for (let p = 0; p < kc; p++) {
          for (let j = 0; j < NR; j++) store<f32>(dst + (j << 2), j < cols ? load<f32>(base + <usize>j * row + (p << 2)) : 0);
          dst += 32;
        }
      }
    }
  }
}

/**
 * One matrix product: C[m × n] (row stride ldc) = [C +] op(A)·op(B), all strides in floats.
 * op(A)(i, p) = transA ? A[p·lda + i] : A[i·lda + p];  op(B)(p, j) = transB ? B[j·ldb + p] : B[p·ldb + j].
 */
export function gemm(
  m: i32, n: i32, k: i32,
  a: usize, lda: i32, transA: bool,
  b: usize, ldb: i32, transB: bool,
  c: usize, ldc: i32, accumulate: bool,
): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    // an empty sum: C = 0 (or unchanged when accumulating)
    if (!accumulate) for (let i = 0; i < m; i++) memory.fill(c + ((<usize>i * ldc) << 2), 0, <usize>n << 2);
    return;
  }
  // equal k blocks (288 → 144 + 144, not 256 + 32): a thin block pays the C load/store for few k steps
  const kBlocks = (k + KC - 1) / KC;
  const kBlock = (k + kBlocks - 1) / kBlocks;
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = min(NC, n - j0);
    for (let p0 = 0; p0 < k; p0 += kBlock) {
      const kc = min(kBlock, k - p0);
      const add = accumulate || p0 > 0;
      packB(b, ldb, transB, p0, kc, j0, nc);
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = min(MC, m - i0);
        packA(a, lda, transA, i0, mc, p0, kc);
        for (let jr = 0; jr < nc; jr += NR) {
          const cols = min(NR, nc - jr);
          const bp = PACK_B + ((<usize>jr * kc) << 2);
          for (let ir = 0; ir < mc; ir += MR) {
            const rows = min(MR, mc - ir);
            const ap = PACK_A + ((<usize>ir * kc) << 2);
            const cij = c + ((<usize>(i0 + ir) * ldc + j0 + jr) << 2);
            if (rows == MR && cols == NR) {
              micro4x8(kc, ap, bp, cij, ldc, add);
            } else {
              // an edge tile: compute the whole padded tile aside, then add/copy its valid part
              micro4x8(kc, ap, bp, TILE, NR, false);
              for (let r = 0; r < rows; r++) {
                const dst = cij + ((<usize>r * ldc) << 2);
                const src = TILE + ((<usize>r * NR) << 2);
                for (let j = 0; j < cols; j++) {
                  const v = load<f32>(src + (j << 2));
                  store<f32>(dst + (j << 2), add ? load<f32>(dst + (j << 2)) + v : v);
                }
              }
            }
          }
        }
      }
    }
  }
}

/** Batched GEMM: matrix b of A, B, C starts strideA / strideB / strideC floats after matrix b − 1 (0 = shared). */
export function gemmBatched(
  batch: i32, m: i32, n: i32, k: i32,
  a: usize, strideA: i32, transA: bool,
  b: usize, strideB: i32, transB: bool,
  c: usize,
): void {
  const lda = transA ? m : k;
  const ldb = transB ? k : n;
  for (let i = 0; i < batch; i++) {
    gemm(
      m, n, k,
      a + ((<usize>i * strideA) << 2), lda, transA,
      b + ((<usize>i * strideB) << 2), ldb, transB,
      c + ((<usize>i * m * n) << 2), n, false,
    );
  }
}
