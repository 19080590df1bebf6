// The confusion matrix, counts[true][predicted], and confusion.png drawn by tg.vis: cells coloured by
// the share of the true class, counts in the cells when they fit.

import * as tg from '../index.js';

export const confusionMatrix = tg.vis.confusionMatrix;

export function confusionPng(m: number[][], classes: readonly string[]): Uint8Array {
  return tg.vis.confusionPng(m, classes);
}

/** The picture's size; it depends on the class names' widths (default: the class indices, as MNIST's). */
export function confusionSize(numClasses: number, classes: readonly string[] = Array.from({ length: numClasses }, (_, i) => String(i))): { width: number; height: number; cell: number } {
  const m = classes.map(() => classes.map(() => 0));
  const { width, height, cell } = tg.vis.confusionLayout(m, classes);
  return { width, height, cell };
}
