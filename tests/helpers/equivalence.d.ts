// Types of equivalence.js (plain JavaScript, so that the Chromium pages load it unbuilt).
import type fc from 'fast-check';
import type { Kernels, Tensor } from '../../index.js';

type Fc = typeof fc;
type KernelName = keyof Kernels;

/** What a case's args() gets: tensor makers (a shape and a seed), the reference backend and the Tensor class. */
export interface Makers {
  random(shape: number[], seed: number): Tensor;
  tied(shape: number[], seed: number): Tensor;
  reference: Kernels;
  Tensor: typeof Tensor;
}

/** A kernel's equivalence case; `V` is what its parameters arbitrary draws ({ p, seed, … }). */
export interface EquivalenceCase<K extends KernelName, V = { p: unknown; seed: number }> {
  params(fc: Fc, options: { large: boolean; nan: boolean }): import('fast-check').Arbitrary<V>;
  examples?: V[];
  args(value: V, make: Makers): Parameters<Kernels[K]>;
  /** compared on the tensors among its arguments after the call (a kernel that updates them) */
  inPlace?: boolean;
}

export const cases: { [K in KernelName]: EquivalenceCase<K, any> };

export interface CheckOptions {
  fc: Fc;
  Tensor: typeof Tensor;
  kernels: Kernels;
  reference: Kernels;
  /** random runs per kernel (default 30), besides the case's examples */
  numRuns?: number;
  /** also the sizes past the WASM kernels' thresholds (default false) */
  large?: boolean;
  /** NaN among the inputs (default true) */
  nan?: boolean;
}

export function checkKernel(name: string, options: CheckOptions): Promise<string | null>;
export function checkKernels(options: CheckOptions & { kernelNames: readonly string[]; log?: (line: string) => void }): Promise<string[]>;
export function useSeedOfPage(fc: Fc, search: string): number;
export function checkCnnStep(options: { tg: typeof import('../../index.js'); backend: string }): Promise<string[]>;
