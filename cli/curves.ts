// The labs' two panels, loss and accuracy per epoch with train vs val, as matplotlib would draw them:
// curves.svg (vector, real text) and curves.png (the same layout rasterised on a Canvas).

import { Canvas, type RGB } from './canvas.js';

export interface CurvePoint {
  epoch: number;
  trainLoss: number;
  valLoss: number;
  trainAccuracy: number;
  valAccuracy: number;
}

export const CURVES_SIZE = { width: 960, height: 400 };
const TRAIN: RGB = [31, 119, 180]; // matplotlib's C0 and C1
const VAL: RGB = [255, 127, 14];
const hex = (c: RGB) => `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;

interface Panel {
  title: string;
  x0: number;
  y0: number;
  w: number;
  h: number;
  lo: number;
  hi: number;
  series: Array<{ label: string; color: RGB; values: number[] }>;
  epochs: number[];
  format: (v: number) => string;
}

/** Round tick values covering [lo, hi]. */
function ticks(lo: number, hi: number, count = 5): number[] {
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && hi >= lo)) return [];
  const span = hi - lo || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  // by index, not v += step: at 1e20 adding a step of 0.2 would never get past hi (a diverged loss)
  const first = Math.ceil(lo / step - 1e-9);
  for (let i = 0; i <= 2 * count; i++) {
    const v = (first + i) * step;
    if (v > hi + 1e-9 * Math.abs(hi)) break;
    out.push(Number(v.toPrecision(12)));
  }
  return out;
}

function range(values: number[], floor?: number, ceil?: number): [number, number] {
  const finite = values.filter(Number.isFinite);
  let lo = finite.length ? Math.min(...finite) : 0;
  let hi = finite.length ? Math.max(...finite) : 1;
  const pad = (hi - lo || Math.abs(hi) || 1) * 0.08;
  lo -= pad;
  hi += pad;
  if (floor !== undefined) lo = Math.max(floor, lo);
  if (ceil !== undefined) hi = Math.min(ceil, hi);
  return hi > lo ? [lo, hi] : [lo, lo + 1];
}

function panels(points: CurvePoint[]): Panel[] {
  const { width, height } = CURVES_SIZE;
  const epochs = points.map((p) => p.epoch);
  const loss = [points.map((p) => p.trainLoss), points.map((p) => p.valLoss)];
  const acc = [points.map((p) => 100 * p.trainAccuracy), points.map((p) => 100 * p.valAccuracy)];
  const w = width / 2 - 90;
  const h = height - 100;
  const [lLo, lHi] = range(loss.flat(), 0);
  const [aLo, aHi] = range(acc.flat(), 0, 100);
  const series = (v: number[][]) => [
    { label: 'train', color: TRAIN, values: v[0] },
    { label: 'val', color: VAL, values: v[1] },
  ];
  return [
    { title: 'Loss', x0: 70, y0: 40, w, h, lo: lLo, hi: lHi, series: series(loss), epochs, format: (v) => v.toFixed(v < 1 ? 2 : 1) },
    { title: 'Accuracy (%)', x0: width / 2 + 70, y0: 40, w, h, lo: aLo, hi: aHi, series: series(acc), epochs, format: (v) => v.toFixed(aHi - aLo < 5 ? 1 : 0) },
  ];
}

function scaleX(p: Panel, e: number): number {
  const [first, last] = [p.epochs[0] ?? 1, p.epochs.at(-1) ?? 1];
  return p.x0 + (last > first ? ((e - first) / (last - first)) * p.w : p.w / 2);
}
/** A value's y in its panel; values off the axis (a diverged loss) sit on its edge. */
const scaleY = (p: Panel, v: number) => p.y0 + p.h - Math.min(1, Math.max(0, (v - p.lo) / (p.hi - p.lo))) * p.h;
const epochTicks = (p: Panel) => (p.epochs.length <= 12 ? p.epochs : ticks(p.epochs[0], p.epochs.at(-1)!, 8).filter(Number.isInteger));

export function curvesSvg(points: CurvePoint[]): string {
  const { width, height } = CURVES_SIZE;
  const out: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`, `<rect width="${width}" height="${height}" fill="white"/>`];
  for (const p of panels(points)) {
    out.push(`<text x="${p.x0 + p.w / 2}" y="${p.y0 - 14}" text-anchor="middle" font-size="14">${p.title}</text>`);
    for (const t of ticks(p.lo, p.hi)) {
      const y = scaleY(p, t);
      out.push(`<line x1="${p.x0}" x2="${p.x0 + p.w}" y1="${y}" y2="${y}" stroke="#e6e6e6"/>`, `<text x="${p.x0 - 6}" y="${y + 4}" text-anchor="end">${p.format(t)}</text>`);
    }
    for (const e of epochTicks(p)) out.push(`<text x="${scaleX(p, e)}" y="${p.y0 + p.h + 16}" text-anchor="middle">${e}</text>`);
    out.push(`<rect x="${p.x0}" y="${p.y0}" width="${p.w}" height="${p.h}" fill="none" stroke="black"/>`);
    out.push(`<text x="${p.x0 + p.w / 2}" y="${p.y0 + p.h + 34}" text-anchor="middle">epoch</text>`);
    p.series.forEach((s, k) => {
      const pts = s.values.map((v, i) => [scaleX(p, p.epochs[i]), scaleY(p, v)] as const).filter(([, y]) => Number.isFinite(y));
      out.push(`<polyline fill="none" stroke="${hex(s.color)}" stroke-width="2" points="${pts.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ')}"/>`);
      for (const [x, y] of pts) out.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3" fill="${hex(s.color)}"/>`);
      const ly = p.y0 + 14 + 18 * k;
      out.push(`<line x1="${p.x0 + p.w - 70}" x2="${p.x0 + p.w - 50}" y1="${ly - 4}" y2="${ly - 4}" stroke="${hex(s.color)}" stroke-width="2"/>`, `<text x="${p.x0 + p.w - 44}" y="${ly}">${s.label}</text>`);
    });
  }
  out.push('</svg>');
  return out.join('\n') + '\n';
}

export function curvesPng(points: CurvePoint[]): Uint8Array {
  const { width, height } = CURVES_SIZE;
  const c = new Canvas(width, height);
  for (const p of panels(points)) {
    c.text(p.x0 + p.w / 2 - Canvas.textWidth(p.title, 2) / 2, p.y0 - 26, p.title, [0, 0, 0], 2);
    for (const t of ticks(p.lo, p.hi)) {
      const y = scaleY(p, t);
      c.line(p.x0, y, p.x0 + p.w, y, [230, 230, 230]);
      const label = p.format(t);
      c.text(p.x0 - 6 - Canvas.textWidth(label), y - 3, label);
    }
    for (const e of epochTicks(p)) c.text(scaleX(p, e) - Canvas.textWidth(String(e)) / 2, p.y0 + p.h + 8, String(e));
    c.text(p.x0 + p.w / 2 - Canvas.textWidth('epoch') / 2, p.y0 + p.h + 24, 'epoch');
    for (const [x0, y0, x1, y1] of [[p.x0, p.y0, p.x0 + p.w, p.y0], [p.x0, p.y0 + p.h, p.x0 + p.w, p.y0 + p.h], [p.x0, p.y0, p.x0, p.y0 + p.h], [p.x0 + p.w, p.y0, p.x0 + p.w, p.y0 + p.h]]) c.line(x0, y0, x1, y1, [0, 0, 0]);
    p.series.forEach((s, k) => {
      const pts = s.values.map((v, i) => [scaleX(p, p.epochs[i]), scaleY(p, v)] as const).filter(([, y]) => Number.isFinite(y));
      for (let i = 1; i < pts.length; i++) c.line(pts[i - 1][0], pts[i - 1][1], pts[i][0], pts[i][1], s.color, 2);
      for (const [x, y] of pts) c.rect(x - 3, y - 3, 6, 6, s.color);
      const ly = p.y0 + 12 + 16 * k;
      c.line(p.x0 + p.w - 70, ly, p.x0 + p.w - 50, ly, s.color, 2);
      c.text(p.x0 + p.w - 44, ly - 3, s.label);
    });
  }
  return c.png();
}
