// Browser tests in real headless Chromium (Debian's `chromium`, driven by playwright-core: no browser
// download). A local HTTP server serves the repository read-only: the built package (dist/), gpu.js's
// browser script and fast-check from node_modules, and a page whose import map points `typegrad` at
// dist/index.js — the package entry, unbundled. gl-page.js runs the checks in the page (WebGL2 on
// SwiftShader) and this file asserts on what it reports. Run with `npm run test:browser` after
// `npm run build`; skipped, with the reason printed, when Chromium or the build is missing.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);

/** Chromium's path, or null: CHROMIUM_PATH, else `chromium` (Debian) or `chromium-browser` on PATH. */
function findChromium(): string | null {
  if (process.env.CHROMIUM_PATH) return existsSync(process.env.CHROMIUM_PATH) ? process.env.CHROMIUM_PATH : null;
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || null;
    } catch {
      // not on PATH
    }
  }
  return null;
}

function skipReason(): string | null {
  if (!findChromium()) return 'Chromium is not installed (apt-get install -y chromium, or set CHROMIUM_PATH)';
  for (const pkg of ['playwright-core', 'gpu.js']) {
    try {
      require.resolve(`${pkg}/package.json`);
    } catch {
      return `${pkg} is not installed (npm ci installs it as a devDependency)`;
    }
  }
  if (!existsSync(join(root, 'dist/index.js'))) return 'dist/ is not built (npm run build)';
  return null;
}

const reason = skipReason();
if (reason) console.warn(`tests/browser: skipping the Chromium tests: ${reason}`);

// The flags measured to give WebGL2 on SwiftShader in headless Chromium (issue 7).
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-unsafe-swiftshader'];

const MIME: Record<string, string> = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.html': 'text/html', '.css': 'text/css', '.png': 'image/png', '.wasm': 'application/wasm', '.json': 'application/json', '.map': 'application/json' };

/** The import map: the package entry, and fast-check with its dependency pure-rand's subpath exports. */
function importMap(): Record<string, string> {
  const imports: Record<string, string> = { typegrad: '/dist/index.js', 'fast-check': '/node_modules/fast-check/lib/fast-check.js' };
  const pureRand = JSON.parse(readFileSync(join(root, 'node_modules/pure-rand/package.json'), 'utf8')) as { exports: Record<string, string | { import?: string }> };
  for (const [sub, target] of Object.entries(pureRand.exports)) {
    const file = typeof target === 'string' ? target : target.import;
    if (file?.endsWith('.js')) imports[join('pure-rand', sub)] = `/node_modules/pure-rand/${normalize(file)}`;
  }
  return imports;
}

function pageHtml(): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>typegrad gl tests</title>
<script type="importmap">${JSON.stringify({ imports: importMap() })}</script>
<script src="/node_modules/gpu.js/dist/gpu-browser.min.js"></script>
<script type="module" src="/tests/browser/gl-page.js"></script>
</head><body>typegrad gl tests</body></html>`;
}

/** Serves the repository's files (GET only, nothing outside it) and the test page at /. */
function serve(): Promise<{ server: ReturnType<typeof createServer>; origin: string }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(pageHtml());
      return;
    }
    const file = normalize(join(root, path));
    if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end(`not found: ${path}`);
      return;
    }
    res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done({ server, origin: `http://127.0.0.1:${(server.address() as { port: number }).port}` })));
}

interface PageResults {
  log: string[];
  failures: string[];
  facts: { backends?: string[]; defaultBackend?: string; glInfo?: { mode: string } | null; conv2dMs?: Record<string, number>; forwardReadbacks?: number; passReadbacks?: number; parameters?: number };
}

// One browser and one server for every test of this file.
let browser: { context: import('playwright-core').BrowserContext; origin: string; close(): Promise<void> } | null = null;

beforeAll(async () => {
  if (reason) return;
  const { chromium } = await import('playwright-core');
  const { server, origin } = await serve();
  const profile = mkdtempSync(join(tmpdir(), 'typegrad-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, { executablePath: findChromium()!, headless: true, args: CHROMIUM_FLAGS, timeout: 30_000 });
    browser = {
      context,
      origin,
      async close() {
        await context.close().catch(() => {});
        server.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (e) {
    server.close();
    rmSync(profile, { recursive: true, force: true });
    throw e;
  }
}, 60_000);

afterAll(() => browser?.close(), 30_000);

/** Opens `path`, collecting page errors to explain a page that never gets going. */
async function open(path: string) {
  const page = await browser!.context.newPage();
  page.setDefaultTimeout(30_000);
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(browser!.origin + path);
  return { page, errors };
}

/** Rejects after `ms` so that nothing waits forever on a stuck page. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const late = new Promise<never>((_, fail) => (timer = setTimeout(() => fail(new Error(`${what} did not finish within ${ms / 1000} s`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

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
