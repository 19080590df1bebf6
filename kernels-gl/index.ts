// The 'gl' backend: gpu.js kernels (shaders.ts) behind the Kernels interface (kernels.ts).
//
// gpu.js is an optional peer dependency: typegrad never imports it statically, so `npm i typegrad`
// stays free of it and of its native `gl` dependency. `await setBackend('gl')` finds gpu.js
//   - as passed to configureGlBackend({ GPU }) (bundlers: `import { GPU } from 'gpu.js'`),
//   - as the global `GPU` of gpu.js's browser script (node_modules/gpu.js/dist/gpu-browser.min.js),
//   - in Node, by importing the installed 'gpu.js' package,
// and runs on WebGL2 (or WebGL) in a browser and on headless-gl in Node. Where none works it throws,
// saying what to install: it never runs on gpu.js's CPU fallback while calling itself 'gl'.

import { registerBackend, Tensor } from '../engine/index.js';
import { createGlKernels, type GlKernelOptions, type GlKernels, type GpuInstance } from './kernels.js';

export { createGlKernels, type GlKernels, type GlKernelOptions, type GpuInstance };

/** gpu.js's GPU class, as far as this backend uses it. */
export interface GpuConstructor {
  new (settings: { mode: string }): GpuInstance;
  readonly isWebGL2Supported?: boolean;
  readonly isWebGLSupported?: boolean;
  readonly isHeadlessGLSupported?: boolean;
}

export type GlMode = 'webgl2' | 'webgl' | 'headlessgl';

export interface GlBackendOptions extends GlKernelOptions {
  /** gpu.js's GPU class; found on its own when omitted (see above) */
  GPU?: GpuConstructor;
  /** default: 'webgl2' where supported, else 'webgl'; 'headlessgl' in Node */
  mode?: GlMode;
}

const INSTALL_NODE =
  'In Node the gl backend needs gpu.js with the native headless-gl package and a display: ' +
  'apt-get install libxi-dev libx11-dev libxext-dev pkg-config xvfb xauth, then `npm install gpu.js gl` ' +
  '(gl compiles from source, a few minutes; in typegrad\'s own repository remove the "gl" entry of ' +
  'package.json "overrides" first), and run under `xvfb-run`. In a browser it runs on WebGL2.';

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string' && typeof window === 'undefined';

async function findGpu(given: GpuConstructor | undefined): Promise<GpuConstructor> {
  if (given) return given;
  const global = (globalThis as { GPU?: GpuConstructor & { GPU?: GpuConstructor } }).GPU;
  if (typeof global === 'function') return global.GPU ?? global;
  if (!isNode) {
    throw new Error(
      "gl backend: gpu.js is not loaded. Add <script src=\"…/gpu.js/dist/gpu-browser.min.js\"> before importing typegrad, " +
        "or pass it in: import { GPU } from 'gpu.js'; await configureGlBackend({ GPU }).",
    );
  }
  const specifier = 'gpu.js'; // Node only: bundlers for the browser are told to leave this import alone
  try {
    const mod = (await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier)) as { GPU?: GpuConstructor; default?: { GPU?: GpuConstructor } };
    const GPU = mod.GPU ?? mod.default?.GPU;
    if (typeof GPU !== 'function') throw new Error("'gpu.js' has no GPU export");
    return GPU;
  } catch (e) {
    throw new Error(`gl backend: gpu.js is not installed (${(e as Error).message.split('\n')[0]}). ${INSTALL_NODE}`);
  }
}

function pickMode(GPU: GpuConstructor, wanted: GlMode | undefined): GlMode {
  if (isNode) {
    if (wanted && wanted !== 'headlessgl') throw new Error(`gl backend: mode '${wanted}' needs a browser; Node has only 'headlessgl'`);
    if (!GPU.isHeadlessGLSupported) {
      throw new Error(`gl backend: headless-gl is not available (the native 'gl' package is missing, or there is no display). ${INSTALL_NODE}`);
    }
    return 'headlessgl';
  }
  const supported = { webgl2: !!GPU.isWebGL2Supported, webgl: !!GPU.isWebGLSupported, headlessgl: false };
  const mode = wanted ?? (supported.webgl2 ? 'webgl2' : 'webgl');
  if (!supported[mode]) throw new Error(`gl backend: this browser has no ${mode === 'headlessgl' ? 'headless-gl' : mode.toUpperCase()} (WebGL2: ${supported.webgl2}, WebGL: ${supported.webgl})`);
  return mode;
}

/**
 * Proves the kernels compute in float32 on the GPU: a product of fractions must come back exactly as
 * Math.fround computes it (gpu.js would otherwise fall back to lossy 'unsigned' precision or the CPU).
 */
function checkKernels(kernels: GlKernels, mode: GlMode): void {
  if (kernels.gpu.mode !== mode) throw new Error(`gl backend: gpu.js picked mode '${kernels.gpu.mode}' instead of '${mode}'`);
  const a = new Tensor(Float32Array.from([1 / 3, -2 / 7]), [1, 1, 2]);
  const b = new Tensor(Float32Array.from([3 / 11, 5 / 13]), [1, 2, 1]);
  const got = kernels.gemm(a, b, { batch: 1, m: 1, n: 1, k: 2, transA: false, transB: false, batchA: 1, batchB: 1 }).data[0];
  const want = Math.fround(Math.fround(Math.fround(1 / 3) * Math.fround(3 / 11)) + Math.fround(Math.fround(-2 / 7) * Math.fround(5 / 13)));
  if (!(Math.abs(got - want) <= 1e-6)) {
    throw new Error(`gl backend: the GPU does not compute in single precision (a test product gave ${got}, expected ${want}); float textures are missing`);
  }
}

/** The kernels behind the registered 'gl' backend, once it has loaded. */
let current: (GlKernels & { readonly mode: GlMode }) | null = null;

/** Creates a standalone set of GL kernels (tests compare them with 'js'; tiling can be forced small). */
export async function createGlBackendKernels(options: GlBackendOptions = {}): Promise<GlKernels & { readonly mode: GlMode }> {
  const GPU = await findGpu(options.GPU);
  const mode = pickMode(GPU, options.mode);
  const kernels = createGlKernels(new GPU({ mode }), options);
  try {
    checkKernels(kernels, mode);
  } catch (e) {
    kernels.dispose();
    throw e;
  }
  return Object.defineProperty(kernels, 'mode', { value: mode, enumerable: true }) as GlKernels & { readonly mode: GlMode };
}

/** (Re)creates the registered 'gl' backend's kernels; setBackend('gl') loads them once with no options. */
export async function configureGlBackend(options: GlBackendOptions = {}): Promise<void> {
  // the previous kernels are not disposed: tensors they made may still hold unread textures
  registerBackend('gl', (current = await createGlBackendKernels(options)));
}

/**
 * What the registered 'gl' backend runs on, and how many of its results have been read back to the CPU
 * so far (null before setBackend('gl') or configureGlBackend).
 */
export function glBackendInfo(): { mode: GlMode; maxTileElements: number; readbacks: number } | null {
  return current && { mode: current.mode, maxTileElements: current.maxTileElements, readbacks: current.readbacks };
}

declare module '../engine/backend.js' {
  interface BackendNames {
    gl: true;
  }
}

// gpu.js, an optional peer dependency, is imported only when setBackend('gl') first asks for the kernels
registerBackend('gl', { load: async () => (current = await createGlBackendKernels()) });
