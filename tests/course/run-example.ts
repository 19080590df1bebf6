// Running a built course program (dist/examples/course/<name>.js) as its own process, and reading what it writes.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ROOT } from '../cli/helpers.js';

// pngjs is CommonJS without type declarations
const { PNG } = createRequire(import.meta.url)('pngjs') as { PNG: { sync: { read(bytes: Buffer): { width: number; height: number } } } };

export interface ExampleRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** the --out folder */
  out: string;
  seconds: number;
}

/** `node dist/examples/course/<name>.js ...args --out <a new temp folder>` (CI=1: plain progress lines). */
export function runExample(name: string, args: string[]): ExampleRun {
  const script = join(ROOT, 'dist', 'examples', 'course', `${name}.js`);
  if (!existsSync(script)) throw new Error(`${script} is missing: run \`npm run build\` before the course tests`);
  const out = mkdtempSync(join(tmpdir(), `typegrad-${name}-`));
  const started = performance.now();
  const r = spawnSync(process.execPath, [script, ...args, '--out', out], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: '1' }, timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, out, seconds: (performance.now() - started) / 1000 };
}

/** The picture decodes with pngjs to a non-empty image; returns its size. */
export function expectPng(file: string): { width: number; height: number } {
  const png = PNG.sync.read(Buffer.from(readFileSync(file)));
  expect(png.width, file).toBeGreaterThan(0);
  expect(png.height, file).toBeGreaterThan(0);
  return { width: png.width, height: png.height };
}

export function expectSvg(file: string): void {
  const text = readFileSync(file, 'utf8');
  expect(text.startsWith('<svg'), file).toBe(true);
  expect(text.trimEnd().endsWith('</svg>'), file).toBe(true);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function readResults<T = any>(run: ExampleRun): T {
  return JSON.parse(readFileSync(join(run.out, 'results.json'), 'utf8'));
}
