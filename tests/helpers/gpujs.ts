// gpu.js in the Node tests. It is an optional peer dependency (a checkout installed with --omit=dev has
// none); its 'cpu' mode runs the GL kernels' shader functions as JavaScript, which checks their logic
// (real WebGL2 runs them in Chromium: tests/browser/).

import { createRequire } from 'node:module';
import { registerBackend } from '../../engine/index.js';
import { createGlKernels, type GlKernelOptions, type GpuInstance } from '../../kernels-gl/index.js';

// the test backend's name, declared as a user registering a backend would
declare module '../../engine/backend.js' {
  interface BackendNames {
    glShadersOnCpu: true;
  }
}

/** gpu.js's GPU class, or null when it is not installed. */
export const GPU = (() => {
  try {
    return (createRequire(import.meta.url)('gpu.js') as { GPU: new (s: { mode: string }) => GpuInstance }).GPU;
  } catch {
    return null;
  }
})();

/** Registers the GL kernels on gpu.js's cpu mode as the backend 'glShadersOnCpu'; false (with a warning naming `file`) without gpu.js. */
export function registerGlShadersOnCpu(file: string, options: GlKernelOptions = {}): boolean {
  if (!GPU) {
    console.warn(`${file}: skipping the GL shaders: gpu.js is not installed`);
    return false;
  }
  registerBackend('glShadersOnCpu', createGlKernels(new GPU({ mode: 'cpu' }), options));
  return true;
}
