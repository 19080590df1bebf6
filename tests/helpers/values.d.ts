// Types of values.js (plain JavaScript, so that the Chromium pages load it unbuilt).

/** Only what difference() reads of a Tensor, so that the benchmarks can use this file without the engine's types. */
interface Result {
  readonly shape: readonly number[];
  readonly data: ArrayLike<number>;
}

export function randomValues(n: number, seed?: number, scale?: number): Float32Array;
export function tiedValues(n: number, seed?: number): Float32Array;
export function difference(what: string, got: Result, want: Result): string | null;
