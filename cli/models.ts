// The models `--model` names, built for a dataset's image size and class count. The default `cnn` is
// the recipe that reaches 98% on the bundled digits: conv32-conv32-pool-conv64-conv64-pool-fc128-fc10
// with BatchNorm after each conv and Dropout 0.3 before each Linear. A JSON file gives the options of
// tg.nn.CNN or tg.nn.ResNet instead ({"type": "cnn" | "resnet", ...options}).

import { readFileSync } from 'node:fs';
import * as tg from '../index.js';
import { UsageError, firstLine } from './errors.js';

export const MODEL_NAMES = ['cnn', 'resnet', 'vgg-small', 'mlp'] as const;

/** Everything needed to build the same model again (stored in metrics.json and the checkpoint). */
export interface ModelSpec {
  /** a name from MODEL_NAMES, or 'json' */
  name: string;
  inSize: number[];
  numClasses: number;
  /** the JSON file's contents, for 'json' */
  config?: Record<string, unknown>;
}

/** The default recipe, with the same key layout as tg.nn.CNN (featureExtractor.N, mlp.N). */
export class RecipeCNN extends tg.nn.Module {
  featureExtractor: tg.nn.Sequential;
  mlp: tg.nn.Sequential;

  constructor(inSize: number[], numClasses: number, channels = [32, 32, 64, 64], hidden = 128, dropout = 0.3) {
    super();
    const layers: tg.nn.Module[] = [];
    let c = inSize[0];
    channels.forEach((ch, i) => {
      // no conv bias: the BatchNorm right after it has its own shift
      layers.push(new tg.nn.Conv2d({ inChannels: c, outChannels: ch, kernelSize: 3, padding: 1, bias: false }), new tg.nn.BatchNorm2d({ numFeatures: ch }), new tg.nn.ReLU());
      c = ch;
      if (i % 2 === 1) layers.push(new tg.nn.MaxPool2d({ kernelSize: 2 }));
    });
    this.featureExtractor = new tg.nn.Sequential(layers);
    const [, h, w] = this.featureExtractor.outputShape([1, ...inSize]).slice(1);
    this.mlp = new tg.nn.Sequential(
      new tg.nn.Flatten(),
      new tg.nn.Dropout({ p: dropout }), new tg.nn.Linear({ inFeatures: c * h * w, outFeatures: hidden }), new tg.nn.ReLU(),
      new tg.nn.Dropout({ p: dropout }), new tg.nn.Linear({ inFeatures: hidden, outFeatures: numClasses }),
    );
  }

  forward(x: tg.Tensor): tg.Tensor {
    return this.mlp.forward(this.featureExtractor.forward(x));
  }

  outputShape(input: readonly number[]): number[] {
    return [input[0], (this.mlp.at(-1) as tg.nn.Linear).outFeatures];
  }
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
  if (!config || typeof config !== 'object' || (config.type !== 'cnn' && config.type !== 'resnet')) {
    throw new UsageError(`--model ${path}: expected a JSON object with "type": "cnn" or "resnet" and the model's options`);
  }
  return { name: 'json', inSize, numClasses, config };
}

export function modelSpec(model: string, inSize: number[], numClasses: number): ModelSpec {
  if (model.endsWith('.json')) return jsonModelSpec(model, inSize, numClasses);
  if (!(MODEL_NAMES as readonly string[]).includes(model)) throw new UsageError(`--model must be one of ${MODEL_NAMES.join(', ')} or a .json file of CNN/ResNet options, got '${model}'`);
  return { name: model, inSize, numClasses };
}

export function buildModel(spec: ModelSpec): tg.nn.Module {
  const { inSize, numClasses } = spec;
  try {
    switch (spec.name) {
      case 'cnn': return new RecipeCNN(inSize, numClasses);
      case 'resnet': return resnet(inSize, numClasses);
      case 'vgg-small': return tg.nn.vggSmall({ numClasses, inChannels: inSize[0] }); // the dog-breed lab's VGG
      case 'mlp': return mlp(inSize, numClasses);
      case 'json': {
        const { type, ...options } = spec.config!;
        const o = { inSize, outClasses: numClasses, ...options } as never;
        return type === 'cnn' ? new tg.nn.CNN(o) : new tg.nn.ResNet(o);
      }
    }
  } catch (e) {
    throw new UsageError(`--model ${spec.name}: ${firstLine((e as Error).message)}`);
  }
  throw new UsageError(`unknown model '${spec.name}'`);
}

/** Loads a state dict into the model, naming the first mismatching key and both shapes. */
export function loadWeights(model: tg.nn.Module, weights: Record<string, tg.Tensor>, file: string): void {
  const own = model.stateDict();
  for (const [k, t] of Object.entries(own)) {
    const w = weights[k];
    if (!w) throw new UsageError(`${file}: has no tensor '${k}' (shape [${t.shape}]) that the model needs; was it trained with another --model?`);
    if (w.shape.length !== t.shape.length || w.shape.some((n, i) => n !== t.shape[i])) {
      throw new UsageError(`${file}: tensor '${k}' has shape [${w.shape}] but the model expects [${t.shape}]`);
    }
  }
  const extra = Object.keys(weights).find((k) => !(k in own));
  if (extra) throw new UsageError(`${file}: tensor '${extra}' does not belong to the model; was it trained with another --model?`);
  model.loadStateDict(weights);
}
