// randomFill's generator, Philox4x32-10, as engine/backends/js/random.ts describes it (the reference):
// element i of a fill is word i % 4 of the block at counter (counter + i) / 4. With 64-bit integer
// products the rounds are a few instructions each, where JS splits every product into float halves.

const M0: u64 = 0xd2511f53;
const M1: u64 = 0xcd9e8d57;
const W0: u32 = 0x9e3779b9;
const W1: u32 = 0xbb67ae85;

/**
 * out[0, n): uniform [0, 1) floats from 24 random bits, or for a bernoulli fill `value` where that
 * uniform is below p and 0 elsewhere; `counter` is element 0's position in the stream.
 */
export function randomFill(out: usize, n: i32, k0: u32, k1: u32, counter: f64, bernoulli: bool, p: f64, value: f32): void {
  const start = <u64>counter;
  let block = start >> 2;
  let i = -<i32>(start & 3); // element 0 is word (counter % 4) of the first block
  for (; i < n; block++, i += 4) {
    let x0 = <u32>block, x1 = <u32>(block >> 32), x2: u32 = 0, x3: u32 = 0;
    let a = k0, b = k1;
    for (let round = 0; round < 10; round++) {
      const p0 = M0 * <u64>x0, p1 = M1 * <u64>x2;
      const y0 = <u32>(p1 >> 32) ^ x1 ^ a;
      const y2 = <u32>(p0 >> 32) ^ x3 ^ b;
      x1 = <u32>p1;
      x3 = <u32>p0;
      x0 = y0;
      x2 = y2;
      a += W0;
      b += W1;
    }
    store4(out, i, n, x0, 0, bernoulli, p, value);
    store4(out, i, n, x1, 1, bernoulli, p, value);
    store4(out, i, n, x2, 2, bernoulli, p, value);
    store4(out, i, n, x3, 3, bernoulli, p, value);
  }
}

@inline
function store4(out: usize, i: i32, n: i32, word: u32, w: i32, bernoulli: bool, p: f64, value: f32): void {
  const at = i + w;
  if (at < 0 || at >= n) return;
  const u = <f64>(word >>> 8) / 16777216; // 24 bits: exact in float32
  store<f32>(out + (<usize>at << 2), bernoulli ? (u < p ? value : 0) : <f32>u);
}
