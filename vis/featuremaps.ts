// Seed 002's exercise: forward hooks on every Conv2d capture its output for one image, and the picture
// shows the image, then one row per conv layer of its first 4 feature maps (plt.imshow with
// cmap='gray', each map scaled to its own range), the layer's name and output shape beside the row.
//
// vis/ imports only engine/ (and data's codecs), so the model is taken by its shape: anything with
// namedModules() whose modules take forward hooks, as nn.Module does. Conv layers are found as modules
// with a 4-D `weight` and a `kernelSize` (nn.Conv2d), unless `layers` picks others.

import { noGrad } from '../engine/autograd.js';
import type { Tensor } from '../engine/tensor.js';
import { imshowPixels } from './colormap.js';
import { fitText, lineHeight } from './font.js';
import { Figure, textBox, type Box } from './scene.js';

export interface HookableModule {
  registerForwardHook(hook: (module: unknown, input: unknown, output: unknown) => unknown): { remove(): void };
}

export interface ModelLike {
  namedModules(): Iterable<[string, HookableModule]>;
  forward(x: Tensor): unknown;
  readonly training: boolean;
  train(mode?: boolean): unknown;
  eval(): unknown;
}

export interface Activation {
  name: string;
  /** [C, H, W] of the one image */
  shape: number[];
  maps: Float32Array;
}

export interface CaptureOptions {
  /** which modules to capture (default: the Conv2d layers) */
  layers?: (name: string, module: HookableModule) => boolean;
}

const isConv2d = (_: string, m: HookableModule) => {
  const w = (m as { weight?: { shape?: number[] } }).weight;
  return w?.shape?.length === 4 && 'kernelSize' in m;
};

/** Runs the model once (eval mode, no grad) on one [C, H, W] image, capturing the chosen layers' outputs. */
export function captureFeatureMaps(model: ModelLike, image: Tensor, options: CaptureOptions = {}): Activation[] {
  if (image.ndim !== 3 && !(image.ndim === 4 && image.shape[0] === 1)) throw new RangeError(`captureFeatureMaps: expected one [C, H, W] image, got shape [${image.shape.join(', ')}]`);
  const pick = options.layers ?? isConv2d;
  const captured: Activation[] = [];
  const handles = [...model.namedModules()]
    .filter(([name, m]) => name !== '' && pick(name, m))
    .map(([name, m]) =>
      m.registerForwardHook((_m, _in, out) => {
        const t = out as Tensor;
        if (t?.ndim === 4) captured.push({ name, shape: t.shape.slice(1), maps: t.data.slice(0, t.size / t.shape[0]) });
      }),
    );
  const wasTraining = model.training;
  model.eval();
  try {
    noGrad(() => model.forward(image.ndim === 3 ? image.reshape([1, ...image.shape]) : image));
  } finally {
    handles.forEach((h) => h.remove());
    model.train(wasTraining);
  }
  return captured;
}

export interface FeatureMapsOptions {
  /** maps per layer (default 4, as the notebook) */
  maps?: number;
  /** px per map (default 96) */
  cell?: number;
  title?: string;
}

export interface FeatureMapsLayout {
  width: number;
  height: number;
  title?: Box;
  input: Box;
  inputLabel: Box;
  rows: Array<{ name: string; label: Box; shapeLabel: Box; cells: Box[] }>;
}

const GAP = 8;
const LABEL_W = 150;

export function featureMapsLayout(image: Tensor, acts: readonly Activation[], options: FeatureMapsOptions = {}): FeatureMapsLayout {
  const { maps = 4, cell = 96, title } = options;
  const cols = Math.max(1, Math.min(maps, Math.max(0, ...acts.map((a) => a.shape[0]))));
  const width = LABEL_W + cols * (cell + GAP) + GAP;
  let y = GAP;
  const titleBox = title ? textBox(fitText(title, 14, width - 2 * GAP), GAP, y, { size: 14 }) : undefined;
  if (titleBox) y += titleBox.h + GAP;
  const [h, w] = image.shape.slice(-2);
  const s = cell / Math.max(h, w);
  const input = { x: LABEL_W + GAP, y, w: Math.round(w * s), h: Math.round(h * s) };
  const inputLabel = textBox('Input', GAP, y + cell / 2, { size: 12, valign: 'middle' });
  y += cell + GAP;
  const rows = acts.map((a) => {
    const [H, W] = a.shape.slice(1);
    const k = cell / Math.max(H, W);
    const cells = Array.from({ length: Math.min(cols, a.shape[0]) }, (_, j) => ({ x: LABEL_W + GAP + j * (cell + GAP), y, w: Math.round(W * k), h: Math.round(H * k) }));
    const name = fitText(a.name, 12, LABEL_W - 2 * GAP);
    const label = textBox(name, GAP, y + cell / 2 - 1, { size: 12, valign: 'bottom' });
    const shapeLabel = textBox(a.shape.join(' \u00d7 '), GAP, y + cell / 2 + 1, { size: 10 });
    y += cell + GAP;
    return { name, label, shapeLabel, cells };
  });
  return { width, height: Math.max(y, GAP + lineHeight(12)), title: titleBox, input, inputLabel, rows };
}

/** The picture of captured feature maps (its .png(), .svg()). */
export function featureMapsFigure(image: Tensor, acts: readonly Activation[], options: FeatureMapsOptions = {}): Figure {
  const L = featureMapsLayout(image, acts, options);
  const fig = new Figure(L.width, L.height);
  if (L.title) fig.text(fitText(options.title!, 14, L.width - 2 * GAP), L.title.x, L.title.y, { size: 14 });
  const shape = image.ndim === 4 ? image.shape.slice(1) : image.shape;
  const [c, h, w] = shape;
  fig.add({ kind: 'image', box: L.input, pixels: imshowPixels(image.data, [c === 3 ? 3 : 1, h, w]), width: w, height: h });
  fig.add({ kind: 'text', box: L.inputLabel, text: 'Input', size: 12, color: [0, 0, 0], rotate: 0 });
  L.rows.forEach((row, i) => {
    const a = acts[i];
    const [, H, W] = a.shape;
    fig.add({ kind: 'text', box: row.label, text: row.name, size: 12, color: [0, 0, 0], rotate: 0 });
    fig.add({ kind: 'text', box: row.shapeLabel, text: a.shape.join(' \u00d7 '), size: 10, color: [90, 90, 90], rotate: 0 });
    row.cells.forEach((box, j) => fig.add({ kind: 'image', box, pixels: imshowPixels(a.maps.subarray(j * H * W, (j + 1) * H * W), [1, H, W]), width: W, height: H }));
  });
  return fig;
}

/** Captures the conv layers' outputs for one image and draws them. */
export function featureMaps(model: ModelLike, image: Tensor, options: FeatureMapsOptions & CaptureOptions = {}): Figure {
  return featureMapsFigure(image, captureFeatureMaps(model, image, options), options);
}
