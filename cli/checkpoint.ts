// checkpoint.safetensors (model weights + optimizer moment buffers) and checkpoint.json (everything
// else: where training stopped, optimizer scalars, the RNG state, the metrics so far). Both are written
// atomically; each names the same `stamp`, so a resume can tell that the pair belongs together.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tg from '../index.js';
import { UsageError, firstLine } from './errors.js';
import { writeAtomic } from './files.js';

/** What checkpoint.json holds besides the tensors. */
export interface CheckpointState<Config, Progress> {
  format: 'typegrad-cli-checkpoint/1';
  stamp: string;
  config: Config;
  /** training progress: epoch, batch within it, global step, running sums, history */
  progress: Progress;
  /** the engine's default generator (dropout, augmentation) */
  rng: Array<number | null>;
  optimizer: { paramGroups: tg.optim.OptimizerStateDict['paramGroups']; scalars: Record<number, Record<string, number>> };
}

export function saveCheckpoint<C, P>(dir: string, model: tg.nn.Module, optimizer: tg.optim.Optimizer, config: C, progress: P): void {
  const stamp = `${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const tensors: Record<string, tg.Tensor> = {};
  for (const [k, t] of Object.entries(model.stateDict())) tensors[`model.${k}`] = t;
  const sd = optimizer.stateDict();
  const scalars: Record<number, Record<string, number>> = {};
  for (const [id, entry] of Object.entries(sd.state)) {
    for (const [k, v] of Object.entries(entry)) {
      if (Array.isArray(v)) tensors[`optimizer.${id}.${k}`] = new tg.Tensor(Float32Array.from(v), [v.length]);
      else (scalars[Number(id)] ??= {})[k] = v;
    }
  }
  writeAtomic(join(dir, 'checkpoint.safetensors'), tg.io.saveSafetensors(tensors, { metadata: { stamp } }));
  const state: CheckpointState<C, P> = {
    format: 'typegrad-cli-checkpoint/1',
    stamp,
    config,
    progress,
    rng: tg.defaultGenerator.getState().map((v) => (Number.isNaN(v) ? null : v)),
    optimizer: { paramGroups: sd.paramGroups, scalars },
  };
  writeAtomic(join(dir, 'checkpoint.json'), JSON.stringify(state));
}

/** Reads DIR/checkpoint.json (config and progress) without touching any model. */
export function readCheckpointState<C, P>(dir: string): CheckpointState<C, P> {
  const file = join(dir, 'checkpoint.json');
  if (!existsSync(dir)) throw new UsageError(`--resume ${dir}: folder does not exist`);
  if (!existsSync(file)) throw new UsageError(`--resume ${dir}: no checkpoint.json there (a run writes one at the end of every epoch)`);
  let state: CheckpointState<C, P>;
  try {
    state = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`--resume ${file}: ${firstLine((e as Error).message)}`);
  }
  if (state?.format !== 'typegrad-cli-checkpoint/1') throw new UsageError(`--resume ${file}: not a typegrad checkpoint`);
  return state;
}

/** Restores the model, optimizer and RNG from DIR's checkpoint pair. */
export function restoreCheckpoint<C, P>(dir: string, state: CheckpointState<C, P>, model: tg.nn.Module, optimizer: tg.optim.Optimizer): void {
  const file = join(dir, 'checkpoint.safetensors');
  let parsed: tg.io.SafetensorsFile;
  try {
    parsed = tg.io.readSafetensors(readFileSync(file));
  } catch (e) {
    throw new UsageError(`--resume ${file}: ${firstLine((e as Error).message)}`);
  }
  if (parsed.metadata.stamp !== state.stamp) throw new UsageError(`--resume ${dir}: checkpoint.safetensors and checkpoint.json are from different saves; the run was interrupted while saving`);
  const weights: Record<string, tg.Tensor> = {};
  for (const [k, t] of Object.entries(parsed.tensors)) if (k.startsWith('model.')) weights[k.slice(6)] = t;
  try {
    model.loadStateDict(weights);
  } catch (e) {
    throw new UsageError(`--resume ${file}: ${firstLine((e as Error).message)}`);
  }
  const sdState: tg.optim.OptimizerStateDict['state'] = {};
  for (const [id, s] of Object.entries(state.optimizer.scalars)) sdState[Number(id)] = { ...s };
  for (const [k, t] of Object.entries(parsed.tensors)) {
    const m = /^optimizer\.(\d+)\.(.+)$/.exec(k);
    if (m) (sdState[Number(m[1])] ??= {})[m[2]] = Array.from(t.data);
  }
  optimizer.loadStateDict({ state: sdState, paramGroups: state.optimizer.paramGroups });
  tg.defaultGenerator.setState(state.rng.map((v) => (v === null ? NaN : v)));
}
