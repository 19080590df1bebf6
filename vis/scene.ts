// A figure is a list of shapes in pixel coordinates, drawn two ways from the same list: SVG (real
// <text> in DejaVu Sans) and an anti-aliased raster for PNG. Layout code places the shapes; nothing
// here decides where anything goes.

import { FONT_FAMILY, face, lineHeight, textWidth } from './font.js';
import { pngBytes, type Pixels } from './png.js';
import { Raster, type RGB } from './raster.js';

export type { RGB };

/** An axis-aligned box in pixels. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

export type Shape =
  | { kind: 'rect'; box: Box; fill?: RGB; stroke?: RGB; strokeWidth?: number }
  /** `data`: a plotted series, always an SVG <polyline>; otherwise two points are a <line> (ticks, handles) */
  | { kind: 'polyline'; points: number[]; color: RGB; width: number; data?: boolean }
  | { kind: 'circle'; x: number; y: number; r: number; color: RGB }
  | { kind: 'text'; box: Box; text: string; size: number; color: RGB; rotate: 0 | -90 }
  | { kind: 'image'; box: Box; pixels: Uint8Array; width: number; height: number };

export class Figure {
  readonly shapes: Shape[] = [];

  constructor(readonly width: number, readonly height: number) {}

  add(shape: Shape): this {
    this.shapes.push(shape);
    return this;
  }

  /** Places text by an anchor point: x at its start, middle or end; y at its top, middle or bottom. Returns its box. */
  text(s: string, x: number, y: number, o: { size: number; color?: RGB; align?: 'start' | 'middle' | 'end'; valign?: 'top' | 'middle' | 'bottom'; rotate?: 0 | -90 }): Box {
    const box = textBox(s, x, y, o);
    this.add({ kind: 'text', box, text: s, size: o.size, color: o.color ?? [0, 0, 0], rotate: o.rotate ?? 0 });
    return box;
  }

  svg(): string {
    const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${this.width}" height="${this.height}" viewBox="0 0 ${this.width} ${this.height}" font-family="${FONT_FAMILY.replace(/'/g, '&apos;')}">`, `<rect width="${this.width}" height="${this.height}" fill="white"/>`];
    for (const s of this.shapes) out.push(svgShape(s));
    out.push('</svg>');
    return out.join('\n') + '\n';
  }

  raster(): Raster {
    const r = new Raster(this.width, this.height);
    for (const s of this.shapes) {
      if (s.kind === 'rect') {
        if (s.fill) r.rect(s.box.x, s.box.y, s.box.w, s.box.h, s.fill);
        if (s.stroke) r.strokeRect(s.box.x, s.box.y, s.box.w, s.box.h, s.stroke, s.strokeWidth ?? 1);
      } else if (s.kind === 'polyline') r.polyline(s.points, s.color, s.width);
      else if (s.kind === 'circle') r.circle(s.x, s.y, s.r, s.color);
      else if (s.kind === 'text') r.text(s.box.x, s.rotate ? s.box.y + s.box.h : s.box.y, s.text, s.size, s.color, s.rotate);
      else r.image(s.box.x, s.box.y, s.box.w, s.box.h, s.pixels, s.width, s.height);
    }
    return r;
  }

  pixels(): Pixels {
    return { data: this.raster().data, width: this.width, height: this.height, channels: 3 };
  }

  png(): Uint8Array {
    return pngBytes(this.pixels());
  }
}

export function textBox(s: string, x: number, y: number, o: { size: number; align?: 'start' | 'middle' | 'end'; valign?: 'top' | 'middle' | 'bottom'; rotate?: 0 | -90 }): Box {
  const [along, across] = [textWidth(s, o.size), lineHeight(o.size)];
  const [w, h] = o.rotate ? [across, along] : [along, across];
  // align is along the reading direction: for upward text, 'start' is the bottom
  const a = { start: 0, middle: 0.5, end: 1 }[o.align ?? 'start'];
  const v = { top: 0, middle: 0.5, bottom: 1 }[o.valign ?? 'top'];
  return o.rotate ? { x: x - v * w, y: y - (1 - a) * h, w, h } : { x: x - a * w, y: y - v * h, w, h };
}

const hex = (c: RGB) => `#${c.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;
const num = (v: number) => String(Math.round(v * 100) / 100);
const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function svgShape(s: Shape): string {
  switch (s.kind) {
    case 'rect': {
      const { x, y, w, h } = s.box;
      return `<rect x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(h)}" fill="${s.fill ? hex(s.fill) : 'none'}"${s.stroke ? ` stroke="${hex(s.stroke)}" stroke-width="${s.strokeWidth ?? 1}"` : ''}/>`;
    }
    case 'polyline': {
      // a tick mark or a legend handle is one <line>; <polyline> is for the data
      if (s.points.length === 4 && !s.data) return `<line x1="${num(s.points[0])}" y1="${num(s.points[1])}" x2="${num(s.points[2])}" y2="${num(s.points[3])}" stroke="${hex(s.color)}" stroke-width="${s.width}"/>`;
      const pts = [];
      for (let i = 0; i < s.points.length; i += 2) pts.push(`${num(s.points[i])},${num(s.points[i + 1])}`);
      return `<polyline fill="none" stroke="${hex(s.color)}" stroke-width="${s.width}" stroke-linejoin="round" stroke-linecap="round" points="${pts.join(' ')}"/>`;
    }
    case 'circle':
      return `<circle cx="${num(s.x)}" cy="${num(s.y)}" r="${s.r}" fill="${hex(s.color)}"/>`;
    case 'text': {
      const asc = face(s.size).ascent;
      const t = escape(s.text);
      if (s.rotate) return `<text transform="translate(${num(s.box.x + asc)},${num(s.box.y + s.box.h)}) rotate(-90)" font-size="${s.size}" fill="${hex(s.color)}">${t}</text>`;
      return `<text x="${num(s.box.x)}" y="${num(s.box.y + asc)}" font-size="${s.size}" fill="${hex(s.color)}">${t}</text>`;
    }
    case 'image': {
      const { x, y, w, h } = s.box;
      const href = `data:image/png;base64,${base64(pngBytes({ data: s.pixels, width: s.width, height: s.height, channels: 3 }))}`;
      return `<image x="${num(x)}" y="${num(y)}" width="${num(w)}" height="${num(h)}" preserveAspectRatio="none" style="image-rendering:pixelated" href="${href}"/>`;
    }
  }
}

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** Whether two boxes share any area (touching edges do not count). */
export function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** Whether a segment, thickened by `r` on each side, enters the box. */
export function segmentHitsBox(x0: number, y0: number, x1: number, y1: number, r: number, b: Box): boolean {
  const box = { x: b.x - r, y: b.y - r, w: b.w + 2 * r, h: b.h + 2 * r };
  return clipSegment(x0, y0, x1, y1, box) !== null;
}

/** The part of a segment inside a box (Liang-Barsky), or null. */
export function clipSegment(x0: number, y0: number, x1: number, y1: number, b: Box): [number, number, number, number] | null {
  let [t0, t1] = [0, 1];
  const [dx, dy] = [x1 - x0, y1 - y0];
  for (const [p, q] of [[-dx, x0 - b.x], [dx, b.x + b.w - x0], [-dy, y0 - b.y], [dy, b.y + b.h - y0]]) {
    if (p === 0) {
      if (q < 0) return null;
    } else if (p < 0) t0 = Math.max(t0, q / p);
    else t1 = Math.min(t1, q / p);
  }
  if (t0 > t1) return null;
  return [x0 + t0 * dx, y0 + t0 * dy, x0 + t1 * dx, y0 + t1 * dy];
}
