import { describe, expect, it } from 'vitest';
import { curvesPng, curvesSvg, CURVES_SIZE } from '../../cli/curves.js';
import { confusionMatrix, confusionPng, confusionSize } from '../../cli/confusion.js';
import { ProgressBar } from '../../cli/progress.js';
import { pngSize } from './helpers.js';

const points = [1, 2, 3].map((epoch) => ({ epoch, trainLoss: 1 / epoch, valLoss: 1.2 / epoch, trainAccuracy: 0.8 + epoch / 100, valAccuracy: 0.78 + epoch / 100 }));

describe('run outputs', () => {
  it('curves.png is a PNG of the declared size whose pixels show both series colours', async () => {
    const bytes = curvesPng(points);
    expect(pngSize(bytes)).toEqual(CURVES_SIZE);
    const { decodeImage } = await import('../../data/index.js');
    const img = decodeImage(bytes, { mode: 'RGB' });
    const has = (r: number, g: number, b: number) => {
      for (let i = 0; i < img.data.length; i += 3) if (img.data[i] === r && img.data[i + 1] === g && img.data[i + 2] === b) return true;
      return false;
    };
    expect(has(31, 119, 180)).toBe(true); // train
    expect(has(255, 127, 14)).toBe(true); // val
  });

  it('curves.svg is an SVG of the same size with two polylines per panel', () => {
    const svg = curvesSvg(points);
    expect(svg).toMatch(new RegExp(`^<svg [^>]*width="${CURVES_SIZE.width}" height="${CURVES_SIZE.height}"`));
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(4);
    expect(svg).not.toContain('NaN');
  });

  it('curves of a diverged run (losses near 1e20, accuracies past 100%) draw with a few ticks, not forever', () => {
    const diverged = [1, 2, 3].map((epoch) => ({ epoch, trainLoss: 1e20 + epoch * 1e5, valLoss: 1e20, trainAccuracy: epoch === 1 ? 5e8 : 0.1, valAccuracy: epoch === 2 ? Infinity : 0.2 }));
    const svg = curvesSvg(diverged);
    expect(svg.match(/<line /g)!.length).toBeLessThan(40);
    expect(pngSize(curvesPng(diverged))).toEqual(CURVES_SIZE);
  });

  it('counts the confusion matrix by true row and predicted column, and draws it', () => {
    const m = confusionMatrix([0, 0, 1, 2, 2], [0, 1, 1, 2, 0], 3);
    expect(m).toEqual([[1, 1, 0], [0, 1, 0], [1, 0, 1]]);
    const { width, height } = confusionSize(3);
    expect(pngSize(confusionPng(m, ['a', 'b', 'c']))).toEqual({ width, height });
  });

  it('the progress bar prints plain lines (every 10%) when not on a terminal', () => {
    const lines: string[] = [];
    const bar = new ProgressBar('epoch 1/1', 20, { write: (s: string) => (lines.push(s), true), isTTY: false });
    for (let i = 1; i <= 20; i++) bar.update(i, { loss: 0.5, accuracy: 0.9, imagesPerSecond: 100 });
    expect(lines).toHaveLength(10);
    expect(lines.at(-1)).toMatch(/^epoch 1\/1 20\/20 loss 0\.5000 acc 90\.00% 100 img\/s ETA 00:00\n$/);
    expect(lines.join('')).not.toContain('\r');
  });
});
