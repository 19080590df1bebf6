// checkpoint.safetensors: one file per save, so one atomic rename commits it and a kill at any moment
// leaves either the previous checkpoint or the new one. Its tensors are the model's weights
// (`model.<key>`) and the optimizer's moment buffers (`optimizer.<param>.<name>`); its header's
// metadata holds the rest as JSON (where training stopped, the optimizer's hyperparameters and scalars,
// the RNG state, the metrics so far). Everything is validated before training continues from it.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tg from '../index.js';
import { UsageError, firstLine } from './errors.js';
import { writeRunFile } from './files.js';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';
const FORMAT = 'typegrad-cli-checkpoint/2';
const STATE_KEY = 'typegrad.checkpoint';

/** What the checkpoint's metadata holds besides the tensors. */
export interface CheckpointState<Config, Progress> {
  format: typeof FORMAT;
  config: Config;
  /** training progress: epoch, batch within it, global step, running sums, history */
  progress: Progress;
  /** the engine's default generator (dropout, augmentation); null stands for NaN (no spare normal) */
  rng: Array<number | null>;
  optimizer: { paramGroups: tg.optim.OptimizerStateDict['paramGroups']; scalars: Record<number, Record<string, number>> };
}

/** A checkpoint read from disk: its state and its tensors, not yet applied to anything. */
export interface Checkpoint<C, P> {
  file: string;
  state: CheckpointState<C, P>;
  tensors: Record<string, tg.Tensor>;
}

export function saveCheckpoint<C, P>(dir: string, model: tg.nn.Module, optimizer: tg.optim.Optimizer, config: C, progress: P): void {
  const tensors: Record<string, tg.Tensor> = {};
  for (const [k, t] of Object.entries(model.stateDict())) tensors[`model.${k}`] = t;
  const sd = optimizer.stateDict();
  const scalars: Record<number, Record<string, number>> = {};
  for (const [id, entry] of Object.entries(sd.state)) {
    scalars[Number(id)] = {};
    for (const [k, v] of Object.entries(entry)) {
      if (Array.isArray(v)) tensors[`optimizer.${id}.${k}`] = new tg.Tensor(Float32Array.from(v), [v.length]);
      else scalars[Number(id)][k] = v;
    }
  }
  const state: CheckpointState<C, P> = {
    format: FORMAT,
    config,
    progress,
    rng: tg.defaultGenerator.getState().map((v) => (Number.isNaN(v) ? null : v)),
    optimizer: { paramGroups: sd.paramGroups, scalars },
  };
  writeRunFile(join(dir, CHECKPOINT_FILE), tg.io.saveSafetensors(tensors, { metadata: { [STATE_KEY]: JSON.stringify(state) } }));
}

/** Reads DIR's checkpoint (config, progress, tensors) without touching any model; checks its shape. */
export function readCheckpoint<C, P>(dir: string): Checkpoint<C, P> {
  const file = join(dir, CHECKPOINT_FILE);
  if (!existsSync(dir)) throw new UsageError(`--resume ${dir}: folder does not exist`);
  if (!existsSync(file)) {
    const old = existsSync(join(dir, 'checkpoint.json')) ? ' (its checkpoint.json is from typegrad 0.1, whose checkpoints cannot be resumed)' : '';
    throw new UsageError(`--resume ${dir}: no ${CHECKPOINT_FILE} there${old}; a run writes one when it starts and at the end of every epoch`);
  }
  const fail = (why: string): never => {
    throw new UsageError(`--resume ${file}: ${why}`);
  };
  let parsed: tg.io.SafetensorsFile;
  try {
    parsed = tg.io.readSafetensors(readFileSync(file));
  } catch (e) {
    return fail(firstLine((e as Error).message));
  }
  const json = parsed.metadata?.[STATE_KEY];
  if (typeof json !== 'string') return fail('not a typegrad training checkpoint (no training state in its metadata)');
  let state: CheckpointState<C, P>;
  try {
    state = JSON.parse(json);
  } catch (e) {
    return fail(`its training state is not valid JSON (${firstLine((e as Error).message)})`);
  }
  if (!isObject(state) || state.format !== FORMAT) return fail(`not a ${FORMAT} checkpoint`);
  if (!isObject(state.config)) fail('config is missing');
  if (!isObject(state.progress)) fail('progress is missing');
  if (!Array.isArray(state.rng)) fail('rng is missing');
  if (!isObject(state.optimizer) || !Array.isArray(state.optimizer.paramGroups) || !isObject(state.optimizer.scalars)) fail('optimizer state is missing');
  return { file, state, tensors: parsed.tensors };
}

/**
 * Restores the model, optimizer and RNG from a checkpoint. Every tensor must be finite unless
 * `allowNonFinite` (a run that diverged can still be inspected or continued on purpose).
 */
export function restoreCheckpoint<C, P>(ckpt: Checkpoint<C, P>, model: tg.nn.Module, optimizer: tg.optim.Optimizer, allowNonFinite = false): void {
  const { file, state, tensors } = ckpt;
  const fail = (why: string): never => {
    throw new UsageError(`--resume ${file}: ${why}`);
  };
  if (!allowNonFinite) {
    for (const [k, t] of Object.entries(tensors)) {
      const bad = t.data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) fail(`${k} holds ${t.data[bad]} at index ${bad}: the run diverged before this save (pass --allow-nonfinite to continue anyway)`);
    }
  }
  const weights: Record<string, tg.Tensor> = {};
  const sdState: tg.optim.OptimizerStateDict['state'] = {};
  for (const [id, s] of Object.entries(state.optimizer.scalars)) {
    if (!/^\d+$/.test(id) || !isObject(s)) fail(`optimizer scalars for '${id}' are not an object of numbers`);
    sdState[Number(id)] = { ...s };
  }
  for (const [k, t] of Object.entries(tensors)) {
    const m = /^optimizer\.(\d+)\.(.+)$/.exec(k);
    if (k.startsWith('model.')) weights[k.slice(6)] = t;
    else if (m && sdState[Number(m[1])]) sdState[Number(m[1])][m[2]] = Array.from(t.data);
    else fail(`unexpected tensor '${k}' (optimizer moments need their parameter's scalars)`);
  }
  try {
    model.loadStateDict(weights);
    optimizer.loadStateDict({ state: sdState, paramGroups: state.optimizer.paramGroups });
    tg.defaultGenerator.setState(state.rng.map((v) => (v === null ? NaN : v)));
  } catch (e) {
    fail(firstLine((e as Error).message));
  }
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
