// Turning samples into batches, and evaluating a model over a whole dataset: shared by train and eval.

import * as tg from '../index.js';
import type { Sample } from './datasets.js';
import { UsageError } from './errors.js';

/**
 * Stacks the samples at `indices` into x [N, C, H, W] and labels, applying `augment` to each image.
 * A label outside [0, numClasses) is the dataset's fault, so it is a usage error naming the sample.
 */
export async function loadBatch(ds: Sample, indices: readonly number[], augment: ((img: tg.Tensor) => tg.Tensor) | null, numClasses: number): Promise<{ x: tg.Tensor; y: Int32Array }> {
  let data: Float32Array | null = null;
  let shape: number[] = [];
  const y = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    // in sample order, so the augmentations draw the same random numbers every run
    const [raw, label] = await ds.get(indices[k]);
    const img = augment ? augment(raw) : raw;
    if (!data) {
      shape = [indices.length, ...img.shape];
      data = new Float32Array(indices.length * img.size);
    } else if (img.size * indices.length !== data.length) {
      throw new RangeError(`sample ${indices[k]} has shape [${img.shape}], the batch [${shape.slice(1)}]`);
    }
    data.set(img.data, k * img.size);
    if (!(Number.isInteger(label) && label >= 0 && label < numClasses)) throw new UsageError(`--dataset: sample ${indices[k]} has label ${label}, expected a class index 0 … ${numClasses - 1}`);
    y[k] = label;
  }
  return { x: new tg.Tensor(data!, shape), y };
}

export interface EvalResult {
  loss: number;
  accuracy: number;
  predictions: Int32Array;
  labels: Int32Array;
}

/** Loss and accuracy over the first `limit` samples of ds, in eval mode without gradients. */
export async function evaluate(model: tg.nn.Module, ds: Sample, options: { batchSize: number; numClasses: number; labelSmoothing?: number; limit?: number }): Promise<EvalResult> {
  const n = Math.min(ds.length, options.limit ?? Infinity);
  const predictions = new Int32Array(n);
  const labels = new Int32Array(n);
  let lossSum = 0;
  let correct = 0;
  const wasTraining = model.training;
  model.eval();
  try {
    for (let start = 0; start < n; start += options.batchSize) {
      const idx = Array.from({ length: Math.min(options.batchSize, n - start) }, (_, k) => start + k);
      const { x, y } = await loadBatch(ds, idx, null, options.numClasses);
      tg.noGrad(() => {
        const logits = model.forward(x) as tg.Tensor;
        lossSum += tg.crossEntropy(logits, y, { labelSmoothing: options.labelSmoothing ?? 0 }).item() * y.length;
        const pred = logits.argmax(1).data;
        for (let k = 0; k < y.length; k++) {
          predictions[start + k] = pred[k];
          labels[start + k] = y[k];
          if (pred[k] === y[k]) correct++;
        }
      });
    }
  } finally {
    model.train(wasTraining);
  }
  return { loss: lossSum / Math.max(1, n), accuracy: correct / Math.max(1, n), predictions, labels };
}
