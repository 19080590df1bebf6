import { describe, expect, it } from 'vitest';
import * as tg from '../../index.js';
import { curvesPng, curvesSvg, CURVES_SIZE } from '../../cli/curves.js';
import { activationsPng, activationsSize, captureConvActivations } from '../../cli/activations.js';
import { confusionMatrix, confusionPng, confusionSize } from '../../cli/confusion.js';
import { ProgressBar } from '../../nn/progress.js';
import { pngSize } from './helpers.js';

const points = [1, 2, 3].map((epoch) => ({ epoch, trainLoss: 1 / epoch, valLoss: 1.2 / epoch, trainAccuracy: 0.8 + epoch / 100, valAccuracy: 0.78 + epoch / 100 }));

describe('run outputs (drawn by tg.vis)', () => {
  it('curves.png is a PNG of the declared size whose pixels show both series colours', async () => {
    const bytes = curvesPng(points);
    expect(pngSize(bytes)).toEqual(CURVES_SIZE);
    const img = tg.data.decodeImage(bytes, { mode: 'RGB' });
    const has = (r: number, g: number, b: number) => {
      for (let i = 0; i < img.data.length; i += 3) if (img.data[i] === r && img.data[i + 1] === g && img.data[i + 2] === b) return true;
      return false;
    };
    expect(has(31, 119, 180)).toBe(true); // train, matplotlib's C0
    expect(has(255, 127, 14)).toBe(true); // val, C1
  });

  it('curves.svg is an SVG of the same size with two polylines per panel and real, mixed-case text', () => {
    const svg = curvesSvg(points);
    expect(svg).toMatch(new RegExp(`^<svg [^>]*width="${CURVES_SIZE.width}" height="${CURVES_SIZE.height}"`));
    expect(svg.trim().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(4);
    expect(svg).toContain('>Epoch</text>');
    expect(svg).toContain('>Train</text>');
    expect(svg).not.toContain('NaN');
  });

  it('the legend is not drawn over the curves (the old accuracy panel put it on them)', () => {
    for (const panel of tg.vis.curvesLayout(points).panels) expect(tg.vis.coversData(panel.legend.box, panel.series)).toBe(false);
  });

  it('curves of a diverged run (losses near 1e20, accuracies past 100%) draw with a few ticks, quickly', () => {
    const diverged = [1, 2, 3].map((epoch) => ({ epoch, trainLoss: 1e20 + epoch * 1e5, valLoss: 1e20, trainAccuracy: epoch === 1 ? 5e8 : 0.1, valAccuracy: epoch === 2 ? Infinity : 0.2 }));
    const t0 = performance.now();
    const svg = curvesSvg(diverged);
    expect(svg.match(/<line /g)!.length).toBeLessThan(40);
    expect(pngSize(curvesPng(diverged))).toEqual(CURVES_SIZE);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('counts the confusion matrix by true row and predicted column, and draws it at its declared size', () => {
    const m = confusionMatrix([0, 0, 1, 2, 2], [0, 1, 1, 2, 0], 3);
    expect(m).toEqual([[1, 1, 0], [0, 1, 0], [1, 0, 1]]);
    const { width, height } = confusionSize(3, ['a', 'b', 'c']);
    expect(pngSize(confusionPng(m, ['a', 'b', 'c']))).toEqual({ width, height });
  });

  it('activations.png: the conv layers of a model, at the declared size', () => {
    const model = new tg.nn.Sequential(new tg.nn.Conv2d({ inChannels: 1, outChannels: 4, kernelSize: 3 }), new tg.nn.ReLU(), new tg.nn.Conv2d({ inChannels: 4, outChannels: 8, kernelSize: 3 }));
    const image = tg.rand([1, 12, 12]);
    const acts = captureConvActivations(model, image);
    expect(acts.map((a) => a.shape)).toEqual([[4, 10, 10], [8, 8, 8]]);
    expect(pngSize(activationsPng(image, acts, 'first 4 feature maps of each conv layer'))).toEqual(activationsSize(2));
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
