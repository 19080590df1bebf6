// Finding what a saved model file needs: its run folder's metrics.json says which model, dataset and
// classes it was trained with; --model / --dataset override. Without --model-file, the newest run.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tg from '../index.js';
import { UsageError, firstLine } from './errors.js';
import { buildModel, loadWeights, modelSpec, type ModelSpec } from './models.js';

export interface SavedRun {
  file: string;
  model: tg.nn.Module;
  spec: ModelSpec;
  classes: string[];
  config: { dataset?: string; seed?: number; valSplit?: number | null; imageSize?: number; labelSmoothing?: number } | null;
}

/** The newest runs/<name>/model.safetensors, for commands run right after `typegrad train`. */
export function newestModelFile(root = 'runs'): string {
  const runs = existsSync(root) ? readdirSync(root).map((d) => join(root, d, 'model.safetensors')).filter((f) => existsSync(f)) : [];
  if (runs.length === 0) throw new UsageError(`--model-file is required (no ${root}/*/model.safetensors found; run typegrad train first)`);
  return runs.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

export function loadSavedRun(file: string, modelName: string | undefined, inSizeOverride: number[] | null): SavedRun {
  if (!existsSync(file)) throw new UsageError(`--model-file ${file}: no such file`);
  const metricsFile = join(dirname(file), 'metrics.json');
  const metrics = existsSync(metricsFile) ? JSON.parse(readFileSync(metricsFile, 'utf8')) : null;
  const saved = metrics?.model as ModelSpec | undefined;
  let weights: Record<string, tg.Tensor>;
  try {
    weights = tg.io.loadSafetensors(readFileSync(file));
  } catch (e) {
    throw new UsageError(`--model-file ${file}: ${firstLine((e as Error).message)}`);
  }
  const name = modelName ?? saved?.name;
  if (!name) throw new UsageError(`--model-file ${file}: no metrics.json beside it says which model it is; pass --model`);
  const inSize = inSizeOverride ?? saved?.inSize ?? [1, 28, 28];
  const classes: string[] = metrics?.dataset?.classes ?? Array.from({ length: saved?.numClasses ?? 10 }, (_, i) => String(i));
  const spec = name === 'json' && saved ? { ...saved, inSize } : modelSpec(name, inSize, saved?.numClasses ?? classes.length);
  const model = buildModel(spec);
  loadWeights(model, weights, file);
  return { file, model, spec, classes, config: metrics?.config ?? null };
}
