// `--backend`: js | wasm | gl | webgpu. The default is the fastest one registered here (wasm where WebAssembly
// SIMD runs). Asking for one that is not available is a usage error naming the ones that are.

import * as tg from '../index.js';
import { UsageError, firstLine } from './errors.js';

export const BACKEND_NAMES = ['js', 'wasm', 'gl', 'webgpu'] as const;

export function defaultBackend(): string {
  return tg.listBackends().includes('wasm') ? 'wasm' : 'js';
}

export async function selectBackend(name: string | undefined): Promise<string> {
  const want = name ?? defaultBackend();
  if (!tg.hasBackend(want)) throw new UsageError(`--backend ${want}: not available here (available: ${tg.listBackends().join(', ')})`);
  try {
    await tg.setBackend(want);
  } catch (e) {
    throw new UsageError(`--backend ${want}: ${firstLine((e as Error).message)}`);
  }
  return want;
}
