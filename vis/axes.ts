// One matplotlib-style axes: a plot area with spines, outward ticks, tick labels, axis labels, a title
// and a legend, laid out as boxes first (axesLayout) and drawn from them (drawAxes). The layout knows
// every box and every drawn segment in pixels, so tests can check that no label or legend covers data.
//
// The legend goes where matplotlib's loc='best' would look (upper right, upper left, ...) at the first
// place none of the lines or markers pass through; when every place is taken it moves out of the plot,
// into a row between the title and the plot area, which shrinks to make room.

import { lineHeight, textWidth } from './font.js';
import { clipSegment, overlaps, segmentHitsBox, textBox, type Box, type Figure, type RGB } from './scene.js';

export const TAB10: readonly RGB[] = [[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189]];
const BLACK: RGB = [0, 0, 0];
const SIZE = { tick: 12, label: 14, title: 17, legend: 12 };
const TICK_LENGTH = 5; // matplotlib's 3.5 pt
const LINE_WIDTH = 2;
const MARKER_RADIUS = 3;

export interface Series {
  label: string;
  color: RGB;
  /** y per x; NaN and ±Infinity leave a gap, as matplotlib does */
  values: readonly number[];
}

export interface AxesSpec {
  title?: string;
  xlabel?: string;
  ylabel?: string;
  x: readonly number[];
  series: readonly Series[];
  /** the y axis never extends past these (e.g. [0, 100] for a percentage): values beyond are clipped */
  yLimits?: readonly [number, number];
}

export interface Tick {
  value: number;
  label: string;
  /** where the tick mark meets the axis, in px */
  at: number;
  box: Box;
}

export interface SeriesLayout {
  label: string;
  color: RGB;
  /** connected runs of [x0, y0, x1, y1, ...] in px, clipped to the plot area */
  runs: number[][];
  /** marker centres (finite points inside the plot area) */
  markers: Array<[number, number]>;
}

export interface AxesLayout {
  /** the data area, inside the spines */
  plot: Box;
  title?: Box;
  xlabel?: Box;
  ylabel?: Box;
  xticks: Tick[];
  yticks: Tick[];
  legend: { box: Box; outside: boolean; entries: Array<{ label: string; color: RGB; handle: [number, number, number, number]; text: Box }> };
  series: SeriesLayout[];
  xDomain: [number, number];
  yDomain: [number, number];
  lineWidth: number;
  markerRadius: number;
}

/** Nice tick values in [lo, hi]: steps of 1, 2, 2.5 or 5 times a power of ten, at most `most` of them. */
export function niceTicks(lo: number, hi: number, most: number, integer = false): number[] {
  if (!(Number.isFinite(lo) && Number.isFinite(hi)) || hi < lo) return [];
  if (hi === lo) return [lo];
  const raw = (hi - lo) / Math.max(1, most - 1);
  const mag = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw * (1 - 1e-9)) ?? raw;
  if (integer) step = Math.max(1, step === 2.5 * mag ? 5 * mag : step);
  // by index, not v += step: at 1e20 a small step added to v would never get past hi
  const out: number[] = [];
  for (let i = Math.ceil(lo / step - 1e-9); out.length <= most + 1; i++) {
    const v = i * step;
    if (v > hi + 1e-9 * Math.abs(step)) break;
    out.push(Number(v.toPrecision(12)));
  }
  return out;
}

/** Labels for ticks, with the digits their step needs; huge or tiny values as 1e20 / 2.5e−7. */
export function formatTicks(values: readonly number[]): string[] {
  const big = Math.max(0, ...values.map(Math.abs));
  const minus = (s: string) => s.replace('-', '\u2212');
  if (big >= 1e6 || (big > 0 && big < 1e-3)) {
    return values.map((v) => (v === 0 ? '0' : minus(v.toExponential(6).replace(/\.?0+e/, 'e').replace('e+', 'e'))));
  }
  const step = values.length > 1 ? Math.abs(values[1] - values[0]) : Math.abs(values[0] ?? 1) || 1;
  let digits = 0;
  while (digits < 8 && Math.abs(step * 10 ** digits - Math.round(step * 10 ** digits)) > 1e-6 * 10 ** digits * step) digits++;
  return values.map((v) => minus(v.toFixed(digits)));
}

/** matplotlib's autoscale: the data's range plus 5% each side; a single value gets a small range around it. */
function domain(values: readonly number[], limits?: readonly [number, number]): [number, number] {
  let finite = values.filter(Number.isFinite);
  if (limits) finite = finite.map((v) => Math.min(limits[1], Math.max(limits[0], v)));
  if (finite.length === 0) return limits ? [limits[0], limits[1]] : [0, 1];
  let [lo, hi] = [Math.min(...finite), Math.max(...finite)];
  // a range that float64 cannot split into ticks (1e20 ± 1e5) is drawn as the single value it nearly is
  if (hi - lo <= 1e-9 * Math.max(Math.abs(lo), Math.abs(hi))) {
    const mid = (lo + hi) / 2;
    const d = Math.abs(mid) * 0.05 || 0.05;
    return [mid - d, mid + d];
  }
  const pad = (hi - lo) * 0.05;
  [lo, hi] = [lo - pad, hi + pad];
  return [lo, hi];
}

const px = (v: number, [d0, d1]: [number, number], a: number, b: number) => a + ((v - d0) / (d1 - d0)) * (b - a);

/** Lays out one axes in `frame` (the figure area it may use). */
export function axesLayout(spec: AxesSpec, frame: Box, legendOutside = false): AxesLayout {
  const tickH = lineHeight(SIZE.tick);
  const [xs, allY] = [spec.x, spec.series.flatMap((s) => s.values)];
  const xDomain: [number, number] = xs.length === 1 ? [xs[0] - 0.5, xs[0] + 0.5] : domain(xs);
  const yDomain = domain(allY, spec.yLimits);
  // top: title, then (if pushed out) the legend row
  let top = frame.y + 8;
  const title = spec.title ? textBox(spec.title, 0, top, { size: SIZE.title }) : undefined;
  if (title) top += title.h + 6;
  // the row is the legend's own height (line + 2 × its padding of 7), then room for a marker on the top spine
  const legendRowH = lineHeight(SIZE.legend) + 14;
  const legendTop = top;
  if (legendOutside) top += legendRowH + 8;
  const bottom = frame.y + frame.h - 6 - (spec.xlabel ? lineHeight(SIZE.label) + 4 : 0) - tickH - TICK_LENGTH - 3;
  const plotH = Math.max(20, bottom - top);
  // y ticks first: their labels' width decides the left margin
  const yValues = niceTicks(yDomain[0], yDomain[1], Math.max(2, Math.min(9, Math.floor(plotH / (tickH * 2.2)))));
  const yLabels = formatTicks(yValues);
  const yLabelW = Math.max(0, ...yLabels.map((l) => textWidth(l, SIZE.tick)));
  const left = frame.x + 8 + (spec.ylabel ? lineHeight(SIZE.label) + 6 : 0) + yLabelW + TICK_LENGTH + 4;
  const right = frame.x + frame.w - 12;
  // spines on pixel centres so 1 px lines are crisp
  const plot = { x: Math.round(left) + 0.5, y: Math.round(top) + 0.5, w: Math.round(right - left), h: Math.round(plotH) };
  const X = (v: number) => px(v, xDomain, plot.x, plot.x + plot.w);
  const Y = (v: number) => px(v, yDomain, plot.y + plot.h, plot.y);

  const yticks = yValues.map((value, i) => {
    const at = Y(value);
    return { value, label: yLabels[i], at, box: textBox(yLabels[i], plot.x - TICK_LENGTH - 4, at, { size: SIZE.tick, align: 'end', valign: 'middle' }) };
  });
  const xticks = xTicks(xs, xDomain, plot, X);
  const ylabel = spec.ylabel ? textBox(spec.ylabel, frame.x + 8, plot.y + plot.h / 2, { size: SIZE.label, rotate: -90, align: 'middle', valign: 'top' }) : undefined;
  const xlabelTop = plot.y + plot.h + TICK_LENGTH + 3 + tickH + 4;
  const xlabel = spec.xlabel ? textBox(spec.xlabel, plot.x + plot.w / 2, xlabelTop, { size: SIZE.label, align: 'middle' }) : undefined;
  if (title) Object.assign(title, { x: plot.x + plot.w / 2 - title.w / 2 });

  const series = spec.series.map((s) => seriesLayout(s, xs, X, Y, plot));
  const legend = placeLegend(spec.series, series, plot, legendOutside ? legendTop : null);
  const layout: AxesLayout = { plot, title, xlabel, ylabel, xticks, yticks, legend: legend!, series, xDomain, yDomain, lineWidth: LINE_WIDTH, markerRadius: MARKER_RADIUS };
  if (!legend) return axesLayout(spec, frame, true);
  return layout;
}

function xTicks(xs: readonly number[], d: [number, number], plot: Box, X: (v: number) => number): Tick[] {
  const integer = xs.every(Number.isInteger);
  const build = (values: number[]) => {
    const labels = formatTicks(values);
    return values.map((value, i) => {
      const at = X(value);
      return { value, label: labels[i], at, box: textBox(labels[i], at, plot.y + plot.h + TICK_LENGTH + 3, { size: SIZE.tick, align: 'middle' }) };
    });
  };
  if (xs.length === 1) return build([xs[0]]);
  // the finest step (1, 2, 2.5, 5 × 10^k; whole numbers for epochs) whose labels keep 10 px apart
  const span = d[1] - d[0];
  const fits = (ticks: Tick[]) => ticks.every((t, i) => i === 0 || t.box.x >= ticks[i - 1].box.x + ticks[i - 1].box.w + 10);
  for (let k = Math.floor(Math.log10(span / 12)); k < Math.log10(span) + 1; k++) {
    for (const m of [1, 2, 2.5, 5]) {
      const step = m * 10 ** k;
      if ((integer && !Number.isInteger(step)) || span / step > 12) continue;
      const values: number[] = [];
      for (let i = Math.ceil(d[0] / step - 1e-9); i * step <= d[1] + 1e-9 * step; i++) values.push(Number((i * step).toPrecision(12)));
      const ticks = build(values);
      if (fits(ticks)) return ticks;
    }
  }
  return build([xs[0], xs[xs.length - 1]]);
}

function seriesLayout(s: Series, xs: readonly number[], X: (v: number) => number, Y: (v: number) => number, plot: Box): SeriesLayout {
  const runs: number[][] = [];
  const markers: Array<[number, number]> = [];
  let run: number[] = [];
  const end = () => {
    if (run.length >= 4) runs.push(run);
    run = [];
  };
  // far-off points (a diverged loss at 1e20 on a 0..100 axis) are pulled in to a million px away first:
  // clipping a segment from -1e22 px would cancel to nonsense, and the visible part barely changes
  const near = (v: number, lo: number, size: number) => Math.min(lo + size + 1e6, Math.max(lo - 1e6, v));
  const pts = xs.map((x, i) => (Number.isFinite(s.values[i]) && Number.isFinite(x) ? [near(X(x), plot.x, plot.w), near(Y(s.values[i]), plot.y, plot.h)] : null));
  const inside = (p: number[]) => p[0] >= plot.x && p[0] <= plot.x + plot.w && p[1] >= plot.y && p[1] <= plot.y + plot.h;
  pts.forEach((p, i) => {
    if (p && inside(p) && xs.length <= 40) markers.push([p[0], p[1]]);
    const q = pts[i + 1];
    if (!p || !q) return end();
    const c = clipSegment(p[0], p[1], q[0], q[1], plot);
    if (!c) return end();
    // a segment that leaves the plot area ends its run where it leaves
    if (run.length === 0 || run.at(-2) !== c[0] || run.at(-1) !== c[1]) (end(), run.push(c[0], c[1]));
    run.push(c[2], c[3]);
    if (c[2] !== q[0] || c[3] !== q[1]) end();
  });
  end();
  return { label: s.label, color: s.color, runs, markers };
}

type LegendLayout = AxesLayout['legend'];

/** The legend at matplotlib's 'best' places inside the plot, or (legendTop given) in a row above it; null when no inside place is free. */
function placeLegend(specs: readonly Series[], series: SeriesLayout[], plot: Box, legendTop: number | null): LegendLayout | null {
  const lh = lineHeight(SIZE.legend);
  const [pad, handle, gap] = [7, 24, 7];
  const entry = (s: Series) => handle + gap + textWidth(s.label, SIZE.legend);
  const make = (x: number, y: number, row: boolean): LegendLayout => {
    const entries: LegendLayout['entries'] = [];
    let [cx, cy] = [x + pad, y + pad];
    for (const s of specs) {
      const text = textBox(s.label, cx + handle + gap, cy, { size: SIZE.legend });
      entries.push({ label: s.label, color: s.color, handle: [cx, cy + lh / 2, cx + handle, cy + lh / 2], text });
      if (row) cx += entry(s) + 18;
      else cy += lh + 4;
    }
    const w = row ? cx - 18 - x + pad : 2 * pad + Math.max(...specs.map(entry));
    const h = row ? lh + 2 * pad : cy - 4 - y + pad;
    return { box: { x, y, w, h }, outside: row, entries };
  };
  if (legendTop !== null) {
    const probe = make(0, 0, true);
    return make(plot.x + plot.w - probe.box.w, legendTop, true);
  }
  const { box: size } = make(0, 0, false);
  const inset = 8;
  const [l, r] = [plot.x + inset, plot.x + plot.w - inset - size.w];
  const [t, b] = [plot.y + inset, plot.y + plot.h - inset - size.h];
  const [cx, cy] = [plot.x + (plot.w - size.w) / 2, plot.y + (plot.h - size.h) / 2];
  const places: Array<[number, number]> = [[r, t], [l, t], [l, b], [r, b], [r, cy], [l, cy], [cx, b], [cx, t], [cx, cy]];
  for (const [x, y] of places) {
    const box = { x, y, w: size.w, h: size.h };
    if (x < plot.x || y < plot.y) continue;
    if (!coversData(box, series)) return make(x, y, false);
  }
  return null;
}

/** Whether a box meets any drawn line (with its width) or marker, with 2 px to spare. */
export function coversData(box: Box, series: readonly SeriesLayout[]): boolean {
  const r = Math.max(LINE_WIDTH / 2, MARKER_RADIUS) + 2;
  for (const s of series) {
    for (const run of s.runs) for (let i = 0; i + 3 < run.length; i += 2) if (segmentHitsBox(run[i], run[i + 1], run[i + 2], run[i + 3], r, box)) return true;
    for (const [x, y] of s.markers) if (overlaps(box, { x: x - r, y: y - r, w: 2 * r, h: 2 * r })) return true;
  }
  return false;
}

/** Draws a laid-out axes onto the figure. */
export function drawAxes(fig: Figure, spec: AxesSpec, L: AxesLayout): void {
  const { plot } = L;
  for (const s of L.series) {
    for (const run of s.runs) fig.add({ kind: 'polyline', points: run, color: s.color, width: L.lineWidth, data: true });
    for (const [x, y] of s.markers) fig.add({ kind: 'circle', x, y, r: L.markerRadius, color: s.color });
  }
  fig.add({ kind: 'rect', box: plot, stroke: BLACK, strokeWidth: 1 });
  for (const t of L.yticks) {
    const y = Math.round(t.at - 0.5) + 0.5;
    fig.add({ kind: 'polyline', points: [plot.x - TICK_LENGTH, y, plot.x, y], color: BLACK, width: 1 });
    fig.add({ kind: 'text', box: t.box, text: t.label, size: SIZE.tick, color: BLACK, rotate: 0 });
  }
  for (const t of L.xticks) {
    const x = Math.round(t.at - 0.5) + 0.5;
    fig.add({ kind: 'polyline', points: [x, plot.y + plot.h, x, plot.y + plot.h + TICK_LENGTH], color: BLACK, width: 1 });
    fig.add({ kind: 'text', box: t.box, text: t.label, size: SIZE.tick, color: BLACK, rotate: 0 });
  }
  if (L.title) fig.add({ kind: 'text', box: L.title, text: spec.title!, size: SIZE.title, color: BLACK, rotate: 0 });
  if (L.xlabel) fig.add({ kind: 'text', box: L.xlabel, text: spec.xlabel!, size: SIZE.label, color: BLACK, rotate: 0 });
  if (L.ylabel) fig.add({ kind: 'text', box: L.ylabel, text: spec.ylabel!, size: SIZE.label, color: BLACK, rotate: -90 });
  const lg = L.legend;
  fig.add({ kind: 'rect', box: lg.box, fill: [255, 255, 255], stroke: [204, 204, 204], strokeWidth: 1 });
  for (const e of lg.entries) {
    fig.add({ kind: 'polyline', points: [...e.handle], color: e.color, width: L.lineWidth });
    if (L.series.some((s) => s.markers.length > 0)) fig.add({ kind: 'circle', x: (e.handle[0] + e.handle[2]) / 2, y: e.handle[1], r: L.markerRadius, color: e.color });
    fig.add({ kind: 'text', box: e.text, text: e.label, size: SIZE.legend, color: BLACK, rotate: 0 });
  }
}

/** Every label box of a layout, named, for overlap checks. */
export function labelBoxes(L: AxesLayout): Array<[string, Box]> {
  const out: Array<[string, Box]> = [];
  if (L.title) out.push(['title', L.title]);
  if (L.xlabel) out.push(['xlabel', L.xlabel]);
  if (L.ylabel) out.push(['ylabel', L.ylabel]);
  L.xticks.forEach((t) => out.push([`xtick ${t.label}`, t.box]));
  L.yticks.forEach((t) => out.push([`ytick ${t.label}`, t.box]));
  out.push(['legend', L.legend.box]);
  return out;
}
