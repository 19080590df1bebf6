// The seed 002 exercise for the run folder: forward hooks on every Conv2d capture its output for one
// validation image, and activations.png (drawn by tg.vis) shows the image and the first 4 feature maps
// of each conv layer, one row per layer.

import * as tg from '../index.js';

export type Activation = tg.vis.Activation;

/** Runs the model (eval mode, no grad) on one [C, H, W] image, capturing every Conv2d's output. */
export function captureConvActivations(model: tg.nn.Module, image: tg.Tensor): Activation[] {
  return tg.vis.captureFeatureMaps(model, image);
}

export function activationsPng(image: tg.Tensor, acts: Activation[], title: string): Uint8Array {
  return tg.vis.featureMapsFigure(image, acts, { title }).png();
}

/** The picture's size for `layers` conv layers of at least 4 channels each, with a title. */
export function activationsSize(layers: number): { width: number; height: number } {
  const acts = Array.from({ length: layers }, (_, i) => ({ name: String(i), shape: [4, 1, 1], maps: new Float32Array(4) }));
  const { width, height } = tg.vis.featureMapsLayout(tg.zeros([1, 1, 1]), acts, { title: 'title' });
  return { width, height };
}
