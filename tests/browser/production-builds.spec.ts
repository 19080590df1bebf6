// The pages as users ship them (issue 13): the demo (web/) and a small consumer page (consumer/), bundled
// for production — minified by each bundler's own minifier with its default settings — by Vite 8, Vite 6
// (its default target, which has no top-level await), webpack and esbuild (as an ES module, and as an
// iife loaded by a classic <script>), and run in headless Chromium with the gl backend (WebGL2 on
// SwiftShader) against js. Minifiers rename a kernel's variables, so gl survives only if gpu.js never
// sees minified kernel text (kernels-gl/shaders.ts). typegrad comes from the packed tarball installed into
// a fresh project (tests/package/install.ts), so each bundler reads the package as a user's app does:
// its exports, its sideEffects list, its assets.

import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { kernelNames } from '../../engine/index.js';
import type { Page } from 'playwright-core';
import { pageResults, root, skipReason, startBrowser, type Browser, type Tab } from './chromium.js';
import { installPackedTarball } from '../package/install.js';

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
type PageName = keyof typeof pages;

const out = mkdtempSync(join(tmpdir(), 'typegrad-builds-'));
/** The fresh project the tarball is installed into; the bundlers find `typegrad` in its node_modules. */
const project = join(out, 'project');
const installedPackage = join(project, 'node_modules/typegrad');

/**
 * Each bundler's production build of its pages into `outDir/<page>/`, with index.html as the page.
 * Vite 8 builds from the page's index.html with the demo's own config (web/vite.config.js, as `npm run
 * web:build`), typegrad resolved to the installed package; Vite 6 builds the consumer page with no
 * config. webpack and esbuild bundle the entry module to main.js, which index.html loads, looking up
 * `typegrad` in the project's node_modules. webpack builds both pages in one compilation, their common
 * code (typegrad, gpu.js) in shared chunks, so that its minifier (terser: half a minute of CPU per copy
 * of typegrad and gpu.js) runs over that code once. The demo awaits at top level, so the builds whose
 * target lacks it (Vite 6's default, iife) bundle only the consumer page.
 */
const bundlers: Record<string, { pages: PageName[]; build(outDir: string): Promise<void> }> = {
  'Vite 8': {
    pages: ['demo', 'consumer'],
    async build(outDir) {
      const { build } = await import('vite');
      for (const name of this.pages) {
        // rolldown's note on slow builds is this machine's load, not a finding
        const options = { outDir: join(outDir, name), emptyOutDir: true, rolldownOptions: { checks: { bundlerTimings: false } } };
        await build({ configFile: join(root, 'web/vite.config.js'), root: pages[name].dir, logLevel: 'warn', resolve: { alias: { typegrad: installedPackage } }, build: options });
      }
    },
  },
  'Vite 6': {
    pages: ['consumer'],
    async build(outDir) {
      const { build } = await import('vite6');
      const page = pages.consumer;
      await build({ configFile: false, root: page.dir, base: './', logLevel: 'warn', resolve: { alias: { typegrad: installedPackage } }, build: { outDir: join(outDir, 'consumer'), emptyOutDir: true, chunkSizeWarningLimit: 50_000 } });
    },
  },
  webpack: {
    pages: ['demo', 'consumer'],
    async build(outDir) {
      const { default: webpack } = await import('webpack');
      const config: import('webpack').Configuration = {
        mode: 'production',
        entry: Object.fromEntries(this.pages.map((name) => [`${name}/main`, join(pages[name].dir, pages[name].entry)])),
        // the assets (the MNIST files) are emitted at the build's root, which the test server has at /webpack/
        output: { path: outDir, filename: '[name].js', chunkFilename: 'chunks/[id].js', module: true, publicPath: '/webpack/' },
        experiments: { outputModule: true },
        resolve: { modules: ['node_modules', join(project, 'node_modules')] },
        optimization: { splitChunks: { chunks: 'all' } },
        performance: { hints: false },
      };
      const stats = await new Promise<import('webpack').Stats>((done, fail) => webpack(config, (e, s) => (e || !s ? fail(e ?? new Error('webpack gave no stats')) : done(s))));
      if (stats.hasErrors()) throw new Error(`webpack: ${stats.toString('errors-only')}`);
      // a user's build should be quiet too: no "Critical dependency: the request of a dependency is an expression"
      if (stats.hasWarnings()) throw new Error(`webpack warned: ${stats.toString('errors-warnings')}`);
      for (const name of this.pages) copyAssets(pages[name], join(outDir, name));
      // the page's own file and the shared chunks it loads at start (webpack puts those at the build's root)
      const { entrypoints } = stats.toJson({ all: false, entrypoints: true });
      for (const name of this.pages) startFiles.set(join(outDir, name), entrypoints![`${name}/main`].assets!.map((a) => join(outDir, a.name)));
    },
  },
  esbuild: {
    pages: ['demo', 'consumer'],
    build: (outDir) => esbuildPages(outDir, ['demo', 'consumer'], 'esm'),
  },
  'esbuild iife': {
    pages: ['consumer'],
    build: (outDir) => esbuildPages(outDir, ['consumer'], 'iife'),
  },
};

async function esbuildPages(outDir: string, names: PageName[], format: 'esm' | 'iife'): Promise<void> {
  const esbuild = await import('esbuild');
  for (const name of names) {
    const page = pages[name];
    const dir = join(outDir, name);
    await esbuild.build({ entryPoints: [join(page.dir, page.entry)], outfile: join(dir, 'main.js'), bundle: true, minify: true, format, platform: 'browser', target: 'es2022', nodePaths: [join(project, 'node_modules')], logLevel: 'error' });
    copyAssets(page, dir);
    // an iife is a classic script
    if (format === 'iife') writeFileSync(join(dir, 'index.html'), readFileSync(join(dir, 'index.html'), 'utf8').replace('<script type="module" ', '<script '));
    // esbuild does not copy `new URL(…, import.meta.url)` assets: the README tells its users to copy the digits beside the bundle
    cpSync(join(installedPackage, 'dist/data/mnist-10k'), join(dir, 'mnist-10k'), { recursive: true });
  }
}

function copyAssets(page: PageSource, outDir: string): void {
  for (const file of page.assets) cpSync(join(page.dir, file), join(outDir, file));
}

/** The files a build wrote under dir, as [path, bytes]. */
function builtFiles(dir: string): [string, Buffer][] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => statSync(join(dir, file)).isFile())
    .map((file) => [file, readFileSync(join(dir, file))]);
}

/** webpack's pages load chunks from outside their folder: what each loads at start, by page folder. */
const startFiles = new Map<string, string[]>();

/** The JavaScript files a page loads at start: its folder's, less its worker programs (loaded only by DataLoader workers). */
const pageScripts = (pageDir: string) =>
  startFiles.get(pageDir) ??
  builtFiles(pageDir)
    .map(([file]) => file)
    .filter((file) => file.endsWith('.js') && !/worker/i.test(file))
    .map((file) => join(pageDir, file));

/** The JavaScript a build wrote. */
const bundledCode = (outDir: string) =>
  builtFiles(outDir)
    .filter(([file]) => file.endsWith('.js'))
    .map(([, bytes]) => bytes.toString('utf8'))
    .join('\n');

/** The rows of the page-size table printed at the end: what each page's JavaScript weighs (the digits are fetched, never bundled). */
const sizeRows: string[] = [];
const kB = (bytes: number) => (bytes / 1000).toFixed(1);

let browser: Browser | null = null;
beforeAll(async () => {
  if (reason) return;
  installPackedTarball(project);
  browser = await startBrowser(out);
}, 240_000);
afterAll(async () => {
  await browser?.close();
  rmSync(out, { recursive: true, force: true });
  if (sizeRows.length) console.log(`tests/browser: page sizes (kB of the JavaScript a page loads at start; the consumer page holds fast-check and the equivalence suite)\n  | build | page | JavaScript | gzipped |\n${sizeRows.join('\n')}`);
}, 30_000);

/** What the consumer page publishes as window.__results. */
interface ConsumerResults {
  log: string[];
  failures: string[];
  facts: { glMode?: string; resultOnGpu?: boolean; digits?: number[] };
}
/** What the demo publishes as window.__demo. */
interface Demo {
  batches: number;
  accuracy: number;
  losses: number[];
  backend: string;
  glMode: string | null;
  webgpuAdapter: string | null;
  prediction: unknown;
}

describe.skipIf(reason !== null).each(Object.keys(bundlers))('the %s production build in Chromium', (bundler) => {
  const outDir = join(out, bundler.replace(' ', '-'));
  const { pages: built, build } = bundlers[bundler];
  // the demo's tests exist only for the builds that bundle it (not skipped: there is nothing to run)
  const testDemo = built.includes('demo') ? test : () => {};

  beforeAll(async () => {
    const started = performance.now();
    await build.call(bundlers[bundler], outDir);
    console.log(`tests/browser: the ${bundler} builds took ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }, 600_000);

  test("is minified, and pages carry no digits: typegrad's own function names are gone, and the demo's JavaScript is under 1.2 MB", () => {
    const code = bundledCode(outDir);
    expect(code).toContain('this.thread.x'); // the GL kernels are in it...
    expect(code).not.toMatch(/function createGlKernels\(/); // ...and the code around them was minified
    // the digits are fetched, never inlined (Vite inlines the 73-byte labels file, under its 4 kB limit, as a data URL)
    const inlinedGzip = code.match(/H4sI[A-Za-z0-9+/]{10000,}/)?.[0].length ?? 0;
    expect(inlinedGzip, 'base64 characters of a gzipped file inlined in the JavaScript').toBe(0);
    for (const page of built) {
      const scripts = pageScripts(join(outDir, page)).map((file) => readFileSync(file));
      const bytes = scripts.reduce((n, b) => n + b.length, 0);
      sizeRows.push(`  | ${bundler} | ${page} | ${kB(bytes)} | ${kB(scripts.reduce((n, b) => n + gzipSync(b).length, 0))} |`);
      // the demo is typegrad and gpu.js (~600 kB of it); with the digits bundled it was 19 MB
      if (page === 'demo') expect(bytes, `${bundler} ${page}: ${bytes} bytes of JavaScript`).toBeLessThan(1_200_000);
    }
  });

  test("consumer page: gl runs on WebGL2 (not gpu.js's CPU fallback), every GL kernel and a CNN step equal js, the digits load", async () => {
    const page = `/${bundler.replace(' ', '-')}/consumer/index.html?seed=${fc.readConfigureGlobal().seed}`;
    const results = await browser!.withPage(page, (tab) => pageResults<ConsumerResults>(tab, 120_000, `the ${bundler} consumer page`));
    console.log(`tests/browser: ${bundler} consumer page:\n  ${results.log.join('\n  ')}`);
    expect(results.failures).toEqual([]);
    expect(results.facts).toEqual({ glMode: 'webgl2', resultOnGpu: true, digits: [8000, 2000] });
    expect(results.log.filter((line) => /: ok\b/.test(line)).length).toBe(kernelNames.length);
  }, 180_000);

  /** Opens the demo (on `backend`, else its own choice) for `use`, once its digits have loaded. */
  const withDemo = <T>(backend: string | null, use: (tab: Tab) => Promise<T>) =>
    browser!.withPage(`/${bundler.replace(' ', '-')}/demo/index.html${backend ? `?backend=${backend}` : ''}`, async (tab) => {
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

  testDemo('demo: trains above chance, predicts a drawn digit, and renders a non-blank page', () =>
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

  testDemo('demo: trains on gl (WebGL2) and on webgpu with the losses of js, batch for batch', async () => {
    const losses: Record<string, number[]> = {};
    for (const backend of ['js', 'gl', 'webgpu']) {
      const demo = await withDemo(backend, async ({ page, errors }) => {
        await trainUntil(page, 3, 120_000);
        expect(errors).toEqual([]);
        return demoState(page);
      });
      expect({ backend: demo.backend, glMode: demo.glMode, onWebGpu: demo.webgpuAdapter !== null }).toEqual({ backend, glMode: backend === 'gl' ? 'webgl2' : null, onWebGpu: backend === 'webgpu' });
      losses[backend] = demo.losses.slice(0, 3);
    }
    console.log(`tests/browser: ${bundler} demo, losses of the first batches: ${JSON.stringify(losses)}`);
    for (const gpu of ['gl', 'webgpu']) {
      for (const [i, want] of losses.js.entries()) expect(Math.abs(losses[gpu][i] - want), `${gpu} batch ${i}`).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(want)));
    }
  }, 400_000);
});
