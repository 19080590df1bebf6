// The labs' training curves (seed 000: `fig, (ax1, ax2) = plt.subplots(1, 2)`, Loss and Accuracy, train
// vs val with a legend): two axes side by side, as an SVG string, PNG bytes, or the layout itself.

import { axesLayout, drawAxes, TAB10, type AxesLayout, type AxesSpec } from './axes.js';
import { Figure } from './scene.js';

/** One epoch, as tg.nn.fit's history has it: a curve is drawn for each field that some epoch has. */
export interface CurvePoint {
  epoch: number;
  trainLoss: number;
  valLoss?: number;
  /** fractions in [0, 1]; drawn as percentages */
  trainAccuracy?: number;
  valAccuracy?: number;
}

export interface CurvesOptions {
  width?: number;
  height?: number;
}

export const CURVES_SIZE = { width: 960, height: 400 } as const;

export interface CurvesLayout {
  width: number;
  height: number;
  panels: [AxesLayout, AxesLayout];
}

function specs(history: readonly CurvePoint[]): [AxesSpec, AxesSpec] {
  const x = history.map((p) => p.epoch);
  // Train and Val keep their colours when one of them is missing (a fit without a valLoader); an
  // epoch without the value leaves a gap
  const series = (train: keyof CurvePoint, val: keyof CurvePoint, scale: number) =>
    [{ label: 'Train', color: TAB10[0], key: train }, { label: 'Val', color: TAB10[1], key: val }]
      .filter(({ key }) => history.some((p) => p[key] !== undefined))
      .map(({ label, color, key }) => ({ label, color, values: history.map((p) => scale * (p[key] ?? NaN)) }));
  return [
    { title: 'Loss', xlabel: 'Epoch', ylabel: 'Loss', x, series: series('trainLoss', 'valLoss', 1) },
    { title: 'Accuracy', xlabel: 'Epoch', ylabel: 'Accuracy (%)', x, yLimits: [0, 100], series: series('trainAccuracy', 'valAccuracy', 100) },
  ];
}

/** Where everything goes: each panel's plot area, ticks, labels, legend and the drawn lines, in px. */
export function curvesLayout(history: readonly CurvePoint[], options: CurvesOptions = {}): CurvesLayout {
  const { width = CURVES_SIZE.width, height = CURVES_SIZE.height } = options;
  const [a, b] = specs(history);
  const half = Math.floor(width / 2);
  return { width, height, panels: [axesLayout(a, { x: 0, y: 0, w: half, h: height }), axesLayout(b, { x: half, y: 0, w: width - half, h: height })] };
}

/** The curves as a figure (its .svg(), .png(), .pixels()). */
export function curves(history: readonly CurvePoint[], options: CurvesOptions = {}): Figure {
  const L = curvesLayout(history, options);
  const fig = new Figure(L.width, L.height);
  specs(history).forEach((spec, i) => drawAxes(fig, spec, L.panels[i]));
  return fig;
}

export const curvesSvg = (history: readonly CurvePoint[], options?: CurvesOptions): string => curves(history, options).svg();
export const curvesPng = (history: readonly CurvePoint[], options?: CurvesOptions): Uint8Array => curves(history, options).png();
