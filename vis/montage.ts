// The labs' sample grids (seed 000: `plt.subplots(5, 5)` with ax.imshow and ax.set_title per image,
// axes off): images in a grid of cells, each with its title above it, fitted with an ellipsis when long.

import type { Tensor } from '../engine/tensor.js';
import { imshowPixels, type ImshowOptions } from './colormap.js';
import { fitText, lineHeight } from './font.js';
import { Figure, textBox, type Box } from './scene.js';

export interface MontageOptions extends ImshowOptions {
  titles?: readonly string[];
  /** images per row (default: up to 5) */
  ncols?: number;
  /** px per image (default 128) */
  cell?: number;
  /** a title over the whole montage */
  title?: string;
}

export interface MontageLayout {
  width: number;
  height: number;
  title?: Box;
  images: Box[];
  titles: Array<{ text: string; box: Box } | null>;
}

/** The images of a [B, C, H, W] tensor, or an array of [C, H, W] / [H, W] tensors, as [C, H, W] views. */
function imagesOf(images: Tensor | readonly Tensor[]): Array<{ data: Float32Array; shape: [number, number, number] }> {
  const one = (data: Float32Array, s: readonly number[]) => {
    const shape = (s.length === 2 ? [1, s[0], s[1]] : s) as [number, number, number];
    if (shape.length !== 3 || (shape[0] !== 1 && shape[0] !== 3)) throw new RangeError(`montage: expected images of shape [1 or 3, H, W] or [H, W], got [${s.join(', ')}]`);
    return { data, shape };
  };
  if (Array.isArray(images)) return (images as readonly Tensor[]).map((t) => one(t.data, t.shape));
  const t = images as Tensor;
  if (t.ndim !== 4) return [one(t.data, t.shape)];
  const per = t.size / t.shape[0];
  return Array.from({ length: t.shape[0] }, (_, i) => one(t.data.subarray(i * per, (i + 1) * per), t.shape.slice(1)));
}

const GAP = 10;
const SIZE = 12;

export function montageLayout(count: number, shapes: ReadonlyArray<readonly number[]>, options: MontageOptions = {}): MontageLayout {
  const { ncols = Math.min(5, Math.max(1, count)), cell = 128, titles = [], title } = options;
  const rows = Math.ceil(count / ncols);
  const titleH = titles.length ? lineHeight(SIZE) + 4 : 0;
  const width = ncols * (cell + GAP) + GAP;
  let top = GAP;
  const titleBox = title ? textBox(fitText(title, 17, width - 2 * GAP), width / 2, top, { size: 17, align: 'middle' }) : undefined;
  if (titleBox) top += titleBox.h + GAP;
  const images: Box[] = [];
  const tboxes: MontageLayout['titles'] = [];
  for (let i = 0; i < count; i++) {
    const [x0, y0] = [GAP + (i % ncols) * (cell + GAP), top + Math.floor(i / ncols) * (cell + titleH + GAP)];
    const [h, w] = shapes[i].slice(-2);
    const s = cell / Math.max(h, w);
    const [bw, bh] = [Math.round(w * s), Math.round(h * s)];
    images.push({ x: x0 + Math.floor((cell - bw) / 2), y: y0 + titleH + Math.floor((cell - bh) / 2), w: bw, h: bh });
    const text = titles[i] === undefined ? '' : fitText(String(titles[i]), SIZE, cell);
    tboxes.push(text ? { text, box: textBox(text, x0 + cell / 2, y0, { size: SIZE, align: 'middle' }) } : null);
  }
  return { width, height: top + rows * (cell + titleH + GAP), title: titleBox, images, titles: tboxes };
}

/** Images with titles in a grid, as plt.subplots + imshow + set_title (its .png(), .svg()). */
export function montage(images: Tensor | readonly Tensor[], options: MontageOptions = {}): Figure {
  const list = imagesOf(images);
  const L = montageLayout(list.length, list.map((im) => im.shape), options);
  const fig = new Figure(L.width, L.height);
  if (L.title) fig.add({ kind: 'text', box: L.title, text: fitText(options.title!, 17, L.width - 2 * GAP), size: 17, color: [0, 0, 0], rotate: 0 });
  list.forEach((im, i) => {
    const [, h, w] = im.shape;
    fig.add({ kind: 'image', box: L.images[i], pixels: imshowPixels(im.data, im.shape, options), width: w, height: h });
    const t = L.titles[i];
    if (t) fig.add({ kind: 'text', box: t.box, text: t.text, size: SIZE, color: [0, 0, 0], rotate: 0 });
  });
  return fig;
}
