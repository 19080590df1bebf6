// The curves' layout, checked by boxes: no legend or label covers the drawn data or another label, for
// ordinary, single-epoch, long, diverged (1e20, NaN, Infinity) and crowded histories.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as tg from '../../index.js';

type Point = tg.vis.CurvePoint;
const ramp = (n: number): Point[] => Array.from({ length: n }, (_, i) => ({ epoch: i + 1, trainLoss: 2.3 / (i + 1), valLoss: 2.4 / (i + 1) + 0.1, trainAccuracy: 0.3 + (0.6 * i) / n, valAccuracy: 0.28 + (0.55 * i) / n }));

const HISTORIES: Record<string, Point[]> = {
  'ten epochs': ramp(10),
  'one epoch': ramp(1),
  'two hundred epochs': ramp(200),
  'diverged: losses near 1e20 then NaN': [1, 2, 3, 4].map((epoch) => ({ epoch, trainLoss: [2.3, 1e20, 1e20 + 1e5, NaN][epoch - 1], valLoss: [2.2, NaN, 1e20, NaN][epoch - 1], trainAccuracy: 0.1, valAccuracy: 0.1 })),
  'diverged: every loss 1e20, accuracies past 100% and Infinity': [1, 2, 3].map((epoch) => ({ epoch, trainLoss: 1e20 + epoch * 1e5, valLoss: 1e20, trainAccuracy: epoch === 1 ? 5e8 : 0.1, valAccuracy: epoch === 2 ? Infinity : 0.2 })),
  'all NaN': [1, 2].map((epoch) => ({ epoch, trainLoss: NaN, valLoss: NaN, trainAccuracy: NaN, valAccuracy: NaN })),
  // lines through every corner of the plot: the legend has no free place inside
  'zig-zag through every corner': Array.from({ length: 9 }, (_, i) => ({ epoch: i + 1, trainLoss: i % 2 ? 0 : 3, valLoss: i % 2 ? 3 : 0, trainAccuracy: i % 2 ? 0 : 1, valAccuracy: i % 2 ? 1 : 0 })),
};

const inside = (b: tg.vis.Box, w: number, h: number) => b.x >= 0 && b.y >= 0 && b.x + b.w <= w && b.y + b.h <= h;

function checkLayout(history: Point[]): void {
      const L = tg.vis.curvesLayout(history);
      const all: Array<[string, tg.vis.Box]> = [];
      L.panels.forEach((p, k) => {
        expect(tg.vis.coversData(p.legend.box, p.series), `panel ${k} legend`).toBe(false);
        for (const [label, box] of tg.vis.labelBoxes(p)) {
          expect(inside(box, L.width, L.height), `${label} inside the figure`).toBe(true);
          if (label !== 'legend') expect(tg.vis.overlaps(box, p.plot), `${label} outside the plot area`).toBe(false);
          all.push([`panel ${k} ${label}`, box]);
        }
        // what is drawn stays inside the plot area
        for (const s of p.series) for (const run of s.runs) for (let i = 0; i < run.length; i += 2) {
          expect(run[i] >= p.plot.x - 1e-6 && run[i] <= p.plot.x + p.plot.w + 1e-6 && run[i + 1] >= p.plot.y - 1e-6 && run[i + 1] <= p.plot.y + p.plot.h + 1e-6).toBe(true);
        }
      });
      for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) {
        expect(tg.vis.overlaps(all[i][1], all[j][1]), `${all[i][0]} overlaps ${all[j][0]}`).toBe(false);
      }
}

describe('vis.curvesLayout', () => {
  for (const [name, history] of Object.entries(HISTORIES)) {
    it(`${name}: the legend covers no line or marker; labels overlap nothing`, () => checkLayout(history));
  }

  it('random histories (NaN, Infinity, 1e20, negatives, 1 to 80 epochs): the same holds', () => {
    const value = fc.oneof(fc.double({ min: -5, max: 5, noNaN: true }), fc.constantFrom(NaN, Infinity, -Infinity, 1e20, 0, 1), fc.double({ min: 0, max: 1e6, noNaN: true }));
    const point = fc.record({ trainLoss: value, valLoss: value, trainAccuracy: value, valAccuracy: value });
    fc.assert(fc.property(fc.array(point, { minLength: 1, maxLength: 80 }), fc.integer({ min: 0, max: 1000 }), (pts, first) => {
      checkLayout(pts.map((p, i) => ({ epoch: first + i, ...p })));
    }), { numRuns: 60 });
  });

  it('puts the legend where the data is not: upper right for falling losses, elsewhere when lines pass there', () => {
    const [loss, acc] = tg.vis.curvesLayout(ramp(10)).panels;
    expect(loss.legend.outside).toBe(false);
    expect(loss.legend.box.x).toBeGreaterThan(loss.plot.x + loss.plot.w / 2); // right
    expect(loss.legend.box.y).toBeLessThan(loss.plot.y + loss.plot.h / 2); // top
    expect(acc.legend.box.x).toBeLessThan(acc.plot.x + acc.plot.w / 2); // rising accuracy: upper left
    const crowded = tg.vis.curvesLayout(HISTORIES['zig-zag through every corner']).panels[0];
    expect(crowded.legend.outside).toBe(true);
    expect(crowded.legend.box.y + crowded.legend.box.h).toBeLessThanOrEqual(crowded.plot.y);
  });

  it('a diverged run keeps a handful of ticks and draws what is finite', () => {
    const L = tg.vis.curvesLayout(HISTORIES['diverged: losses near 1e20 then NaN']);
    expect(L.panels[0].yticks.length).toBeGreaterThanOrEqual(2);
    expect(L.panels[0].yticks.length).toBeLessThan(12);
    expect(L.panels[0].yticks.map((t) => t.label)).toContain('1e20');
    expect(L.panels[0].series[0].runs.length).toBeGreaterThan(0);
  });

  it("tg.nn.fit's history as it comes: without a valLoader only the Train curves, without accuracy an empty Accuracy panel", () => {
    const noVal = [{ epoch: 1, trainLoss: 2, trainAccuracy: 0.25 }, { epoch: 2, trainLoss: 1.5, trainAccuracy: 0.5 }];
    const [loss, acc] = tg.vis.curvesLayout(noVal).panels;
    expect(loss.series.map((s) => s.markers.length)).toEqual([2]);
    expect(acc.series.map((s) => s.markers.length)).toEqual([2]);
    expect(tg.vis.curvesSvg(noVal)).not.toContain('>Val</text>');
    const lossOnly = tg.vis.curvesLayout([{ epoch: 1, trainLoss: 2 }, { epoch: 2, trainLoss: 1 }]).panels;
    expect(lossOnly.map((p) => p.series.length)).toEqual([1, 0]);
    // an epoch missing a value leaves a gap in its line
    const gap = tg.vis.curvesLayout([{ epoch: 1, trainLoss: 2, valLoss: 2 }, { epoch: 2, trainLoss: 1.5 }, { epoch: 3, trainLoss: 1, valLoss: 1 }]).panels[0];
    expect(gap.series[1].markers.length).toBe(2);
  });

  it('one epoch: one tick, one marker per series', () => {
    const [loss] = tg.vis.curvesLayout(ramp(1)).panels;
    expect(loss.xticks.map((t) => t.label)).toEqual(['1']);
    expect(loss.series.map((s) => s.markers.length)).toEqual([1, 1]);
  });
});

describe('vis.curvesSvg / curvesPng', () => {
  it('SVG: real, mixed-case <text> in DejaVu Sans; no NaN', () => {
    const svg = tg.vis.curvesSvg(ramp(5));
    expect(svg).toMatch(/^<svg [^>]*width="960" height="400"[^>]*font-family="&apos;DejaVu Sans&apos;/);
    for (const t of ['Loss', 'Accuracy', 'Accuracy (%)', 'Epoch', 'Train', 'Val']) expect(svg).toContain(`>${t}</text>`);
    expect(svg).not.toContain('NaN');
  });

  it('PNG: text is anti-aliased (grey levels between ink and paper in the title box)', () => {
    const L = tg.vis.curvesLayout(ramp(5));
    const img = tg.data.decodeImage(tg.vis.curvesPng(ramp(5)), { mode: 'L' });
    const t = L.panels[0].title!;
    const levels = new Set<number>();
    for (let y = Math.floor(t.y); y < t.y + t.h; y++) for (let x = Math.floor(t.x); x < t.x + t.w; x++) levels.add(img.data[y * img.width + x]);
    expect(Math.min(...levels)).toBeLessThan(60);
    expect([...levels].filter((v) => v > 40 && v < 220).length).toBeGreaterThan(10);
  });
});
