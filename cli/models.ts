// The models `--model` names, built for a dataset's image size and class count. The default, `recipe`,
// is tg.nn.RecipeCNN (98.6% on the bundled digits). A JSON file gives the options of one of the
// library's configurable models: {"type": "cnn" (tg.nn.CNN) | "resnet" (tg.nn.ResNet) | "recipe", ...options}.

import { readFileSync } from 'node:fs';
import * as tg from '../index.js';
import { UsageError, firstLine } from './errors.js';

export const MODEL_NAMES = ['recipe', 'resnet', 'vgg-small', 'mlp'] as const;

/** Names runs and commands used before: `cnn` was the recipe's (a tg.nn.CNN is a JSON file's "type": "cnn"). */
const RENAMED = new Map([['cnn', 'recipe']]);

/** What a JSON file's "type" builds, from its options plus the dataset's inSize and outClasses. */
const JSON_TYPES = { cnn: tg.nn.CNN, resnet: tg.nn.ResNet, recipe: tg.nn.RecipeCNN } as const;

/** Everything needed to build the same model again (stored in metrics.json and the checkpoint). */
export interface ModelSpec {
  /** a name from MODEL_NAMES, or 'json' */
  name: string;
  inSize: number[];
  numClasses: number;
  /** the JSON file's contents, for 'json' */
  config?: Record<string, unknown>;
}

/** A small fully connected network on the flattened image. */
function mlp(inSize: number[], numClasses: number): tg.nn.Module {
  const n = inSize.reduce((a, b) => a * b, 1);
  return new tg.nn.Sequential(
    new tg.nn.Flatten(),
    new tg.nn.Linear({ inFeatures: n, outFeatures: 256 }), new tg.nn.ReLU(),
    new tg.nn.Linear({ inFeatures: 256, outFeatures: 128 }), new tg.nn.ReLU(),
    new tg.nn.Linear({ inFeatures: 128, outFeatures: numClasses }),
  );
}

function resnet(inSize: number[], numClasses: number): tg.nn.Module {
  return new tg.nn.ResNet({ inSize, outClasses: numClasses, channels: [32, 32, 64, 64], poolEvery: 2, hiddenDims: [128], batchnorm: true, dropout: 0 });
}

/** Reads `--model FILE.json` into a spec (the file must name its type). */
export function jsonModelSpec(path: string, inSize: number[], numClasses: number): ModelSpec {
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UsageError(`--model ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : firstLine((e as Error).message)}`);
  }
  if (!config || typeof config !== 'object' || !Object.hasOwn(JSON_TYPES, config.type as string)) {
    throw new UsageError(`--model ${path}: expected a JSON object with "type": ${Object.keys(JSON_TYPES).map((t) => `"${t}"`).join(', ')} and the model's options`);
  }
  return { name: 'json', inSize, numClasses, config };
}

export function modelSpec(given: string, inSize: number[], numClasses: number): ModelSpec {
  if (given.endsWith('.json')) return jsonModelSpec(given, inSize, numClasses);
  const model = RENAMED.get(given) ?? given;
  if (!(MODEL_NAMES as readonly string[]).includes(model)) throw new UsageError(`--model must be one of ${MODEL_NAMES.join(', ')} or a .json file of CNN/ResNet/RecipeCNN options, got '${model}'`);
  return { name: model, inSize, numClasses };
}

export function buildModel(spec: ModelSpec): tg.nn.Module {
  const { inSize, numClasses } = spec;
  try {
    switch (spec.name) {
      case 'recipe': return new tg.nn.RecipeCNN({ inSize, outClasses: numClasses });
      case 'resnet': return resnet(inSize, numClasses);
      case 'vgg-small': return tg.nn.vggSmall({ numClasses, inChannels: inSize[0] }); // the dog-breed lab's VGG
      case 'mlp': return mlp(inSize, numClasses);
      case 'json': {
        const { type, ...options } = spec.config!;
        return new JSON_TYPES[type as keyof typeof JSON_TYPES]({ inSize, outClasses: numClasses, ...options } as never);
      }
    }
  } catch (e) {
    throw new UsageError(`--model ${spec.name}: ${firstLine((e as Error).message)}`);
  }
  throw new UsageError(`unknown model '${spec.name}'`);
}

/** Loads a state dict into the model (Module.loadStateDict's strict checks), as a usage error naming the file. */
export function loadWeights(model: tg.nn.Module, weights: Record<string, tg.Tensor>, file: string): void {
  try {
    model.loadStateDict(weights);
  } catch (e) {
    throw new UsageError(`${file}: does not fit the model (was it trained with another --model?): ${firstLine((e as Error).message)}`);
  }
}
