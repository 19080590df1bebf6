// Saving and loading state dicts as safetensors files, in Node. The file system is reached through
// process.getBuiltinModule (Node >= 20.16) rather than a static `import 'node:fs'`, so the package
// entry can re-export save/load and still load in a browser (where calling them throws a clear error).
// Writes are atomic: a temp file in the same directory, then rename, so a crash mid-write never leaves
// a half-written model where the old one was.

import type { Tensor } from '../engine/index.js';
import { saveSafetensors, loadSafetensors, type SafetensorsOptions } from './safetensors.js';

interface Fs {
  writeFileSync(path: string, data: Uint8Array): void;
  readFileSync(path: string): Uint8Array;
  renameSync(from: string, to: string): void;
  rmSync(path: string, options: { force: boolean }): void;
}
interface Path {
  dirname(p: string): string;
  basename(p: string): string;
  join(...p: string[]): string;
}

function nodeModule<T>(name: string, op: string): T {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const mod = proc?.getBuiltinModule?.(name);
  if (!mod) throw new Error(`${op}: needs Node's file system (Node >= 20.16); in a browser use tg.io.saveSafetensors / loadSafetensors with bytes`);
  return mod as T;
}

/** Writes a state dict (or any named tensors) to `path` as float32 safetensors, atomically. */
export function save(stateDict: Record<string, Tensor>, path: string, options: SafetensorsOptions = {}): void {
  const fs = nodeModule<Fs>('node:fs', 'save');
  const p = nodeModule<Path>('node:path', 'save');
  const bytes = saveSafetensors(stateDict, options);
  const pid = (globalThis as { process?: { pid?: number } }).process?.pid ?? 0;
  const tmp = p.join(p.dirname(path), `.${p.basename(path)}.${pid}.${Date.now()}.tmp`);
  try {
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, path);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** Reads a safetensors file into float32 tensors by name (throws naming the file if it is corrupt). */
export function load(path: string): Record<string, Tensor> {
  const fs = nodeModule<Fs>('node:fs', 'load');
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(path);
  } catch (e) {
    throw new Error(`load: cannot read '${path}': ${(e as Error).message}`);
  }
  try {
    return loadSafetensors(bytes);
  } catch (e) {
    throw new RangeError((e as Error).message.replace(/^loadSafetensors/, `load('${path}')`));
  }
}
