// The confusion matrix as sklearn's ConfusionMatrixDisplay draws it: square cells coloured by the share
// of the true class (Blues), counts in the cells when they fit, class names as tick labels (turned
// upright when they do not fit across a column, thinned when the cells are smaller than a line of
// text), 'Predicted label' and 'True label', and a colour bar.

import { formatTicks } from './axes.js';
import { blues, luminance } from './colormap.js';
import { fitText, lineHeight, textWidth } from './font.js';
import { Figure, textBox, type Box } from './scene.js';

/** counts[true][predicted] */
export function confusionMatrix(labels: ArrayLike<number>, predictions: ArrayLike<number>, numClasses: number): number[][] {
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const [t, p] = [labels[i], predictions[i]];
    if (!(t >= 0 && t < numClasses && p >= 0 && p < numClasses)) throw new RangeError(`confusionMatrix: sample ${i} has label ${t} and prediction ${p}, outside 0..${numClasses - 1}`);
    m[t][p]++;
  }
  return m;
}

export interface ConfusionOptions {
  title?: string;
}

interface Label {
  text: string;
  box: Box;
  size: number;
  rotate: 0 | -90;
}

export interface ConfusionLayout {
  width: number;
  height: number;
  /** the cells' area */
  matrix: Box;
  cell: number;
  title: Label;
  xlabel: Label;
  ylabel: Label;
  xticks: Label[];
  yticks: Label[];
  counts: Array<Label & { row: number; col: number }>;
  colorbar: Box;
  colorbarTicks: Label[];
}

const TICK = 4;

export function confusionLayout(m: readonly (readonly number[])[], classes: readonly string[], options: ConfusionOptions = {}): ConfusionLayout {
  const n = m.length;
  if (classes.length !== n || m.some((r) => r.length !== n)) throw new RangeError(`confusionLayout: expected a ${classes.length}x${classes.length} matrix for ${classes.length} classes, got ${n} rows`);
  const cell = n <= 12 ? 44 : Math.max(4, Math.floor(560 / n));
  const size = cell >= 16 ? 12 : 10;
  const lh = lineHeight(size);
  const every = Math.max(1, Math.ceil((lh + 2) / cell)); // label every k-th class when cells are thin
  const names = classes.map((c) => fitText(c, size, 120));
  const across = names.every((s, i) => i % every !== 0 || textWidth(s, size) <= cell * every - 6);
  const yLabelW = Math.max(...names.map((s) => textWidth(s, size)));
  const xLabelH = across ? lh : Math.max(...names.map((s) => textWidth(s, size)));
  const title = options.title ?? 'Confusion matrix';

  const left = 8 + lineHeight(14) + 8 + yLabelW + TICK + 4;
  const top = 8 + lineHeight(17) + 8;
  const matrix = { x: Math.round(left), y: Math.round(top), w: n * cell, h: n * cell };
  const colorbar = { x: matrix.x + matrix.w + 18, y: matrix.y, w: 14, h: matrix.h };
  const cbValues = [0, 0.2, 0.4, 0.6, 0.8, 1];
  const cbLabels = formatTicks(cbValues);
  const cbLabelW = Math.max(...cbLabels.map((s) => textWidth(s, 12)));
  const width = Math.ceil(colorbar.x + colorbar.w + TICK + 4 + cbLabelW + 12);
  const xlabelTop = matrix.y + matrix.h + TICK + 4 + xLabelH + 8;
  const height = Math.ceil(xlabelTop + lineHeight(14) + 8);
  const label = (text: string, box: Box, s: number, rotate: 0 | -90 = 0): Label => ({ text, box, size: s, rotate });

  const xticks: Label[] = [];
  const yticks: Label[] = [];
  names.forEach((s, i) => {
    if (i % every !== 0) return;
    const c = matrix.x + (i + 0.5) * cell;
    const below = matrix.y + matrix.h + TICK + 4;
    xticks.push(label(s, across ? textBox(s, c, below, { size, align: 'middle' }) : textBox(s, c, below, { size, rotate: -90, align: 'end', valign: 'middle' }), size, across ? 0 : -90));
    yticks.push(label(s, textBox(s, matrix.x - TICK - 4, matrix.y + (i + 0.5) * cell, { size, align: 'end', valign: 'middle' }), size));
  });
  const counts: ConfusionLayout['counts'] = [];
  if (cell >= 24) {
    m.forEach((row, i) => row.forEach((v, j) => {
      const s = String(v);
      const box = textBox(s, matrix.x + (j + 0.5) * cell, matrix.y + (i + 0.5) * cell, { size, align: 'middle', valign: 'middle' });
      if (box.w <= cell - 4) counts.push({ ...label(s, box, size), row: i, col: j });
    }));
  }
  return {
    width,
    height,
    matrix,
    cell,
    title: label(title, textBox(title, matrix.x + matrix.w / 2, 8, { size: 17, align: 'middle' }), 17),
    xlabel: label('Predicted label', textBox('Predicted label', matrix.x + matrix.w / 2, xlabelTop, { size: 14, align: 'middle' }), 14),
    ylabel: label('True label', textBox('True label', 8, matrix.y + matrix.h / 2, { size: 14, rotate: -90, align: 'middle' }), 14, -90),
    xticks,
    yticks,
    counts,
    colorbar,
    colorbarTicks: cbValues.map((v, i) => label(cbLabels[i], textBox(cbLabels[i], colorbar.x + colorbar.w + TICK + 4, colorbar.y + colorbar.h * (1 - v), { size: 12, valign: 'middle' }), 12)),
  };
}

/** The confusion matrix picture (its .png(), .svg()). */
export function confusion(m: readonly (readonly number[])[], classes: readonly string[], options: ConfusionOptions = {}): Figure {
  const L = confusionLayout(m, classes, options);
  const fig = new Figure(L.width, L.height);
  const { matrix, cell } = L;
  const share = m.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((v) => (total > 0 ? v / total : 0));
  });
  share.forEach((row, i) => row.forEach((f, j) => fig.add({ kind: 'rect', box: { x: matrix.x + j * cell, y: matrix.y + i * cell, w: cell, h: cell }, fill: blues(f) })));
  for (const c of L.counts) fig.add({ kind: 'text', box: c.box, text: c.text, size: c.size, color: luminance(blues(share[c.row][c.col])) < 0.45 ? [255, 255, 255] : [0, 0, 0], rotate: 0 });
  fig.add({ kind: 'rect', box: { x: matrix.x - 0.5, y: matrix.y - 0.5, w: matrix.w + 1, h: matrix.h + 1 }, stroke: [0, 0, 0] });
  const tick = (points: number[]) => fig.add({ kind: 'polyline', points, color: [0, 0, 0], width: 1 });
  const mid = (i: number) => Math.floor(i) + 0.5;
  for (const t of L.xticks) tick([mid(t.box.x + t.box.w / 2), matrix.y + matrix.h + 0.5, mid(t.box.x + t.box.w / 2), matrix.y + matrix.h + TICK]);
  for (const t of L.yticks) tick([matrix.x - 0.5, mid(t.box.y + t.box.h / 2), matrix.x - TICK, mid(t.box.y + t.box.h / 2)]);
  // the colour bar: 0 (bottom) to 1 (top) of a row's share
  const cb = L.colorbar;
  for (let y = 0; y < cb.h; y++) fig.add({ kind: 'rect', box: { x: cb.x, y: cb.y + y, w: cb.w, h: 1 }, fill: blues(1 - (y + 0.5) / cb.h) });
  fig.add({ kind: 'rect', box: { x: cb.x - 0.5, y: cb.y - 0.5, w: cb.w + 1, h: cb.h + 1 }, stroke: [0, 0, 0] });
  for (const t of L.colorbarTicks) tick([cb.x + cb.w + 0.5, mid(t.box.y + t.box.h / 2), cb.x + cb.w + TICK, mid(t.box.y + t.box.h / 2)]);
  for (const t of [L.title, L.xlabel, L.ylabel, ...L.xticks, ...L.yticks, ...L.colorbarTicks]) fig.add({ kind: 'text', box: t.box, text: t.text, size: t.size, color: [0, 0, 0], rotate: t.rotate });
  return fig;
}

export const confusionPng = (m: readonly (readonly number[])[], classes: readonly string[], options?: ConfusionOptions): Uint8Array => confusion(m, classes, options).png();
export const confusionSvg = (m: readonly (readonly number[])[], classes: readonly string[], options?: ConfusionOptions): string => confusion(m, classes, options).svg();
