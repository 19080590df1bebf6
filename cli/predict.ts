// `typegrad predict FILE.png|jpg ...`: the top-5 classes with probabilities for each image, with a
// saved model. Images are decoded, converted to the model's channel count and resized to its input.

import { readFileSync } from 'node:fs';
import * as tg from '../index.js';
import { helpText, parseArgs, type OptionSpecs } from './args.js';
import { UsageError, firstLine } from './errors.js';
import { loadSavedRun, newestModelFile } from './saved-run.js';
import { BACKEND_NAMES, selectBackend } from './backend.js';

const OPTIONS: OptionSpecs = {
  'model-file': { type: 'string', help: 'a model.safetensors from a run folder (default: the newest under runs/)' },
  model: { type: 'string', help: 'the model it holds (default: from the run\'s metrics.json)' },
  top: { type: 'int', min: 1, default: 5, help: 'how many classes to show' },
  invert: { type: 'flag', help: 'invert the image first (dark digits on white paper → MNIST\'s white on black)' },
  backend: { type: 'string', choices: BACKEND_NAMES, help: 'js | wasm | gl | webgpu' },
  help: { type: 'flag', help: 'show this help' },
};

/** An image file as the model's input [C, H, W] in [0, 1]. */
export function imageInput(file: string, inSize: number[], invert: boolean): tg.Tensor {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new UsageError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? firstLine((e as Error).message)})`);
  }
  let img: tg.Tensor;
  try {
    img = tg.data.toTensor(tg.data.decodeImage(bytes, { name: file, mode: inSize[0] === 1 ? 'L' : 'RGB' }));
  } catch (e) {
    throw new UsageError(`${file}: ${firstLine((e as Error).message).replace(/^decodeImage: /, '')}`);
  }
  if (img.shape[1] !== inSize[1] || img.shape[2] !== inSize[2]) img = new tg.data.transforms.Resize({ size: [inSize[1], inSize[2]] }).apply(img);
  return invert ? tg.tensor(img.data.map((v) => 1 - v), img.shape) : img;
}

export async function predictCommand(argv: string[]): Promise<number> {
  const { options: o, positionals } = parseArgs('predict', argv, OPTIONS, Infinity);
  if (o.help) return void process.stdout.write(helpText('predict', 'IMAGE.png|jpg ... [options]', OPTIONS) + '\n'), 0;
  if (positionals.length === 0) throw new UsageError('typegrad predict: give one or more image files (PNG or JPEG)');
  await selectBackend(o.backend as string | undefined);
  const run = loadSavedRun((o['model-file'] as string | undefined) ?? newestModelFile(), o.model as string | undefined, null);
  const inputs = positionals.map((f) => imageInput(f, run.spec.inSize, Boolean(o.invert)));
  run.model.eval();
  for (const [k, file] of positionals.entries()) {
    const x = inputs[k];
    const probs = await tg.noGrad(() => tg.softmax(run.model.forward(x.reshape([1, ...x.shape])) as tg.Tensor, 1)).dataAsync();
    const order = [...probs.keys()].sort((a, b) => probs[b] - probs[a]).slice(0, o.top as number);
    process.stdout.write(`${file}\n${order.map((c) => `  ${run.classes[c].padEnd(12)} ${(100 * probs[c]).toFixed(2).padStart(6)}%`).join('\n')}\n`);
  }
  return 0;
}
