// The confusion matrix: counts[true][predicted], and confusion.png with rows coloured by the fraction
// of that true class, counts written in the cells when they fit.

import { Canvas } from './canvas.js';

export function confusionMatrix(labels: ArrayLike<number>, predictions: ArrayLike<number>, numClasses: number): number[][] {
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < labels.length; i++) m[labels[i]][predictions[i]]++;
  return m;
}

export function confusionSize(numClasses: number): { width: number; height: number; cell: number } {
  const cell = numClasses <= 12 ? 40 : Math.max(4, Math.floor(600 / numClasses));
  return { width: 100 + numClasses * cell + 20, height: 70 + numClasses * cell + 40, cell };
}

export function confusionPng(m: number[][], classes: readonly string[]): Uint8Array {
  const n = m.length;
  const { width, height, cell } = confusionSize(n);
  const c = new Canvas(width, height);
  const x0 = 100;
  const y0 = 60;
  c.text(x0, 8, 'Confusion matrix', [0, 0, 0], 2);
  c.text(x0, 32, 'predicted ->');
  c.text(4, 42, 'true');
  m.forEach((row, i) => {
    const total = row.reduce((a, b) => a + b, 0) || 1;
    row.forEach((count, j) => {
      // white → dark blue as the share of the row grows (matplotlib's Blues, roughly)
      const f = count / total;
      const colour = [Math.round(247 - 239 * f), Math.round(251 - 203 * f), Math.round(255 - 148 * f)] as const;
      c.rect(x0 + j * cell, y0 + i * cell, cell - 1, cell - 1, colour);
      const s = String(count);
      if (cell >= 30 && Canvas.textWidth(s) < cell - 2) c.text(x0 + j * cell + (cell - Canvas.textWidth(s)) / 2, y0 + i * cell + cell / 2 - 4, s, f > 0.5 ? [255, 255, 255] : [0, 0, 0]);
    });
    if (cell >= 10) c.text(4, y0 + i * cell + cell / 2 - 4, classes[i].slice(0, 14));
  });
  if (cell >= 30) classes.forEach((name, j) => c.text(x0 + j * cell + 2, y0 + n * cell + 6, name.slice(0, Math.floor(cell / 6))));
  return c.png();
}
