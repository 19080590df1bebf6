// Small stand-ins for the dog-breed photos, for when the real data is not at hand: a folder laid out as
// Kaggle's dog-breed-identification (labels.csv of id,breed and train/<id>.jpg), whose "breeds" are
// shapes (a disc, a square, a triangle, a cross) in a random colour, at a random place and size, on a
// noisy background. The pictures have varied sizes and aspect ratios, like the real ones, so the pad-to-
// square step matters; the classes differ by shape, not colour, so ColorJitter's hue shifts do not erase them.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import * as tg from '../../index.js';

export const PHOTO_BREEDS = ['disc', 'square', 'triangle', 'cross'] as const;

/** Is pixel (x, y) inside the shape of `breed` centred at (cx, cy) with half-size r? */
function inside(breed: string, x: number, y: number, cx: number, cy: number, r: number): boolean {
  const [dx, dy] = [x - cx, y - cy];
  if (breed === 'disc') return dx * dx + dy * dy <= r * r;
  if (breed === 'square') return Math.abs(dx) <= 0.8 * r && Math.abs(dy) <= 0.8 * r;
  if (breed === 'triangle') return dy <= r && dy >= -r && Math.abs(dx) <= (dy + r) / 2; // apex up
  return Math.min(Math.abs(dx), Math.abs(dy)) <= 0.3 * r && Math.max(Math.abs(dx), Math.abs(dy)) <= r; // cross
}

/** One RGBA photo of `breed`, width x height. */
function drawPhoto(breed: string, width: number, height: number, g: tg.Generator): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  const background = [0, 1, 2].map(() => 60 + 120 * g.uniform());
  const colour = [0, 1, 2].map(() => 255 * g.uniform());
  const r = (0.25 + 0.15 * g.uniform()) * Math.min(width, height);
  const cx = r + (width - 2 * r) * g.uniform();
  const cy = r + (height - 2 * r) * g.uniform();
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const fill = inside(breed, x, y, cx, cy, r) ? colour : background;
      for (let k = 0; k < 3; k++) rgba[(y * width + x) * 4 + k] = Math.max(0, Math.min(255, fill[k] + 40 * (g.uniform() - 0.5)));
      rgba[(y * width + x) * 4 + 3] = 255;
    }
  }
  return rgba;
}

export interface PhotoOptions {
  /** photos per breed (default 20) */
  perBreed?: number;
  /** the smallest and largest side in pixels (default [48, 96]) */
  sides?: readonly [number, number];
  seed?: number;
}

/** Writes `dir`/labels.csv and `dir`/train/<id>.jpg, the photos in a shuffled order. Returns `dir`. */
export function writeDogBreedFolder(dir: string, options: PhotoOptions = {}): string {
  const { perBreed = 20, sides = [48, 96], seed = 0 } = options;
  const g = new tg.Generator(seed);
  mkdirSync(join(dir, 'train'), { recursive: true });
  const breeds = PHOTO_BREEDS.flatMap((breed) => Array<string>(perBreed).fill(breed));
  const order = tg.data.permutation(breeds.length, g);
  const rows = ['id,breed'];
  for (const [i, k] of order.entries()) {
    const id = `photo${String(i).padStart(5, '0')}`;
    const [width, height] = [g.int(sides[0], sides[1] + 1), g.int(sides[0], sides[1] + 1)];
    writeFileSync(join(dir, 'train', `${id}.jpg`), jpeg.encode({ data: drawPhoto(breeds[k], width, height, g), width, height }, 90).data);
    rows.push(`${id},${breeds[k]}`);
  }
  writeFileSync(join(dir, 'labels.csv'), rows.join('\n') + '\n');
  return dir;
}
