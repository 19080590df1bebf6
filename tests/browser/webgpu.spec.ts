// The webgpu backend in headless Chromium (Debian's `chromium` with --enable-unsafe-webgpu: WebGPU on
// SwiftShader, a CPU, so this proves correctness, not speed). webgpu-page.js runs the checks in a page
// served from 127.0.0.1 (a secure context, which WebGPU needs) with the package entry unbundled; this
// file asserts on what it reports. Skipped, with the reason printed, when Chromium or the build is
// missing (failed under CI=true: see chromium.ts); a page without an adapter fails.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { kernelNames } from '../../engine/index.js';
import { pageHtml, pageResults, root, skipReason, startBrowser, type Browser } from './chromium.js';

const reason = skipReason('tests/browser/webgpu.spec.ts');

interface PageResults {
  log: string[];
  failures: string[];
  facts: { seed?: number; info?: { adapter: string } | null; stepReadbacks?: number };
}

let browser: Browser | null = null;
beforeAll(async () => {
  const page = () => pageHtml('typegrad webgpu tests', '<script type="module" src="/tests/browser/webgpu-page.js"></script>');
  if (!reason) browser = await startBrowser(root, { '/': page });
}, 60_000);
afterAll(() => browser?.close(), 30_000);

describe.skipIf(reason !== null)('webgpu backend in headless Chromium (WebGPU on SwiftShader)', () => {
  let results: PageResults;

  beforeAll(async () => {
    results = await browser!.withPage(`/?seed=${fc.readConfigureGlobal().seed}`, (tab) => pageResults<PageResults>(tab, 150_000, 'the webgpu test page'));
    console.log(`tests/browser (Chromium, webgpu):\n  ${results.log.join('\n  ')}`);
  }, 200_000);

  test("setBackend('webgpu') finds navigator.gpu's adapter and names it", () => {
    expect(results.facts.info?.adapter).toMatch(/\S/);
  });

  test('every webgpu kernel equals js, a CNN step has js gradients, a step with SGD reads back only the loss', () => {
    expect(results.facts.seed).toBe(fc.readConfigureGlobal().seed);
    expect(results.failures).toEqual([]);
    expect(results.log.filter((l) => /^webgpu \w+: ok$/.test(l)).length).toBe(kernelNames.length);
    expect(results.facts.stepReadbacks).toBe(1);
  });
});
