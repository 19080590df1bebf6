// The backends the gradient tests check kernel-backed ops on: 'js' always, 'wasm' where WebAssembly SIMD
// runs (importing kernels-wasm registers it). A WASM build that fails to load only drops 'wasm' here,
// with a warning naming the file; tests/wasm/ is where its loading is tested.

import type { BackendName } from '../../engine/index.js';

export async function gradientBackends(file: string): Promise<BackendName[]> {
  try {
    const wasm = await import('../../kernels-wasm/index.js');
    if (wasm.wasmSimdSupported()) return ['js', 'wasm'];
  } catch (e) {
    console.warn(`${file}: the 'wasm' backend is not checked (${(e as Error).message})`);
  }
  return ['js'];
}
