// The confusion matrix, montage and feature-map pictures: their layouts checked by boxes (no label over
// another or over the cells / images), and what they draw.

import { describe, expect, it } from 'vitest';
import * as tg from '../../index.js';

type Box = tg.vis.Box;
const inside = (b: Box, w: number, h: number) => b.x >= 0 && b.y >= 0 && b.x + b.w <= w && b.y + b.h <= h;
function expectApart(named: Array<[string, Box]>): void {
  for (let i = 0; i < named.length; i++) for (let j = i + 1; j < named.length; j++) {
    expect(tg.vis.overlaps(named[i][1], named[j][1]), `${named[i][0]} overlaps ${named[j][0]}`).toBe(false);
  }
}

describe('vis.confusionMatrix / confusion', () => {
  it('counts by true row and predicted column, and refuses labels out of range', () => {
    expect(tg.vis.confusionMatrix([0, 0, 1, 2, 2], [0, 1, 1, 2, 0], 3)).toEqual([[1, 1, 0], [0, 1, 0], [1, 0, 1]]);
    expect(() => tg.vis.confusionMatrix([0, 3], [0, 0], 3)).toThrow(/sample 1 has label 3/);
  });

  const cases: Record<string, string[]> = {
    'three short names': ['a', 'b', 'c'],
    'CIFAR-10 (names wider than a column: turned upright)': ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'],
    'a long name (cut with an ellipsis)': ['a class name far too long to be shown whole in any picture', 'b'],
    '100 classes (thin cells: every k-th name)': Array.from({ length: 100 }, (_, i) => `class_${i}`),
  };
  for (const [name, classes] of Object.entries(cases)) {
    it(`${name}: labels overlap neither each other nor the matrix`, () => {
      const n = classes.length;
      const m = classes.map((_, i) => classes.map((_, j) => (i === j ? 990 : i + j)));
      const L = tg.vis.confusionLayout(m, classes);
      const labels: Array<[string, Box]> = [['title', L.title.box], ['xlabel', L.xlabel.box], ['ylabel', L.ylabel.box], ...L.xticks.map((t, i) => [`x ${i}`, t.box] as [string, Box]), ...L.yticks.map((t, i) => [`y ${i}`, t.box] as [string, Box]), ...L.colorbarTicks.map((t) => [`cb ${t.text}`, t.box] as [string, Box])];
      for (const [label, box] of labels) {
        expect(inside(box, L.width, L.height), `${label} inside`).toBe(true);
        expect(tg.vis.overlaps(box, L.matrix), `${label} off the matrix`).toBe(false);
        expect(tg.vis.overlaps(box, L.colorbar), `${label} off the colour bar`).toBe(false);
      }
      expectApart([...labels, ['matrix', L.matrix], ['colorbar', L.colorbar]]);
      for (const c of L.counts) {
        const cell = { x: L.matrix.x + c.col * L.cell, y: L.matrix.y + c.row * L.cell, w: L.cell, h: L.cell };
        expect(c.box.x >= cell.x && c.box.x + c.box.w <= cell.x + cell.w && c.box.y >= cell.y && c.box.y + c.box.h <= cell.y + cell.h).toBe(true);
      }
      expect(L.xticks.length).toBeGreaterThan(0);
      if (n <= 12) expect(L.counts).toHaveLength(n * n);
    });
  }

  it('writes mixed-case axis labels as real SVG text (not "PREDICTED -_")', () => {
    const svg = tg.vis.confusionSvg([[1, 0], [0, 1]], ['cat', 'dog']);
    expect(svg).toContain('>Predicted label</text>');
    expect(svg).toContain('>True label</text>');
    expect(svg).toContain('rotate(-90)');
    const img = tg.data.decodeImage(tg.vis.confusionPng([[1, 0], [0, 1]], ['cat', 'dog']), { mode: 'RGB' });
    const L = tg.vis.confusionLayout([[1, 0], [0, 1]], ['cat', 'dog']);
    expect([img.width, img.height]).toEqual([L.width, L.height]);
  });
});

describe('vis.montage', () => {
  it('titles sit above their images, inside the figure, apart from each other', () => {
    const imgs = Array.from({ length: 7 }, (_, i) => tg.rand([i % 2 ? 1 : 3, 20, 30]));
    const titles = imgs.map((_, i) => `Class ${i}: a long name that needs cutting ${i}`);
    const L = tg.vis.montageLayout(7, imgs.map((t) => t.shape), { titles, ncols: 3 });
    const named: Array<[string, Box]> = [];
    L.images.forEach((b, i) => {
      named.push([`image ${i}`, b]);
      const t = L.titles[i]!;
      expect(t.text.endsWith('…')).toBe(true);
      expect(t.box.y + t.box.h).toBeLessThanOrEqual(b.y);
      named.push([`title ${i}`, t.box]);
    });
    for (const [n, b] of named) expect(inside(b, L.width, L.height), n).toBe(true);
    expectApart(named);
    const fig = tg.vis.montage(imgs, { titles, ncols: 3 });
    expect([fig.width, fig.height]).toEqual([L.width, L.height]);
    expect(tg.data.decodeImage(fig.png()).width).toBe(L.width);
  });

  it('draws like imshow: RGB clipped to [0, 1], one channel grey from its min to its max', () => {
    expect([...tg.vis.imshowPixels([-1, 0.5, 2], [3, 1, 1])]).toEqual([0, 128, 255]);
    expect([...tg.vis.imshowPixels([2, 4, 6], [1, 1, 3])]).toEqual([0, 0, 0, 128, 128, 128, 255, 255, 255]);
  });
});

describe('vis.featureMaps', () => {
  const model = new tg.nn.Sequential(new tg.nn.Conv2d({ inChannels: 3, outChannels: 6, kernelSize: 3, padding: 1 }), new tg.nn.ReLU(), new tg.nn.MaxPool2d({ kernelSize: 2 }), new tg.nn.Conv2d({ inChannels: 6, outChannels: 2, kernelSize: 3 }));

  it('captures every Conv2d through forward hooks (eval, no grad), then restores training mode and removes the hooks', () => {
    model.train();
    const x = tg.rand([3, 12, 12]);
    const acts = tg.vis.captureFeatureMaps(model, x);
    expect(acts.map((a) => [a.name, a.shape])).toEqual([['0', [6, 12, 12]], ['3', [2, 4, 4]]]);
    const direct = tg.noGrad(() => model.at(0).forward(x.reshape([1, 3, 12, 12])) as tg.Tensor);
    expect([...acts[0].maps]).toEqual([...direct.data]);
    expect(model.training).toBe(true);
    expect(tg.vis.captureFeatureMaps(model, x, { layers: (name) => name === '3' })).toHaveLength(1);
  });

  it('lays out the input and up to 4 maps per layer, labels left of the maps', () => {
    const x = tg.rand([3, 12, 12]);
    const acts = tg.vis.captureFeatureMaps(model, x);
    const L = tg.vis.featureMapsLayout(x, acts, { title: 'Feature maps' });
    expect(L.rows.map((r) => r.cells.length)).toEqual([4, 2]);
    const named: Array<[string, Box]> = [['title', L.title!], ['input', L.input], ['input label', L.inputLabel]];
    L.rows.forEach((r, i) => named.push([`label ${i}`, r.label], [`shape ${i}`, r.shapeLabel], ...r.cells.map((c, j) => [`map ${i}.${j}`, c] as [string, Box])));
    for (const [n, b] of named) expect(inside(b, L.width, L.height), n).toBe(true);
    expectApart(named);
    const fig = tg.vis.featureMaps(model, x, { title: 'Feature maps' });
    expect([fig.width, fig.height]).toEqual([L.width, L.height]);
  });
});
