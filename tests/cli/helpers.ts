// Running the built CLI (dist/cli/main.js) as a user would, and reading the files it writes.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import * as tg from '../../index.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const MAIN = join(ROOT, 'dist', 'cli', 'main.js');

export function requireBuild(): void {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` before the CLI tests`);
}

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `typegrad ...args` to completion (CI=1: plain progress lines). */
export function run(args: string[], cwd = ROOT): Result {
  const r = spawnSync(process.execPath, [MAIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, CI: '1' }, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `typegrad ...args`, sending SIGINT when stdout first matches `when`. */
export function runAndInterrupt(args: string[], when: RegExp): Promise<Result & { signalled: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd: ROOT, env: { ...process.env, CI: '1' } });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stdout.on('data', (d) => {
      stdout += d;
      if (!signalled && when.test(stdout)) {
        signalled = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, signalled }));
  });
}

export function tempDir(prefix = 'typegrad-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Width and height from a PNG's IHDR, after checking the signature. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  const sig = [137, 80, 78, 71, 13, 10, 26, 10];
  if (!sig.every((b, i) => bytes[i] === b)) throw new Error('not a PNG (bad signature)');
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') throw new Error('not a PNG (no IHDR)');
  return { width: v.getUint32(16), height: v.getUint32(20) };
}

/** The training state (config, progress, rng, optimizer) stored in a run folder's checkpoint. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function checkpointState(dir: string): any {
  const file = tg.io.readSafetensors(readFileSync(join(dir, 'checkpoint.safetensors')));
  return JSON.parse(file.metadata['typegrad.checkpoint']);
}

/** Bad input: one line on stderr naming the problem, exit code 2, no stack trace. */
export function expectUsageError(r: { code: number | null; stderr: string; stdout: string }, message: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  // progress lines (epoch 1/2 3/10 ...) may come before the error of a run that fails later
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('typegrad: using the') && !/^epoch \d+\/\d+ \d+\/\d+ /.test(l));
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^typegrad: /);
  expect(lines[0]).toMatch(message);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack frames
}

