// cli/models.ts: what each --model name and JSON "type" builds, and loading weights with
// Module.loadStateDict's checks (in-process, no build needed).

import { describe, expect, it } from 'vitest';
import * as tg from '../../index.js';
import { buildModel, loadWeights, modelSpec } from '../../cli/models.js';
import { UsageError } from '../../cli/errors.js';
import { tempDir } from './helpers.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const json = (config: object) => {
  const file = join(tempDir(), 'model.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
};

describe('--model names and JSON types', () => {
  it("'recipe' (the default) builds tg.nn.RecipeCNN; 'cnn', its name before, still does", () => {
    for (const name of ['recipe', 'cnn']) {
      const model = buildModel(modelSpec(name, [1, 28, 28], 10));
      expect(model).toBeInstanceOf(tg.nn.RecipeCNN);
      expect(model.parameters().reduce((n, p) => n + p.size, 0)).toBe(468_010);
    }
    expect(modelSpec('cnn', [1, 28, 28], 10).name).toBe('recipe');
  });

  it('a JSON "type" names the library model its options are for: "cnn" is tg.nn.CNN, "recipe" tg.nn.RecipeCNN', () => {
    const cnn = buildModel(modelSpec(json({ type: 'cnn', channels: [4], poolEvery: 1, hiddenDims: [8] }), [1, 8, 8], 3));
    expect(cnn.constructor).toBe(tg.nn.CNN);
    const recipe = buildModel(modelSpec(json({ type: 'recipe', channels: [4, 4], hiddenDims: [] }), [1, 8, 8], 3)) as tg.nn.RecipeCNN;
    expect(recipe).toBeInstanceOf(tg.nn.RecipeCNN);
    expect(Object.keys(recipe.stateDict()).at(-1)).toBe('mlp.2.bias');
    expect(() => modelSpec(json({ type: 'constructor' }), [1, 8, 8], 3)).toThrow(/expected a JSON object with "type": "cnn", "resnet", "recipe"/);
  });
});

describe('loadWeights', () => {
  it("uses loadStateDict's checks, as one usage error naming the file", () => {
    const model = buildModel(modelSpec('mlp', [1, 4, 4], 2));
    const sd = model.stateDict();
    expect(() => loadWeights(model, { ...sd, extra: tg.zeros([1]) }, 'f.safetensors')).toThrow(UsageError);
    expect(() => loadWeights(model, { ...sd, extra: tg.zeros([1]) }, 'f.safetensors')).toThrow(/^f\.safetensors: does not fit the model .*: loadStateDict \(Sequential\): unexpected keys: extra$/);
    const { ['1.weight']: _, ...missing } = sd;
    expect(() => loadWeights(model, { ...missing, '5.bias': tg.zeros([3]) }, 'f')).toThrow(/missing keys: 1\.weight; wrong shapes: 5\.bias: the model has shape \[2\], the state dict \[3\]$/);
    const trained = tg.nn.init.ones(sd['5.bias'].clone());
    loadWeights(model, { ...sd, '5.bias': trained }, 'f');
    expect([...model.stateDict()['5.bias'].data]).toEqual([1, 1]);
  });
});
