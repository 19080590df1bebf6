// An RGB raster that draws anti-aliased: each shape's coverage of a pixel (distance to a line or a
// circle's edge, the area of a rectangle inside it) is its alpha. A polyline's coverage is collected
// as a per-pixel maximum before blending, so segment joins are not painted twice.

import { face, glyph } from './font.js';

export type RGB = readonly [number, number, number];

export class Raster {
  readonly data: Uint8Array;

  constructor(readonly width: number, readonly height: number, background: RGB = [255, 255, 255]) {
    this.data = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) this.data.set(background, i * 3);
  }

  blend(x: number, y: number, c: RGB, alpha: number): void {
    if (!(alpha > 0) || x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const a = Math.min(1, alpha);
    const i = (y * this.width + x) * 3;
    for (let k = 0; k < 3; k++) this.data[i + k] = Math.round(this.data[i + k] * (1 - a) + c[k] * a);
  }

  /** A filled rectangle; fractional edges cover their pixels partly. */
  rect(x: number, y: number, w: number, h: number, c: RGB, alpha = 1): void {
    const [i0, i1] = [Math.max(0, Math.floor(x)), Math.min(this.width, Math.ceil(x + w))];
    const [j0, j1] = [Math.max(0, Math.floor(y)), Math.min(this.height, Math.ceil(y + h))];
    for (let j = j0; j < j1; j++) {
      const cy = Math.min(j + 1, y + h) - Math.max(j, y);
      for (let i = i0; i < i1; i++) this.blend(i, j, c, alpha * cy * (Math.min(i + 1, x + w) - Math.max(i, x)));
    }
  }

  /** A rectangle's outline, `width` px wide, centred on the edges. */
  strokeRect(x: number, y: number, w: number, h: number, c: RGB, width = 1): void {
    const r = width / 2;
    this.rect(x - r, y - r, w + width, width, c);
    this.rect(x - r, y + h - r, w + width, width, c);
    this.rect(x - r, y + r, width, h - width, c);
    this.rect(x + w - r, y + r, width, h - width, c);
  }

  /** Connected segments `width` px wide with round joins; points are [x0, y0, x1, y1, ...]. */
  polyline(points: readonly number[], c: RGB, width = 1): void {
    const cover = new Map<number, number>();
    const r = width / 2;
    for (let k = 0; k + 3 < points.length; k += 2) {
      const [x0, y0, x1, y1] = [points[k], points[k + 1], points[k + 2], points[k + 3]];
      const [dx, dy] = [x1 - x0, y1 - y0];
      const len2 = dx * dx + dy * dy;
      const i0 = Math.max(0, Math.floor(Math.min(x0, x1) - r - 1));
      const i1 = Math.min(this.width - 1, Math.ceil(Math.max(x0, x1) + r + 1));
      const j0 = Math.max(0, Math.floor(Math.min(y0, y1) - r - 1));
      const j1 = Math.min(this.height - 1, Math.ceil(Math.max(y0, y1) + r + 1));
      for (let j = j0; j <= j1; j++) {
        for (let i = i0; i <= i1; i++) {
          const [px, py] = [i + 0.5 - x0, j + 0.5 - y0];
          const t = len2 > 0 ? Math.min(1, Math.max(0, (px * dx + py * dy) / len2)) : 0;
          const d = Math.hypot(px - t * dx, py - t * dy);
          const a = Math.min(1, r + 0.5 - d);
          if (a > 0) {
            const key = j * this.width + i;
            if (a > (cover.get(key) ?? 0)) cover.set(key, a);
          }
        }
      }
    }
    for (const [key, a] of cover) this.blend(key % this.width, Math.floor(key / this.width), c, a);
  }

  circle(cx: number, cy: number, radius: number, c: RGB): void {
    for (let j = Math.floor(cy - radius - 1); j <= Math.ceil(cy + radius + 1); j++) {
      for (let i = Math.floor(cx - radius - 1); i <= Math.ceil(cx + radius + 1); i++) {
        this.blend(i, j, c, radius + 0.5 - Math.hypot(i + 0.5 - cx, j + 0.5 - cy));
      }
    }
  }

  /**
   * Text with its top-left at (x, y) (the baseline is at y + ascent); rotate -90 runs it upwards from
   * the bottom-left of its rotated box, as a y-axis label.
   */
  text(x: number, y: number, s: string, size: number, c: RGB, rotate: 0 | -90 = 0): void {
    const f = face(size);
    let pen = 0;
    for (const ch of s) {
      const g = glyph(f, ch);
      const gx = Math.round(pen) + g.x;
      for (let j = 0; j < g.h; j++) {
        for (let i = 0; i < g.w; i++) {
          const a = g.bitmap[j * g.w + i] / 255;
          if (a === 0) continue;
          const u = gx + i;
          const v = f.ascent + g.y + j; // from the top of the line
          if (rotate === 0) this.blend(Math.round(x) + u, Math.round(y) + v, c, a);
          else this.blend(Math.round(x) + v, Math.round(y) - 1 - u, c, a);
        }
      }
      pen += g.advance;
    }
  }

  /** RGB pixels [h, w] drawn nearest-neighbour into the box (x, y, bw, bh). */
  image(x: number, y: number, bw: number, bh: number, pixels: Uint8Array, w: number, h: number): void {
    const [x0, y0] = [Math.round(x), Math.round(y)];
    const [tw, th] = [Math.round(bw), Math.round(bh)];
    for (let j = 0; j < th; j++) {
      const sy = Math.min(h - 1, Math.floor(((j + 0.5) * h) / th));
      for (let i = 0; i < tw; i++) {
        const sx = Math.min(w - 1, Math.floor(((i + 0.5) * w) / tw));
        const [X, Y] = [x0 + i, y0 + j];
        if (X < 0 || Y < 0 || X >= this.width || Y >= this.height) continue;
        const s = (sy * w + sx) * 3;
        this.data.set(pixels.subarray(s, s + 3), (Y * this.width + X) * 3);
      }
    }
  }
}
