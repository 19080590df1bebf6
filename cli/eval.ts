// `typegrad eval`: loss, accuracy, per-class accuracy and the confusion matrix of a saved model on a
// dataset's validation split (the same split training used, from the run's seed and --val-split).

import { join } from 'node:path';
import { helpText, parseArgs, type OptionSpecs } from './args.js';
import { loadDataset } from './datasets.js';
import * as tg from '../index.js';
import { confusionMatrix, confusionPng } from './confusion.js';
import { ensureWritableDir, writeRunFile } from './files.js';
import { loadSavedRun, newestModelFile } from './saved-run.js';
import { BACKEND_NAMES, selectBackend } from './backend.js';
import { UsageError } from './errors.js';

const OPTIONS: OptionSpecs = {
  'model-file': { type: 'string', help: 'a model.safetensors from a run folder (default: the newest under runs/)' },
  model: { type: 'string', help: 'the model it holds (default: from the run\'s metrics.json)' },
  dataset: { type: 'string', help: 'dataset to evaluate on (default: the run\'s)' },
  split: { type: 'string', choices: ['val', 'train'], default: 'val', help: 'which part of the dataset' },
  'val-split': { type: 'number', min: 0, max: 1, exclusiveMin: true, help: 'as in train (default: the run\'s)' },
  'batch-size': { type: 'int', min: 1, default: 250, help: 'images per forward pass' },
  backend: { type: 'string', choices: BACKEND_NAMES, help: 'js | wasm | gl | webgpu' },
  out: { type: 'string', help: 'also write confusion.png and eval.json into this folder' },
  help: { type: 'flag', help: 'show this help' },
};

export async function evalCommand(argv: string[]): Promise<number> {
  const { options: o } = parseArgs('eval', argv, OPTIONS);
  if (o.help) return void process.stdout.write(helpText('eval', '[--model-file FILE] [options]', OPTIONS) + '\n'), 0;
  await selectBackend(o.backend as string | undefined);
  if (o.out) ensureWritableDir(o.out as string);
  const run = loadSavedRun((o['model-file'] as string | undefined) ?? newestModelFile(), o.model as string | undefined, null);
  const cfg = run.config ?? {};
  const data = await loadDataset((o.dataset as string | undefined) ?? cfg.dataset ?? 'mnist', {
    seed: cfg.seed ?? 0,
    valSplit: (o['val-split'] as number | undefined) ?? cfg.valSplit ?? undefined,
    imageSize: run.spec.inSize[1],
  });
  if (data.inSize.join() !== run.spec.inSize.join()) throw new UsageError(`--dataset ${data.spec}: images are [${data.inSize}] but the model takes [${run.spec.inSize}]`);
  if (data.classes.length !== run.spec.numClasses) throw new UsageError(`--dataset ${data.spec}: has ${data.classes.length} classes but the model predicts ${run.spec.numClasses}`);
  const ds = o.split === 'train' ? data.train : data.val;
  const r = await tg.nn.evaluate(run.model, new tg.data.DataLoader(ds, { batchSize: o['batch-size'] as number }));
  const cm = confusionMatrix(r.outputs!.targets, r.outputs!.predictions, data.classes.length);
  const w = Math.max(5, ...data.classes.map((c) => c.length)) + 1;
  const lines = [
    `${run.file} on ${data.spec} (${o.split}, ${ds.length} images): accuracy ${(100 * r.metrics.accuracy).toFixed(2)}%, loss ${r.loss.toFixed(4)}`,
    '',
    `confusion matrix (rows: true class, columns: predicted)`,
    ' '.repeat(w) + data.classes.map((c) => c.slice(0, 6).padStart(7)).join('') + '   accuracy',
    ...cm.map((row, i) => data.classes[i].padEnd(w) + row.map((n) => String(n).padStart(7)).join('') + `   ${((100 * row[i]) / Math.max(1, row.reduce((a, b) => a + b, 0))).toFixed(1)}%`),
  ];
  process.stdout.write(lines.join('\n') + '\n');
  if (o.out) {
    writeRunFile(join(o.out as string, 'confusion.png'), confusionPng(cm, data.classes));
    writeRunFile(join(o.out as string, 'eval.json'), JSON.stringify({ modelFile: run.file, dataset: data.spec, split: o.split, images: ds.length, accuracy: r.metrics.accuracy, loss: r.loss, classes: data.classes, confusion: cm }, null, 2) + '\n');
  }
  return 0;
}
