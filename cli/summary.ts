// `typegrad summary` (the torchsummary-style table of tg.nn.summary) and `typegrad receptive-field`
// (how many input pixels one output of the convolutional features sees: 212 for vgg16).

import * as tg from '../index.js';
import { helpText, parseArgs, type OptionSpecs } from './args.js';
import { UsageError, firstLine } from './errors.js';
import { buildModel, modelSpec, MODEL_NAMES } from './models.js';

const EXTRA_MODELS = ['vgg16', 'resnet18'];

const OPTIONS: OptionSpecs = {
  model: { type: 'string', default: 'recipe', help: `${[...MODEL_NAMES, ...EXTRA_MODELS].join('|')} or a JSON file of CNN/ResNet/RecipeCNN options` },
  input: { type: 'string', help: 'one input\'s C,H,W (default 1,28,28; 3,224,224 for vgg16/resnet18)' },
  classes: { type: 'int', min: 1, help: 'output classes (default 10; 1000 for vgg16/resnet18)' },
  help: { type: 'flag', help: 'show this help' },
};

function parseInput(s: string | undefined, fallback: number[]): number[] {
  if (s === undefined) return fallback;
  const dims = s.split(/[,x ]/).filter(Boolean).map(Number);
  if (dims.length !== 3 || !dims.every((n) => Number.isInteger(n) && n > 0)) throw new UsageError(`--input must be C,H,W (three positive integers, e.g. 3,224,224), got '${s}'`);
  return dims;
}

function makeModel(name: string, input: string | undefined, classes: number | undefined): { model: tg.nn.Module; inSize: number[] } {
  if (EXTRA_MODELS.includes(name)) {
    const inSize = parseInput(input, [3, 224, 224]);
    const numClasses = classes ?? 1000;
    const model = name === 'vgg16' ? tg.nn.vgg16({ numClasses, init: false }) : tg.nn.resnet18({ numClasses });
    return { model, inSize };
  }
  const inSize = parseInput(input, [1, 28, 28]);
  return { model: buildModel(modelSpec(name, inSize, classes ?? 10)), inSize };
}

export async function summaryCommand(argv: string[]): Promise<number> {
  const { options: o } = parseArgs('summary', argv, OPTIONS);
  if (o.help) return void process.stdout.write(helpText('summary', '[--model NAME] [--input C,H,W]', OPTIONS) + '\n'), 0;
  const { model, inSize } = makeModel(o.model as string, o.input as string | undefined, o.classes as number | undefined);
  try {
    process.stdout.write(tg.nn.summary(model, inSize).toString() + '\n');
  } catch (e) {
    throw new UsageError(`--input ${inSize.join(',')} does not fit --model ${o.model}: ${firstLine((e as Error).message)}`);
  }
  return 0;
}

export async function receptiveFieldCommand(argv: string[]): Promise<number> {
  const { options: o } = parseArgs('receptive-field', argv, OPTIONS);
  if (o.help) return void process.stdout.write(helpText('receptive-field', '[--model NAME]', OPTIONS) + '\n'), 0;
  const { model } = makeModel(o.model as string, o.input as string | undefined, o.classes as number | undefined);
  // the convolutional part: what models name features / featureExtractor, else the whole model
  const parts = model as unknown as Record<string, unknown>;
  const features = [parts.features, parts.featureExtractor].find((m) => m instanceof tg.nn.Module) as tg.nn.Module | undefined;
  const which = parts.features instanceof tg.nn.Module ? 'features' : parts.featureExtractor instanceof tg.nn.Module ? 'featureExtractor' : 'the whole model';
  let r: number;
  try {
    r = tg.nn.receptiveField(features ?? model);
  } catch (e) {
    throw new UsageError(`--model ${o.model}: ${firstLine((e as Error).message)}`);
  }
  process.stdout.write(`${o.model}: receptive field of ${which} is ${r} x ${r} input pixels\n`);
  return 0;
}
