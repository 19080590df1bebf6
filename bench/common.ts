// Timing helpers shared by the benchmarks. The machine may be shared: every figure is the best of N
// timed repetitions after a warm-up (Liftoff, V8's first-tier WASM compiler, runs first at ~1/4 speed).

// The benchmarks' inputs come from the tests' seeded generator (compiled with them: bench/tsconfig.json).
export { randomValues } from '../tests/helpers/values.js';

export interface Timing {
  /** best seconds per call */
  best: number;
  /** median seconds per call (shows the noise) */
  median: number;
}

/** Runs `fn` `warmup` times, then `rounds` timed rounds of `reps` calls each; returns seconds per call. */
export async function time(fn: () => unknown | Promise<unknown>, { warmup = 2, rounds = 5, reps = 1 } = {}): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) await fn();
    samples.push((performance.now() - t0) / 1000 / reps);
  }
  samples.sort((a, b) => a - b);
  return { best: samples[0], median: samples[samples.length >> 1] };
}

/**
 * Times several candidates round-robin (one round of each in turn), so that a burst of load from other
 * processes on a shared machine hits all of them alike and their ratio stays meaningful.
 */
export async function timeInterleaved<K extends string>(
  fns: Record<K, () => unknown>,
  { warmup = 2, rounds = 5, reps = {} as Partial<Record<K, number>> } = {},
): Promise<Record<K, Timing>> {
  const keys = Object.keys(fns) as K[];
  for (const k of keys) for (let i = 0; i < warmup; i++) await fns[k]();
  const samples = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let r = 0; r < rounds; r++) {
    for (const k of keys) {
      const n = reps[k] ?? 1;
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await fns[k]();
      samples[k].push((performance.now() - t0) / 1000 / n);
    }
  }
  return Object.fromEntries(
    keys.map((k) => {
      const s = samples[k].sort((a, b) => a - b);
      return [k, { best: s[0], median: s[s.length >> 1] }];
    }),
  ) as Record<K, Timing>;
}

/** Repetitions so that one round takes about `seconds`, given a rough cost per call. */
export function repsFor(secondsPerCall: number, seconds = 0.3): number {
  return Math.max(1, Math.round(seconds / Math.max(secondsPerCall, 1e-9)));
}

export function table(header: string[], rows: Array<Array<string | number>>): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (typeof c === 'number' ? format(c) : c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? '').length)));
  return cells.map((r, j) => r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ') + (j === 0 ? '\n' + widths.map((w) => '-'.repeat(w)).join('  ') : '')).join('\n');
}

export function format(x: number): string {
  if (!Number.isFinite(x)) return '—';
  return x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toPrecision(2);
}

/** a / b as "12.3x", or — when either is missing. */
export function ratio(a: number | undefined, b: number | undefined): string {
  return a !== undefined && b !== undefined && Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${format(a / b)}x` : '—';
}
