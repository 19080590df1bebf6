// The run folder's curves.svg and curves.png: loss and accuracy per epoch, train vs val, drawn by tg.vis.

import * as tg from '../index.js';

export type CurvePoint = tg.vis.CurvePoint;
export const CURVES_SIZE = tg.vis.CURVES_SIZE;
export const curvesSvg = (points: readonly CurvePoint[]): string => tg.vis.curvesSvg(points);
export const curvesPng = (points: readonly CurvePoint[]): Uint8Array => tg.vis.curvesPng(points);
