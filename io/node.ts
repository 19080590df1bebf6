// Saving state dicts as safetensors files and loading safetensors or torch.save files, in Node, and
// the package's one atomic file writer. The file system is reached through engine/node.ts's nodeBuiltin
// (Node >= 20.16) rather than a static `import 'node:fs'`, so the package entry can re-export these
// and still load in a browser (where calling them throws a clear error).
//
// writeFileAtomic writes a temp file beside the target, flushes it to disk, then renames it over the
// target: rename is atomic on POSIX file systems, so a reader (or a run resumed after kill -9) sees the
// old file or the new one, never a part of either. A temp file left by a killed writer is named
// `.<file>.<pid>.<n>.tmp`; removeStaleTempFiles deletes those whose process is gone.

import { SizeLimitError, type Tensor } from '../engine/index.js';
import { nodeBuiltin } from '../engine/node.js';
import type { Checkpointer, TrainingState } from '../nn/fit.js';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.js';
import { saveSafetensors, loadSafetensors, type SafetensorsOptions } from './safetensors.js';
import { loadTorch, torchFormat } from './torch.js';

interface Fs {
  openSync(path: string, flags: string): number;
  writeSync(fd: number, data: Uint8Array, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
  readFileSync(path: string): Uint8Array;
  existsSync(path: string): boolean;
  readdirSync(path: string): string[];
  renameSync(from: string, to: string): void;
  rmSync(path: string, options: { force: boolean }): void;
}
interface Path {
  dirname(p: string): string;
  basename(p: string): string;
  join(...p: string[]): string;
}
interface Process {
  pid: number;
  env: Record<string, string | undefined>;
  kill(pid: number, signal: string | number): boolean;
}

function nodeProcess(): Process | undefined {
  return (globalThis as { process?: Process }).process;
}

function nodeModule<T>(name: string, op: string): T {
  const mod = nodeBuiltin<T>(name);
  if (!mod) throw new Error(`${op}: needs Node's file system (Node >= 20.16); in a browser use tg.io.saveSafetensors / loadSafetensors with bytes`);
  return mod as T;
}

const TEMP_NAME = /^\.(.+)\.(\d+)\.\d+\.tmp$/;
let tempCounter = 0;

/**
 * The kill test's pause points (tests/cli/kill.test.ts): with TYPEGRAD_TEST_KILL_AT=N the process
 * SIGKILLs itself at the N-th write boundary it reaches (1-based): before a temp file is written, halfway
 * through it, and between the write and the rename. Unset, this is one env lookup per write.
 */
let boundariesPassed = 0;
function writeBoundary(): void {
  const proc = nodeProcess()!;
  const at = proc.env.TYPEGRAD_TEST_KILL_AT;
  if (at !== undefined && ++boundariesPassed === Number(at)) proc.kill(proc.pid, 'SIGKILL');
}

/** Writes `data` to `path` atomically: readers see the old file or the new one, never a part. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const fs = nodeModule<Fs>('node:fs', 'writeFileAtomic');
  const p = nodeModule<Path>('node:path', 'writeFileAtomic');
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const tmp = p.join(p.dirname(path), `.${p.basename(path)}.${nodeProcess()!.pid}.${tempCounter++}.tmp`);
  writeBoundary();
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      const half = bytes.length >> 1;
      for (let at = 0; at < bytes.length; ) {
        at += fs.writeSync(fd, bytes, at, (at < half ? half : bytes.length) - at);
        if (at === half) writeBoundary();
      }
      fs.fsyncSync(fd); // on disk before the rename makes it the file, so a crash cannot leave it empty
    } finally {
      fs.closeSync(fd);
    }
    writeBoundary();
    fs.renameSync(tmp, path);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/** Deletes the temp files that killed writers left in `dir` (those of live processes stay). Returns their names. */
export function removeStaleTempFiles(dir: string): string[] {
  const fs = nodeModule<Fs>('node:fs', 'removeStaleTempFiles');
  const p = nodeModule<Path>('node:path', 'removeStaleTempFiles');
  const removed: string[] = [];
  for (const name of fs.readdirSync(dir)) {
    const m = TEMP_NAME.exec(name);
    if (!m || isAlive(Number(m[2]))) continue;
    fs.rmSync(p.join(dir, name), { force: true });
    removed.push(name);
  }
  return removed;
}

function isAlive(pid: number): boolean {
  const proc = nodeProcess()!;
  if (pid === proc.pid) return true;
  try {
    proc.kill(pid, 0); // signal 0 only asks whether the process exists
    return true;
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM'; // exists, but is someone else's
  }
}

/** Writes a state dict (or any named tensors) to `path` as float32 safetensors, atomically. */
export function save(stateDict: Record<string, Tensor>, path: string, options: SafetensorsOptions = {}): void {
  writeFileAtomic(path, saveSafetensors(stateDict, options));
}

/**
 * Reads a weights file, telling the format by its first bytes: a torch.save file (.pt/.pth, zip or legacy)
 * gives what it holds (see loadTorch), anything else is read as safetensors. Throws naming the file if
 * it is corrupt. `T` is what you expect the file to hold, unchecked (a state dict by default); take
 * `load<TorchValue>(path)` and narrow it where a .pt file may hold something else.
 */
export function load<T = Record<string, Tensor>>(path: string): T {
  const fs = nodeModule<Fs>('node:fs', 'load');
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(path);
  } catch (e) {
    throw new Error(`load: cannot read '${path}': ${(e as Error).message}`);
  }
  if (torchFormat(bytes)) {
    try {
      return loadTorch(bytes) as T;
    } catch (e) {
      // the same class (a refused global is an Error, a malformed file a RangeError), naming the file
      const E = e instanceof SizeLimitError ? SizeLimitError : e instanceof RangeError ? RangeError : e instanceof TypeError ? TypeError : Error;
      throw new E((e as Error).message.replace(/^loadTorch/, `load('${path}')`));
    }
  }
  try {
    return loadSafetensors(bytes) as T;
  } catch (e) {
    throw new RangeError((e as Error).message.replace(/^loadSafetensors/, `load('${path}')`));
  }
}

/** A checkpoint file for tg.nn.fit: saved atomically (a kill leaves the previous one intact), read strictly. */
export interface CheckpointFile extends Checkpointer {
  readonly path: string;
  /** the saved state, or null when there is no file yet (`resume: ckpt.load() ?? undefined` continues a run if one was saved) */
  load(): TrainingState | null;
}

/**
 * `fit(model, loader, { checkpoint: tg.io.checkpointFile('run/checkpoint.safetensors') })`. load()
 * refuses a checkpoint holding NaN or infinite values unless `allowNonFinite`.
 */
export function checkpointFile(path: string, options: { allowNonFinite?: boolean } = {}): CheckpointFile {
  const fs = nodeModule<Fs>('node:fs', 'checkpointFile');
  return {
    path,
    save: (state) => writeFileAtomic(path, encodeCheckpoint(state)),
    load() {
      if (!fs.existsSync(path)) return null;
      return decodeCheckpoint(fs.readFileSync(path), { source: path, allowNonFinite: options.allowNonFinite });
    },
  };
}
