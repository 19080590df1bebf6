// A run folder's checkpoint.safetensors: tg.io.checkpointFile (written atomically by tg.nn.fit, read
// strictly), with the run's settings in its `extra` field and every problem a one-line usage error
// that names the file.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tg from '../index.js';
import { UsageError, firstLine } from './errors.js';
import { writeRunFile } from './files.js';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';

/** The run folder's checkpointer, whose failed writes (a full disk) are usage errors. */
export function runCheckpoint(dir: string): tg.nn.Checkpointer {
  return { save: (state) => writeRunFile(join(dir, CHECKPOINT_FILE), tg.io.encodeCheckpoint(state)) };
}

/** Reads DIR's checkpoint without applying it; `extra` holds the run's settings, still unchecked. */
export function readCheckpoint(dir: string, allowNonFinite: boolean): tg.nn.TrainingState {
  const file = join(dir, CHECKPOINT_FILE);
  if (!existsSync(dir)) throw new UsageError(`--resume ${dir}: folder does not exist`);
  if (!existsSync(file)) {
    const old = existsSync(join(dir, 'checkpoint.json')) ? ' (its checkpoint.json is from typegrad 0.1, whose checkpoints cannot be resumed)' : '';
    throw new UsageError(`--resume ${dir}: no ${CHECKPOINT_FILE} there${old}; a run writes one when it starts and at the end of every epoch`);
  }
  try {
    return tg.io.checkpointFile(file, { allowNonFinite }).load()!;
  } catch (e) {
    throw resumeUsageError(e);
  }
}

/** A ResumeError (from reading or applying a checkpoint) as the usage error `--resume <file>: why`. */
export function resumeUsageError(e: unknown): unknown {
  if (!(e instanceof tg.nn.ResumeError)) return e;
  const hint = e.message.includes('the run diverged') ? ' (pass --allow-nonfinite to continue anyway)' : '';
  return new UsageError(`--resume ${firstLine(e.message)}${hint}`);
}
