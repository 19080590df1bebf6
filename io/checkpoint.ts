// A training checkpoint (tg.nn.fit's TrainingState) as one safetensors file, so one atomic rename
// commits it and a kill at any moment leaves either the previous checkpoint or the new one. Its tensors
// are the model's weights (`model.<key>`) and the optimizer's moment buffers (`optimizer.<param>.<name>`);
// its header's metadata holds the rest as JSON (where training stopped, the optimizer's hyperparameters
// and scalars, the schedule, the RNG state, the history, the caller's extra). Browser-safe: bytes in,
// bytes out; io/node.ts's checkpointFile puts them in a file.

import { Tensor } from '../engine/index.js';
import { ResumeError, type TrainingState } from '../nn/fit.js';
import type { OptimizerStateDict } from '../nn/optim/optimizer.js';
import { readSafetensors, saveSafetensors, type SafetensorsFile } from './safetensors.js';

export const CHECKPOINT_FORMAT = 'typegrad-checkpoint/1';
const STATE_KEY = 'typegrad.checkpoint';

/** The metadata JSON: everything but the tensors. */
interface SavedState {
  format: typeof CHECKPOINT_FORMAT;
  progress: TrainingState['progress'];
  /** NaN (no spare normal) is stored as null, which JSON can hold */
  rng: Array<number | null>;
  optimizer: { paramGroups: OptimizerStateDict['paramGroups']; scalars: Record<number, Record<string, number>> };
  scheduler: TrainingState['scheduler'];
  extra?: unknown;
}

export function encodeCheckpoint(state: TrainingState): Uint8Array {
  const tensors: Record<string, Tensor> = {};
  for (const [k, t] of Object.entries(state.model)) tensors[`model.${k}`] = t;
  const scalars: SavedState['optimizer']['scalars'] = {};
  for (const [id, entry] of Object.entries(state.optimizer.state)) {
    scalars[Number(id)] = {};
    for (const [k, v] of Object.entries(entry)) {
      if (Array.isArray(v)) tensors[`optimizer.${id}.${k}`] = new Tensor(Float32Array.from(v), [v.length]);
      else scalars[Number(id)][k] = v;
    }
  }
  const saved: SavedState = {
    format: CHECKPOINT_FORMAT,
    progress: state.progress,
    rng: state.rng.map((v) => (Number.isNaN(v) ? null : v)),
    optimizer: { paramGroups: state.optimizer.paramGroups, scalars },
    scheduler: state.scheduler,
    extra: state.extra,
  };
  return saveSafetensors(tensors, { metadata: { [STATE_KEY]: JSON.stringify(saved) } });
}

/**
 * Reads a checkpoint's bytes back into a TrainingState (not yet applied to anything: fit's `resume`
 * does that and checks it fits the run). Every tensor must be finite unless `allowNonFinite` (a run
 * that diverged can still be inspected or continued on purpose). Errors are ResumeErrors naming `source`.
 */
export function decodeCheckpoint(bytes: Uint8Array, options: { source?: string; allowNonFinite?: boolean } = {}): TrainingState {
  const source = options.source ?? 'checkpoint';
  const fail = (why: string): never => {
    throw new ResumeError(`${source}: ${why}`);
  };
  let file: SafetensorsFile;
  try {
    file = readSafetensors(bytes);
  } catch (e) {
    return fail((e as Error).message.split('\n')[0]);
  }
  const json = file.metadata[STATE_KEY];
  if (typeof json !== 'string') return fail('not a typegrad training checkpoint (no training state in its metadata)');
  let saved: SavedState;
  try {
    saved = JSON.parse(json);
  } catch (e) {
    return fail(`its training state is not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(saved)) return fail('its training state is not an object');
  if (saved.format !== CHECKPOINT_FORMAT) return fail(`not a ${CHECKPOINT_FORMAT} checkpoint (format ${JSON.stringify(saved.format)})`);
  if (!isObject(saved.progress)) fail('progress is missing');
  if (!Array.isArray(saved.rng)) fail('rng is missing');
  if (!isObject(saved.optimizer) || !Array.isArray(saved.optimizer.paramGroups) || !isObject(saved.optimizer.scalars)) fail('optimizer state is missing');
  if (saved.scheduler !== null && !isObject(saved.scheduler)) fail('scheduler state is neither null nor an object');
  if (!options.allowNonFinite) {
    for (const [k, t] of Object.entries(file.tensors)) {
      const bad = t.data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) fail(`${k} holds ${t.data[bad]} at index ${bad}: the run diverged before this save`);
    }
  }
  const model: Record<string, Tensor> = {};
  const state: OptimizerStateDict['state'] = {};
  for (const [id, s] of Object.entries(saved.optimizer.scalars)) {
    if (!/^\d+$/.test(id) || !isObject(s)) fail(`optimizer scalars for '${id}' are not an object of numbers`);
    state[Number(id)] = { ...s };
  }
  for (const [k, t] of Object.entries(file.tensors)) {
    const m = /^optimizer\.(\d+)\.(.+)$/.exec(k);
    if (k.startsWith('model.')) model[k.slice(6)] = t;
    else if (m && state[Number(m[1])]) state[Number(m[1])][m[2]] = Array.from(t.data);
    else fail(`unexpected tensor '${k}' (optimizer moments need their parameter's scalars)`);
  }
  return {
    model,
    optimizer: { state, paramGroups: saved.optimizer.paramGroups },
    scheduler: saved.scheduler,
    rng: saved.rng.map((v) => (v === null ? NaN : v)) as number[],
    progress: saved.progress,
    extra: saved.extra,
    source,
  };
}

function isObject(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
