// The run folder: checked before any slow work, created only once everything is valid, and written
// through the package's atomic writer (tg.io.writeFileAtomic), so an interrupted run never leaves a
// half-written metrics.json or checkpoint where a good one was.

import { accessSync, constants, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import * as tg from '../index.js';
import { UsageError, firstLine } from './errors.js';

/** writeFileAtomic, with a failed write (a full disk, a folder gone) as a one-line usage error; the old file stays. */
export function writeRunFile(file: string, data: string | Uint8Array): void {
  try {
    tg.io.writeFileAtomic(file, data);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const why = err.code === 'ENOSPC' ? 'no space left on device (ENOSPC)' : firstLine(err.message);
    throw new UsageError(`cannot write ${file}: ${why}; the previous version of the file is intact`);
  }
}

/**
 * Checks, without creating anything, that `dir` could be created and written: it is a writable folder,
 * or the nearest existing ancestor is. So a bad --out fails before any slow work and leaves no folder.
 */
export function checkWritableDir(dir: string, option = '--out'): void {
  const fail = (why: string): never => {
    throw new UsageError(`${option} ${dir}: cannot write there (${why})`);
  };
  let p = resolve(dir);
  while (!existsSync(p)) {
    const parent = dirname(p);
    if (parent === p) break;
    p = parent;
  }
  if (!statSync(p).isDirectory()) fail(p === resolve(dir) ? 'not a folder' : `${p} is a file (ENOTDIR)`);
  try {
    accessSync(p, constants.W_OK);
  } catch (e) {
    fail((e as NodeJS.ErrnoException).code ?? 'not writable');
  }
}

/** Creates the run folder (and parents) and checks it can be written, as a one-line usage error. */
export function ensureWritableDir(dir: string, option = '--out'): void {
  checkWritableDir(dir, option);
  try {
    mkdirSync(dir, { recursive: true });
    const probe = join(dir, `.write-test.${process.pid}`);
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (e) {
    throw new UsageError(`${option} ${dir}: cannot write there (${firstLine((e as NodeJS.ErrnoException).code ?? (e as Error).message)})`);
  }
}

/** runs/2026-11-22T08-49-59: a sortable, file-name-safe timestamp. */
export function timestampName(d = new Date()): string {
  return d.toISOString().slice(0, 19).replace(/:/g, '-');
}
