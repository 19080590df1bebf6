// Seeded test values and the closeness check of backend results, in plain JavaScript (types in
// values.d.ts) so that every place that needs them imports this one file: the vitest suites, the
// Chromium pages unbuilt (tests/browser/) and bundled (tests/browser/consumer/), and the benchmarks
// (bench/common.ts; bench/tsconfig.json compiles this file with them).

/** `n` values in [-scale, scale) from xorshift32 seeded by `seed` (0 counts as 1). */
export function randomValues(n, seed = 1, scale = 1) {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    out[i] = ((s / 2 ** 32) * 2 - 1) * scale;
  }
  return out;
}

/** `n` of the integers −2..2 from the same generator: many ties, for max pooling's "the first maximum wins". */
export function tiedValues(n, seed = 1) {
  return randomValues(n, seed).map((v) => Math.floor((v + 1) * 2.5) - 2);
}

/**
 * How `got` differs from `want` (the js backend's result), or null when they agree: the same shape, and
 * every element within 1e-4 of `want`'s largest finite magnitude (at least 1). Infinities and NaN must
 * match exactly.
 */
export function difference(what, got, want) {
  if (got.shape.join() !== want.shape.join()) return `${what}: shape [${got.shape}] instead of [${want.shape}]`;
  const g = got.data;
  const w = want.data;
  let scale = 1;
  for (let i = 0; i < w.length; i++) if (Number.isFinite(w[i])) scale = Math.max(scale, Math.abs(w[i]));
  const tolerance = 1e-4 * scale;
  for (let i = 0; i < w.length; i++) {
    const same = g[i] === w[i] || (Number.isNaN(g[i]) && Number.isNaN(w[i]));
    if (!same && !(Math.abs(g[i] - w[i]) <= tolerance)) return `${what}: element ${i} is ${g[i]}, the js backend gives ${w[i]} (tolerance ${tolerance})`;
  }
  return null;
}
