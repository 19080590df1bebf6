// Running a built course example (dist/examples/course/<name>.js) as its own process, and reading what it leaves.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { ROOT } from '../cli/helpers.js';

const { PNG } = createRequire(import.meta.url)('pngjs') as { PNG: { sync: { read(bytes: Uint8Array): { width: number; height: number; data: Uint8Array } } } };

export interface ExampleRun {
  code: number | null;
  stdout: string;
  stderr: string;
  out: string;
}

export interface RunOptions {
  /** node's own arguments, before the script (`--import` of a module that registers a backend) */
  nodeArgs?: string[];
  /** milliseconds before the run is killed (default 120 s) */
  timeout?: number;
}

/** `node [...nodeArgs] dist/examples/course/<name>.js ...args --out <a new temp folder>`. */
export function runExample(name: string, args: string[], { nodeArgs = [], timeout = 120_000 }: RunOptions = {}): ExampleRun {
  const script = join(ROOT, 'dist', 'examples', 'course', `${name}.js`);
  if (!existsSync(script)) throw new Error(`${script} is missing: run \`npm run build\` before the course tests`);
  const out = mkdtempSync(join(tmpdir(), `typegrad-${name}-`));
  const r = spawnSync(process.execPath, [...nodeArgs, script, ...args, '--out', out], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: '1' }, timeout });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, out };
}

/** The picture decodes (pngjs) to a non-empty image whose pixels are not all one colour. */
export function expectPng(file: string): { width: number; height: number } {
  const png = PNG.sync.read(readFileSync(file));
  expect(png.width, file).toBeGreaterThan(0);
  expect(png.height, file).toBeGreaterThan(0);
  const first = png.data.subarray(0, 4).join();
  let varied = false;
  for (let i = 4; i < png.data.length && !varied; i += 4) varied = png.data.subarray(i, i + 4).join() !== first;
  expect(varied, `${file} is one flat colour`).toBe(true);
  return { width: png.width, height: png.height };
}

export function expectSvg(file: string): void {
  const text = readFileSync(file, 'utf8');
  expect(text.startsWith('<svg'), file).toBe(true);
  expect(text.trimEnd().endsWith('</svg>'), file).toBe(true);
}

export function readResults<T = any>(run: ExampleRun): T { // eslint-disable-line @typescript-eslint/no-explicit-any
  return JSON.parse(readFileSync(join(run.out, 'results.json'), 'utf8'));
}

/**
 * The example ran to the end (exit code 0) and reported `count` checks, every one passed; returns its
 * results.json. (How long it took is the benchmarks' business, not a test's.)
 */
export function expectEveryCheckPassed<T extends { checks: { name: string; passed: boolean }[] }>(run: ExampleRun, count: number): T {
  expect(run.code, `the example exited with ${run.code}:\n${run.stdout}\n${run.stderr}`).toBe(0);
  const results = readResults<T>(run);
  expect(results.checks.length).toBe(count);
  expect(results.checks.filter((c) => !c.passed).map((c) => c.name)).toEqual([]);
  return results;
}
