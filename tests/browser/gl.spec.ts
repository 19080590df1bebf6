// Browser tests in real headless Chromium (Debian's `chromium`, driven by playwright-core: no browser
// download). A local HTTP server serves the repository read-only: the built package (dist/), gpu.js's
// browser script and fast-check from node_modules, and a page whose import map points `typegrad` at
// dist/index.js — the package entry, unbundled. gl-page.js runs the checks in the page (WebGL2 on
// SwiftShader) and this file asserts on what it reports. The page runs the equivalence suite
// (tests/helpers/equivalence.js) on wasm and gl from this run's fast-check seed, which it gets in its address. Run with `npm run test:browser` after
// `npm run build`; skipped, with the reason printed, when Chromium or the build is missing (failed under
// CI=true: see chromium.ts). The bundled, minified pages are production-builds.spec.ts's.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { kernelNames } from '../../engine/index.js';
import { pageHtml, pageResults, root, skipReason, startBrowser, type Browser } from './chromium.js';

const reason = skipReason('tests/browser/gl.spec.ts');

interface PageResults {
  log: string[];
  failures: string[];
  facts: { seed?: number; backends?: string[]; backendBeforeReady?: string; defaultBackend?: string; glInfo?: { mode: string } | null; conv2dMs?: Record<string, number>; forwardReadbacks?: number; passReadbacks?: number; lossReadbacks?: number; stepReadbacks?: number; secondStepReadbacks?: number; batchNormReadbacks?: number; parametersOnGpu?: number; parameters?: number };
}

// One browser and one server of the repository for every test of this file.
let browser: Browser | null = null;
beforeAll(async () => {
  const page = () => pageHtml('typegrad gl tests', `<script src="/node_modules/gpu.js/dist/gpu-browser.min.js"></script>
<script type="module" src="/tests/browser/gl-page.js"></script>`);
  if (!reason) browser = await startBrowser(root, { '/': page });
}, 60_000);
afterAll(() => browser?.close(), 30_000);

describe.skipIf(reason !== null)('gl backend in headless Chromium (WebGL2 on SwiftShader)', () => {
  let results: PageResults;

  beforeAll(async () => {
    results = await browser!.withPage(`/?seed=${fc.readConfigureGlobal().seed}`, (tab) => pageResults<PageResults>(tab, 90_000, 'the test page'));
    console.log(`tests/browser (Chromium):\n  ${results.log.join('\n  ')}`);
  }, 150_000);

  test('the package entry loads unbundled through an import map, with the WASM backend as default', () => {
    expect(results.facts.backends).toEqual(expect.arrayContaining(['js', 'wasm', 'gl']));
    expect(results.facts.backendBeforeReady).toBe('js');
    expect(results.facts.defaultBackend).toBe('wasm');
  });

  test("setBackend('gl') runs on WebGL2", () => {
    expect(results.facts.glInfo?.mode).toBe('webgl2');
  });

  test('a CNN training pass, its SGD step and a BatchNorm layer stay on the GPU: the one readback is the loss', () => {
    expect(results.facts.parameters).toBe(8);
    expect(results.facts.forwardReadbacks).toBe(0);
    expect(results.facts.passReadbacks).toBe(0); // forward, loss and backward: every kernel is gl's own
    expect(results.facts.lossReadbacks).toBe(1); // loss.itemAsync()
    expect(results.facts.stepReadbacks).toBe(0); // SGD with momentum updates the parameters on the GPU
    expect(results.facts.parametersOnGpu).toBe(8); // and leaves all of them there
    expect(results.facts.secondStepReadbacks).toBe(0); // the next pass and step start from them
    expect(results.facts.batchNormReadbacks).toBe(0); // BatchNorm2d in training, forward and backward
  });

  test('every WASM and GL kernel equals js (random shapes, GL tiled too), lazy readback works, and a CNN step has js gradients', () => {
    expect(results.facts.seed).toBe(fc.readConfigureGlobal().seed);
    expect(results.failures).toEqual([]);
    // a line per kernel for wasm, gl and tiled gl, and the page's own checks
    expect(results.log.filter((l) => /: ok\b/.test(l)).length).toBeGreaterThanOrEqual(3 * kernelNames.length);
  });
});
