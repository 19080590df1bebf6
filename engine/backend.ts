// Backend registry. Backends register themselves with their kernels; the engine knows only its own
// plain-JS reference by name. `setBackend` is async because a backend may need to compile WASM or
// start a GPU context before its kernels can run.

import { jsKernels } from './backends/js/index.js';
import { kernelNames, type Kernels } from './kernels.js';

interface Backend {
  readonly name: string;
  readonly kernels: Kernels;
  /** one-time preparation (compile, allocate); setBackend awaits it */
  readonly setup?: () => Promise<void> | void;
  ready?: Promise<void>;
}

/**
 * The backend names setBackend accepts. Each backend adds its own by declaration merging, as
 * kernels-wasm does; so can a user who registers one:
 * `declare module 'typegrad' { interface BackendNames { mine: true } }`.
 */
export interface BackendNames {
  js: true;
}
export type BackendName = keyof BackendNames & string;

const backends = new Map<string, Backend>();
let active: Backend;
/** set by setBackend: from then on the package's default (useDefaultBackend) leaves the user's choice alone */
let chosen = false;

/** Adds a backend. Throws at once, listing them, if any kernel of the Kernels interface is missing. */
export function registerBackend(name: string, kernels: Kernels, options: { setup?: () => Promise<void> | void } = {}): void {
  if (typeof name !== 'string' || name === '') throw new TypeError('registerBackend: name must be a non-empty string');
  const missing = kernelNames.filter((k) => typeof (kernels as unknown as Record<string, unknown>)?.[k] !== 'function');
  if (missing.length > 0) {
    throw new TypeError(`registerBackend: backend '${name}' is missing kernel(s) ${missing.join(', ')}; every backend must implement all of ${kernelNames.join(', ')}`);
  }
  backends.set(name, { name, kernels, setup: options.setup });
}

/** Makes `name` the backend of every later op; resolves when it is ready. */
export async function setBackend(name: BackendName): Promise<void> {
  chosen = true;
  const backend = backends.get(name);
  if (!backend) {
    throw new RangeError(`setBackend: unknown backend '${name}'; registered backends: ${listBackends().join(', ')}`);
  }
  backend.ready ??= Promise.resolve(backend.setup?.());
  try {
    await backend.ready;
  } catch (e) {
    backend.ready = undefined; // let a later call retry
    throw e;
  }
  active = backend;
}

/**
 * Makes `name`, registered and set up, the backend of every later op unless setBackend was called
 * first: how the package entry applies its default without overriding the user's choice.
 */
export function useDefaultBackend(name: BackendName): void {
  const backend = backends.get(name);
  if (!backend) throw new RangeError(`useDefaultBackend: unknown backend '${name}'; registered backends: ${listBackends().join(', ')}`);
  if (!chosen) active = backend;
}

export function getBackend(): BackendName {
  return active.name as BackendName; // only setBackend and useDefaultBackend set it, both given a BackendName
}

/** Every registered backend, also those registered at run time without a BackendNames declaration. */
export function listBackends(): string[] {
  return [...backends.keys()];
}

/** Whether `name` is registered: narrows a name read at run time (a command-line flag) for setBackend. */
export function hasBackend(name: string): name is BackendName {
  return backends.has(name);
}

/** The active backend's kernels; ops call this at the moment they run. */
export function kernels(): Kernels {
  return active.kernels;
}

registerBackend('js', jsKernels);
active = backends.get('js')!;
