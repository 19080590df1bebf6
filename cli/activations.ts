// The seed 002 exercise: forward hooks on every Conv2d capture its output for one validation image,
// and activations.png shows the image and the first 4 feature maps of each conv layer, one row per layer.

import * as tg from '../index.js';
import { Canvas } from './canvas.js';

export interface Activation {
  name: string;
  /** [C, H, W] of the one image */
  shape: number[];
  maps: Float32Array;
}

/** Runs the model (eval mode, no grad) on one [C, H, W] image, capturing every Conv2d's output. */
export function captureConvActivations(model: tg.nn.Module, image: tg.Tensor): Activation[] {
  const captured: Activation[] = [];
  const handles = [...model.namedModules()]
    .filter(([, m]) => m instanceof tg.nn.Conv2d)
    .map(([name, m]) => m.registerForwardHook((_m, _in, out) => {
      const t = out as tg.Tensor;
      captured.push({ name, shape: t.shape.slice(1), maps: t.data.slice(0, t.size / t.shape[0]) });
    }));
  const wasTraining = model.training;
  model.eval();
  try {
    tg.noGrad(() => model.forward(image.reshape([1, ...image.shape])));
  } finally {
    handles.forEach((h) => h.remove());
    model.train(wasTraining);
  }
  return captured;
}

const CELL = 112;
const GAP = 8;
const LABEL = 150;

export function activationsSize(layers: number): { width: number; height: number } {
  return { width: LABEL + 5 * (CELL + GAP) + GAP, height: 30 + Math.max(1, layers) * (CELL + GAP) + GAP };
}

/** The input image in the first column, then up to 4 maps per layer, each scaled to its own range. */
export function activationsPng(image: tg.Tensor, acts: Activation[], title: string): Uint8Array {
  const { width, height } = activationsSize(acts.length);
  const c = new Canvas(width, height);
  c.text(GAP, 8, title, [0, 0, 0], 2);
  const [ch, h, w] = image.shape;
  const s = Math.max(1, Math.floor(CELL / Math.max(h, w)));
  c.image(LABEL + GAP, 30, image.data, h, w, s, ch === 3 ? 3 : 1);
  c.text(LABEL + GAP, 30 + h * s + 2, 'input');
  acts.forEach((a, row) => {
    const y = 30 + row * (CELL + GAP);
    c.text(GAP, y + CELL / 2 - 10, a.name.slice(0, 24));
    c.text(GAP, y + CELL / 2 + 2, `[${a.shape.join('x')}]`);
    const [C, H, W] = a.shape;
    const scale = Math.max(1, Math.floor(CELL / Math.max(H, W)));
    for (let k = 0; k < Math.min(4, C); k++) {
      c.image(LABEL + GAP + (k + 1) * (CELL + GAP), y, a.maps.subarray(k * H * W, (k + 1) * H * W), H, W, scale);
    }
  });
  return c.png();
}
