// tg.vis.makeGrid / saveImage / encodeImage against torchvision 0.14 (tests/fixtures/vis/make_grid.py).

import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as tg from '../../index.js';
import { storedPng } from '../../vis/png.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/vis/make_grid.json', import.meta.url), 'utf8'));

interface Case {
  name: string;
  input: number[];
  shape: number[];
  list: boolean;
  options: { nrow?: number; padding?: number; normalize?: boolean; value_range?: [number, number]; scale_each?: boolean; pad_value?: number };
  output: number[];
  outputShape: number[];
  pixels: number[];
}

function inputOf(c: Case): tg.Tensor | tg.Tensor[] {
  const x = tg.tensor(c.input, c.shape);
  if (!c.list) return x;
  const per = c.input.length / c.shape[0];
  return Array.from({ length: c.shape[0] }, (_, i) => tg.tensor(c.input.slice(i * per, (i + 1) * per), c.shape.slice(1)));
}

const optionsOf = ({ options: o }: Case): tg.vis.MakeGridOptions => ({ nrow: o.nrow, padding: o.padding, normalize: o.normalize, valueRange: o.value_range, scaleEach: o.scale_each, padValue: o.pad_value });

describe('vis.makeGrid equals torchvision.utils.make_grid', () => {
  for (const c of (fixture as { cases: Case[] }).cases) {
    it(c.name, () => {
      const g = tg.vis.makeGrid(inputOf(c), optionsOf(c));
      expect(g.shape).toEqual(c.outputShape);
      const got = g.data;
      let worst = 0;
      for (let i = 0; i < c.output.length; i++) worst = Math.max(worst, Math.abs(got[i] - c.output[i]));
      expect(worst).toBeLessThanOrEqual(1e-6);
    });
  }

  it('refuses what torch.stack or make_grid would refuse, naming the shapes', () => {
    expect(() => tg.vis.makeGrid([tg.zeros([3, 2, 2]), tg.zeros([3, 2, 3])])).toThrow(/image 0 is \[3, 2, 2\], image 1 is \[3, 2, 3\]/);
    expect(() => tg.vis.makeGrid(tg.zeros([2, 2, 2, 2, 2]))).toThrow(/got shape \[2, 2, 2, 2, 2\]/);
    expect(() => tg.vis.makeGrid(tg.zeros([2, 3, 2, 2]), { nrow: 0 })).toThrow(/nrow/);
  });
});

describe('vis.saveImage / encodeImage equal torchvision.utils.save_image', () => {
  it('writes the PNG of save_image\'s pixels, atomically (no temp file left)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tg-vis-'));
    for (const c of (fixture as { cases: Case[] }).cases.slice(0, 6)) {
      const file = join(dir, 'grid.png');
      tg.vis.saveImage(inputOf(c), file, optionsOf(c));
      const img = tg.data.decodeImage(readFileSync(file), { mode: 'RGB' });
      expect([img.height, img.width]).toEqual(c.outputShape.slice(1));
      expect([...img.data]).toEqual(c.pixels);
    }
    expect(readdirSync(dir)).toEqual(['grid.png']);
  });

  it('encodeImage gives the same pixels; the browser encoder (stored deflate) decodes to them too', () => {
    const c = (fixture as { cases: Case[] }).cases[4];
    const a = tg.data.decodeImage(tg.vis.encodeImage(inputOf(c), optionsOf(c)), { mode: 'RGB' });
    expect([...a.data]).toEqual(c.pixels);
    const [h, w] = c.outputShape.slice(1);
    const b = tg.data.decodeImage(storedPng({ data: Uint8Array.from(c.pixels), width: w, height: h, channels: 3 }), { mode: 'RGB' });
    expect([...b.data]).toEqual(c.pixels);
  });
});
