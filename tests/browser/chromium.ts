// What every Chromium test file shares: finding Debian's `chromium` (driven by playwright-core, so no
// browser download), deciding whether the tests can run, a static HTTP server on 127.0.0.1, and a page
// that collects its errors. Outside CI a missing browser skips the tests with the reason printed; with
// CI set (CI=true, as CI services set it) it fails them, so a CI run cannot pass by skipping.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';

export const root = resolve(import.meta.dirname, '../..');
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

const inCI = !!process.env.CI && !['0', 'false'].includes(process.env.CI.toLowerCase());

/**
 * Why the Chromium tests of `file` cannot run here (printed), or null when they can. With CI set it
 * throws instead, failing the file.
 */
export function skipReason(file: string, needs: { builtPackage?: boolean } = {}): string | null {
  const reason = (() => {
    if (!findChromium()) return 'Chromium is not installed (apt-get install -y chromium, or set CHROMIUM_PATH)';
    for (const pkg of ['playwright-core', 'gpu.js']) {
      try {
        require.resolve(`${pkg}/package.json`);
      } catch {
        return `${pkg} is not installed (npm ci installs it as a devDependency)`;
      }
    }
    if (needs.builtPackage !== false && !existsSync(join(root, 'dist/index.js'))) return 'dist/ is not built (npm run build)';
    return null;
  })();
  if (reason && inCI) throw new Error(`${file}: the Chromium tests cannot run: ${reason}. With CI=${process.env.CI} they fail instead of skipping.`);
  if (reason) console.warn(`${file}: skipping the Chromium tests: ${reason}`);
  return reason;
}

// The flags measured to give WebGL2 on SwiftShader in headless Chromium (issue 7).
// --enable-unsafe-webgpu: WebGPU on SwiftShader (headless Chromium offers no adapter without it; the page must be a secure context, 127.0.0.1 is)
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-unsafe-swiftshader', '--enable-unsafe-webgpu'];

const MIME: Record<string, string> = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.html': 'text/html', '.css': 'text/css', '.png': 'image/png', '.wasm': 'application/wasm', '.json': 'application/json', '.map': 'application/json' };

/**
 * Serves the files under `dir` (GET only, nothing outside it) on 127.0.0.1, and `pages` (path → HTML)
 * from memory.
 */
function serve(dir: string, pages: Record<string, () => string>): Promise<{ close(): void; origin: string }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const page = pages[path];
    if (page) {
      res.writeHead(200, { 'content-type': 'text/html' }).end(page());
      return;
    }
    const file = normalize(join(dir, path));
    if (!file.startsWith(dir + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end(`not found: ${path}`);
      return;
    }
    res.writeHead(200, { 'content-type': MIME[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done({ close: () => server.close(), origin: `http://127.0.0.1:${(server.address() as { port: number }).port}` })));
}

/** The import map of the unbundled pages: the package entry, and fast-check with its dependency pure-rand's subpath exports. */
function importMap(): Record<string, string> {
  const imports: Record<string, string> = { typegrad: '/dist/index.js', 'fast-check': '/node_modules/fast-check/lib/fast-check.js' };
  const pureRand = JSON.parse(readFileSync(join(root, 'node_modules/pure-rand/package.json'), 'utf8')) as { exports: Record<string, string | { import?: string }> };
  for (const [sub, target] of Object.entries(pureRand.exports)) {
    const file = typeof target === 'string' ? target : target.import;
    if (file?.endsWith('.js')) imports[join('pure-rand', sub)] = `/node_modules/pure-rand/${normalize(file)}`;
  }
  return imports;
}

/** A test page whose import map points `typegrad` at dist/index.js (the package entry, unbundled), then `scripts`. */
export function pageHtml(title: string, scripts: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${title}</title>
<script type="importmap">${JSON.stringify({ imports: importMap() })}</script>
${scripts}
</head><body>${title}</body></html>`;
}

export interface Tab {
  page: Page;
  /** the page's errors so far: uncaught exceptions, console.error, alerts */
  errors: string[];
}

export interface Browser {
  readonly origin: string;
  /** Opens `path` in a new tab for `use`, and closes the tab when `use` is done, passed or failed. */
  withPage<T>(path: string, use: (tab: Tab) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** Starts headless Chromium and a server of `dir` for it; a failed launch throws (the tests fail, never skip). */
export async function startBrowser(dir: string, pages: Record<string, () => string> = {}): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  const server = await serve(dir, pages);
  const profile = mkdtempSync(join(tmpdir(), 'typegrad-chromium-'));
  const cleanUp = () => {
    server.close();
    rmSync(profile, { recursive: true, force: true });
  };
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profile, { executablePath: findChromium()!, headless: true, args: CHROMIUM_FLAGS, timeout: 30_000 });
  } catch (e) {
    cleanUp();
    throw e;
  }
  return {
    origin: server.origin,
    async withPage(path, use) {
      const page = await context.newPage();
      try {
        page.setDefaultTimeout(30_000);
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        page.on('console', (m) => {
          if (m.type() === 'error') errors.push(m.text());
        });
        page.on('dialog', (d) => {
          errors.push(`alert: ${d.message()}`);
          void d.dismiss();
        });
        await page.goto(server.origin + path);
        return await use({ page, errors });
      } finally {
        // a page left open keeps computing (the demo trains until paused) and slows every later one
        await page.close();
      }
    },
    async close() {
      await context.close().catch(() => {});
      cleanUp();
    },
  };
}

/**
 * What a test page publishes as `window[name]` (a promise it sets once its modules have loaded),
 * waited for at most `ms`; `what` names the page in the errors.
 */
export async function pageResults<T>({ page, errors }: Tab, ms: number, what: string, name = '__results'): Promise<T> {
  try {
    await page.waitForFunction((key) => (window as unknown as Record<string, unknown>)[key] !== undefined, name, { timeout: 60_000 });
  } catch {
    throw new Error(`${what} never started: ${errors.join('\n') || 'no error reported'}`);
  }
  return within(page.evaluate((key) => (window as unknown as Record<string, Promise<T>>)[key], name), ms, what);
}

/** Rejects after `ms` so that nothing waits forever on a stuck page. */
function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const late = new Promise<never>((_, fail) => (timer = setTimeout(() => fail(new Error(`${what} did not finish within ${ms / 1000} s`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
