// The gl backend in real headless Chromium (chromium.ts starts it and serves the repository): a page
// whose import map points `typegrad` at dist/index.js — the package entry, unbundled — with gpu.js's
// browser script and fast-check from node_modules. gl-page.js runs the checks in the page (WebGL2 on
// SwiftShader) and this file asserts on what it reports. Run with `npm run test:browser`; skipped, with
// the reason printed, when Chromium or the build is missing (failed with CI=true).

import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launch, pageHtml, root, skipReason, within, type Browser } from './chromium.js';

const reason = skipReason();

interface PageResults {
  log: string[];
  failures: string[];
  facts: { backends?: string[]; defaultBackend?: string; glInfo?: { mode: string } | null; conv2dMs?: Record<string, number>; forwardReadbacks?: number; passReadbacks?: number; parameters?: number };
}

// One browser and one server for every test of this file.
let browser: Browser | null = null;

beforeAll(async () => {
  if (reason) return;
  const page = pageHtml('typegrad gl tests', `<script src="/node_modules/gpu.js/dist/gpu-browser.min.js"></script>
<script type="module" src="/tests/browser/gl-page.js"></script>`);
  browser = await launch({ '/': page });
}, 60_000);

afterAll(() => browser?.close(), 30_000);

const open = (path: string) => browser!.open(path);

describe.skipIf(reason !== null)('gl backend in headless Chromium (WebGL2 on SwiftShader)', () => {
  let results: PageResults;

  beforeAll(async () => {
    const { page, errors } = await open('/');
    try {
      await page.waitForFunction(() => (window as { __results?: unknown }).__results !== undefined);
    } catch {
      throw new Error(`the test page never started: ${errors.join('\n') || 'no error reported'}`);
    }
    results = await within(page.evaluate(() => (window as unknown as { __results: Promise<PageResults> }).__results), 90_000, 'the test page');
    console.log(`tests/browser (Chromium):\n  ${results.log.join('\n  ')}`);
    await page.close();
  }, 150_000);

  test('the package entry loads unbundled through an import map, with the WASM backend as default', () => {
    expect(results.facts.backends).toEqual(expect.arrayContaining(['js', 'wasm', 'gl']));
    expect(results.facts.defaultBackend).toBe('wasm');
  });

  test("setBackend('gl') runs on WebGL2", () => {
    expect(results.facts.glInfo?.mode).toBe('webgl2');
  });

  test('a CNN training pass stays on the GPU: no readback in forward, then only the logits and the gradients', () => {
    expect(results.facts.forwardReadbacks).toBe(0);
    expect(results.facts.parameters).toBe(8);
    expect(results.facts.passReadbacks).toBe(1 + 8);
  });

  test('every GL kernel equals js (random shapes, tiled too), lazy readback works, and a CNN step has js gradients', () => {
    expect(results.failures).toEqual([]);
    expect(results.log.filter((l) => /: ok\b/.test(l)).length).toBeGreaterThanOrEqual(16);
  });
});

// The demo page, built by Vite (web/dist, `npm run web:build`): it trains, predicts a drawn digit, renders.
const demoReason = reason ?? (existsSync(join(root, 'web/dist/index.html')) ? null : 'web/dist is not built (npm run web:build)');
if (demoReason && !reason) console.warn(`tests/browser: skipping the demo page test: ${demoReason}`);

describe.skipIf(demoReason !== null)('web demo (Vite build) in headless Chromium', () => {
  test('trains above chance, predicts a drawn digit, and renders a non-blank page', async () => {
    const { page, errors } = await open('/web/dist/index.html');
    try {
      await page.waitForFunction(() => (window as { __demo?: { losses: number[] } }).__demo !== undefined && !(document.getElementById('status')?.textContent ?? '').startsWith('loading'), null, { timeout: 60_000 });
    } catch {
      throw new Error(`the demo never loaded its digits: ${errors.join('\n') || 'no error reported'}`);
    }
    await page.click('#train');
    // a few dozen batches of 32; accuracy is measured every 10 batches on 500 test digits
    await page.waitForFunction(() => (window as unknown as { __demo: { batches: number } }).__demo.batches >= 40, null, { timeout: 90_000 });
    await page.click('#stop');
    const demo = await page.evaluate(() => (window as unknown as { __demo: { batches: number; accuracy: number; backend: string } }).__demo);
    console.log(`tests/browser: demo on '${demo.backend}' reached ${(demo.accuracy * 100).toFixed(1)}% test accuracy after ${demo.batches} batches`);
    expect(demo.accuracy).toBeGreaterThan(0.3); // chance is 0.1

    // draw a "1": one vertical stroke down the middle of the pad
    const box = (await page.locator('#pad').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.15);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) await page.mouse.move(box.x + box.width / 2, box.y + box.height * (0.15 + 0.07 * i));
    await page.mouse.up();
    await page.waitForFunction(() => (window as unknown as { __demo: { prediction: unknown } }).__demo.prediction !== null, null, { timeout: 10_000 });
    await expect.poll(() => page.locator('#prediction').textContent()).toMatch(/prediction: \d/);
    expect(await page.locator('#probs div').count()).toBe(10);

    const shot = await page.screenshot({ path: join(tmpdir(), 'typegrad-demo.png'), fullPage: true });
    // not blank: a PNG of a uniform page compresses to a few kB; also the curves canvas has ink
    expect(shot.length).toBeGreaterThan(20_000);
    const inked = await page.evaluate(() => {
      const c = document.getElementById('curves') as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
      return n;
    });
    expect(inked).toBeGreaterThan(200);
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
