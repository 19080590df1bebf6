// What the Chromium tests (tests/browser/*.spec.ts) share: finding Debian's `chromium` (driven by
// playwright-core: no browser download), a local HTTP server that serves the repository read-only (the
// built package dist/, node_modules, the test pages) plus pages of HTML given by each spec, and opening a
// page that reports its errors. Without Chromium or the build the specs skip, printing why; with CI=true
// a missing browser fails them instead, so that CI cannot pass by running nothing.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve, sep } from 'node:path';
import type { BrowserContext } from 'playwright-core';

export const root = resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);

/** Chromium's path, or null: CHROMIUM_PATH, else `chromium` (Debian) or `chromium-browser` on PATH. */
export function findChromium(): string | null {
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

function missing(): string | null {
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

/** Why the Chromium tests cannot run here (null: they can); throws instead when CI=true. */
export function skipReason(): string | null {
  const reason = missing();
  if (reason && process.env.CI === 'true') throw new Error(`tests/browser: CI=true, and the Chromium tests cannot run: ${reason}`);
  if (reason) console.warn(`tests/browser: skipping the Chromium tests: ${reason}`);
  return reason;
}

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

/** A test page: the import map (`typegrad` is dist/index.js, the package entry, unbundled), then `scripts`. */
export function pageHtml(title: string, scripts: string): string {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${title}</title>
<script type="importmap">${JSON.stringify({ imports: importMap() })}</script>
${scripts}
</head><body>${title}</body></html>`;
}

/** Serves `pages` (path → HTML) and the repository's files (GET only, nothing outside it). */
function serve(pages: Record<string, string>): Promise<{ server: ReturnType<typeof createServer>; origin: string }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (pages[path] !== undefined) {
      res.writeHead(200, { 'content-type': 'text/html' }).end(pages[path]);
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

export interface Browser {
  context: BrowserContext;
  origin: string;
  /** Opens `path`, collecting page errors to explain a page that never gets going. */
  open(path: string): Promise<{ page: import('playwright-core').Page; errors: string[] }>;
  close(): Promise<void>;
}

/** Headless Chromium with a fresh profile, and the server for `pages`. */
export async function launch(pages: Record<string, string>): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  const { server, origin } = await serve(pages);
  const profile = mkdtempSync(join(tmpdir(), 'typegrad-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, { executablePath: findChromium()!, headless: true, args: CHROMIUM_FLAGS, timeout: 30_000 });
    return {
      context,
      origin,
      async open(path) {
        const page = await context.newPage();
        page.setDefaultTimeout(30_000);
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        page.on('console', (m) => {
          if (m.type() === 'error') errors.push(m.text());
        });
        await page.goto(origin + path);
        return { page, errors };
      },
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
}

/** Rejects after `ms` so that nothing waits forever on a stuck page. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const late = new Promise<never>((_, fail) => (timer = setTimeout(() => fail(new Error(`${what} did not finish within ${ms / 1000} s`)), ms)));
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
