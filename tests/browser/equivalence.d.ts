// Types of equivalence.js (plain JavaScript, so that the browser page loads it unbuilt).
import type { Kernels, Tensor } from '../../index.js';

export function values(size: number, seed: number): Float32Array;
export function difference(what: string, got: Tensor, want: Tensor): string | null;
export function checkEquivalence(options: {
  fc: typeof import('fast-check').default;
  Tensor: typeof Tensor;
  kernels: Kernels;
  reference: Kernels;
  numRuns?: number;
  seed?: number;
  log?: (line: string) => void;
}): Promise<string[]>;
export function checkCnnStep(options: { tg: typeof import('../../index.js'); backend: string }): Promise<string[]>;
