// Backend registry. Backends register themselves with their kernels; the engine knows only its own
// plain-JS reference by name. A backend that must compile WASM or start a GPU context first registers
// a `load` instead, which the registry runs once, when setBackend first asks for it (so setBackend is
// async); registering a name again replaces its kernels, also while it is the active backend.

import { jsKernels } from './backends/js/index.js';
import { kernelNames, type Kernels } from './kernels.js';

/** How a backend provides its kernels on first use (compile, allocate); a failed load may be retried. */
export interface KernelsLoader {
  load(): Promise<Kernels> | Kernels;
}

interface Backend {
  readonly name: string;
  /** null until the loader has run */
  kernels: Kernels | null;
  load?: () => Promise<Kernels> | Kernels;
  loading?: Promise<void>;
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

/**
 * Adds a backend, or replaces the kernels of one registered before. Kernels are checked at once (a
 * loader's when it has loaded): a missing kernel throws, listing them.
 */
export function registerBackend(name: string, kernels: Kernels | KernelsLoader): void {
  if (typeof name !== 'string' || name === '') throw new TypeError('registerBackend: name must be a non-empty string');
  const loader = typeof (kernels as Partial<KernelsLoader>)?.load === 'function' ? (kernels as KernelsLoader) : null;
  const backend = backends.get(name) ?? { name, kernels: null };
  if (loader) {
    if (backend === active) throw new Error(`registerBackend: '${name}' is the active backend; replace its kernels with loaded ones, not with a loader`);
    Object.assign(backend, { kernels: null, load: () => loader.load(), loading: undefined });
  } else {
    backend.kernels = checked(name, kernels as Kernels);
    backend.loading = undefined;
  }
  backends.set(name, backend);
}

function checked(name: string, kernels: Kernels): Kernels {
  const missing = kernelNames.filter((k) => typeof (kernels as unknown as Record<string, unknown>)?.[k] !== 'function');
  if (missing.length > 0) {
    throw new TypeError(`registerBackend: backend '${name}' is missing kernel(s) ${missing.join(', ')}; every backend must implement all of ${kernelNames.join(', ')}`);
  }
  return kernels;
}

function registered(name: string, caller: string): Backend {
  const backend = backends.get(name);
  if (!backend) throw new RangeError(`${caller}: unknown backend '${name}'; registered backends: ${listBackends().join(', ')}`);
  return backend;
}

/** Runs a registered backend's loader once (setBackend awaits it); resolves at once for a loaded backend. */
export async function loadBackend(name: BackendName): Promise<void> {
  return load(registered(name, 'loadBackend'));
}

async function load(backend: Backend): Promise<void> {
  const name = backend.name;
  if (backend.kernels) return;
  if (!backend.loading) {
    // kernels registered while this loads win: they were asked for later
    const loading: Promise<void> = Promise.resolve()
      .then(backend.load)
      .then((kernels) => void (backend.loading === loading && (backend.kernels = checked(name, kernels!))));
    backend.loading = loading;
  }
  try {
    await backend.loading;
  } catch (e) {
    backend.loading = undefined; // let a later call retry
    throw e;
  }
}

/** Makes `name` the backend of every later op; resolves when it is loaded. */
export async function setBackend(name: BackendName): Promise<void> {
  chosen = true;
  const backend = registered(name, 'setBackend');
  await load(backend);
  active = backend;
}

/**
 * Makes `name`, registered and set up, the backend of every later op unless setBackend was called
 * first: how the package entry applies its default without overriding the user's choice.
 */
export function useDefaultBackend(name: BackendName): void {
  const backend = registered(name, 'useDefaultBackend');
  if (!backend.kernels) throw new Error(`useDefaultBackend: backend '${name}' is not loaded yet (await loadBackend('${name}') first)`);
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

/**
 * Resolves when the active backend has run every kernel queued so far (a GPU backend queues them);
 * at once on a CPU backend. For timing a device: results themselves are read with `await t.dataAsync()`.
 */
export async function sync(): Promise<void> {
  await active.kernels!.sync?.();
}

/** The active backend's kernels; ops call this at the moment they run. */
export function kernels(): Kernels {
  return active.kernels!; // setBackend and useDefaultBackend activate only loaded backends
}

registerBackend('js', jsKernels);
active = backends.get('js')!;
