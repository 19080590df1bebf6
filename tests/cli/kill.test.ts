// kill -9 at any moment loses at most the epoch in progress: a training run is SIGKILLed at every write
// boundary in turn (TYPEGRAD_TEST_KILL_AT=N: before a temp file is written, halfway through it, between
// write and rename; see io/node.ts) and at 50 random moments, then resumed. Wherever it was killed, the
// resumed run ends with the same metrics and the same weights, bit for bit, as a run never killed, and
// no temp file is left behind.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tg from '../../index.js';
import { checkpointState, MAIN, requireBuild, ROOT, tempDir } from './helpers.js';

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The line a run prints once its folder exists, just before training starts. */
const STARTED = /^typegrad: training /m;

/**
 * Runs the CLI; `killAfterMs` sends SIGKILL from outside that long after the run printed STARTED (so
 * the moments fall within training however long a loaded machine takes to start Node).
 */
function runCli(args: string[], env: Record<string, string> = {}, killAfterMs?: number): Promise<Outcome & { startedAt: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...args], { cwd: ROOT, env: { ...process.env, CI: '1', ...env } });
    let stdout = '';
    let stderr = '';
    let startedAt: number | null = null;
    let timer: NodeJS.Timeout | null = null;
    child.stdout.on('data', (d) => {
      stdout += d;
      if (startedAt === null && STARTED.test(stdout)) {
        startedAt = performance.now();
        if (killAfterMs !== undefined) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, startedAt });
    });
  });
}

/** Runs `jobs` two at a time (the machines have two cores). */
async function inPairs<T>(jobs: (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const k = next++;
      out[k] = await jobs[k]();
    }
  };
  await Promise.all([worker(), worker()]);
  return out;
}

/** metrics.json without the fields that depend on wall-clock time or on the command line. */
function metricsOf(dir: string) {
  const m = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'));
  return { epochs: m.epochs.map(({ seconds: _s, trainSeconds: _t, imagesPerSecond: _i, rssMB: _r, ...rest }: Record<string, number>) => rest), confusion: m.confusion, finished: m.finished, config: m.config };
}

/** 48 training and 16 test digits in MNIST's IDX files, each image a blob whose position is its label. */
function writeDigits(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const g = new tg.Generator(5);
  for (const [prefix, n] of [['train', 48], ['t10k', 16]] as const) {
    const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
    const pixels = new Uint8Array(n * 784);
    labels.forEach((l, i) => {
      for (let p = 0; p < 784; p++) pixels[i * 784 + p] = Math.abs(Math.floor(p / 28) - 2 * l - 5) < 3 ? 200 + g.int(0, 55) : g.int(0, 40);
    });
    writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), tg.data.encodeIdx([n, 28, 28], pixels));
    writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte`), tg.data.encodeIdx([n], labels));
  }
}

describe('kill -9 during training, then --resume', () => {
  let base: string;
  let args: string[];
  let reference: { metrics: ReturnType<typeof metricsOf>; model: Buffer; trainingMs: number };

  beforeAll(async () => {
    requireBuild();
    base = tempDir('typegrad-kill-');
    writeDigits(join(base, 'digits'));
    // 2 epochs of 3 batches: 13 atomic writes (a checkpoint at the start, then 6 files an epoch)
    args = ['train', '--dataset', `idx:${join(base, 'digits')}`, '--model', 'mlp', '--backend', 'js', '--epochs', '2', '--batch-size', '16', '--seed', '3'];
    const r = await runCli([...args, '--out', join(base, 'reference')]);
    expect(r.code, r.stderr).toBe(0);
    reference = { metrics: metricsOf(join(base, 'reference')), model: readFileSync(join(base, 'reference', 'model.safetensors')), trainingMs: performance.now() - r.startedAt! };
  }, 60_000);

  /**
   * After a kill: the run folder resumes to the reference result, or, if no checkpoint was complete yet,
   * the kill came before the first one (so nothing was lost beyond the first epoch).
   */
  async function resumeAndCheck(dir: string, killed: Outcome): Promise<'resumed' | 'nothing to resume'> {
    const finishedEpochs = (killed.stdout.match(/^epoch \d+\/2 /gm) ?? []).length;
    if (!existsSync(join(dir, 'checkpoint.safetensors'))) {
      expect(finishedEpochs, killed.stdout).toBe(0);
      return 'nothing to resume';
    }
    const saved = checkpointState(dir).progress.epoch;
    expect(saved, `checkpoint at epoch ${saved} after ${finishedEpochs} finished epochs`).toBeGreaterThanOrEqual(finishedEpochs - 1);
    const r = await runCli(['train', '--resume', dir]);
    expect(r.code, r.stderr).toBe(0);
    expect(metricsOf(dir)).toEqual(reference.metrics);
    expect(Buffer.compare(readFileSync(join(dir, 'model.safetensors')), reference.model)).toBe(0);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    return 'resumed';
  }

  it('at every write boundary, deterministically', async () => {
    // 13 writes x 3 boundaries; the run after the last boundary is never killed
    const boundaries = Array.from({ length: 40 }, (_, k) => k + 1);
    const results = await inPairs(
      boundaries.map((n) => async () => {
        const dir = join(base, `at-${n}`);
        const killed = await runCli([...args, '--out', dir], { TYPEGRAD_TEST_KILL_AT: String(n) });
        if (killed.signal === null) {
          expect(killed.code, killed.stderr).toBe(0);
          return 'not killed';
        }
        expect(killed.signal).toBe('SIGKILL');
        return resumeAndCheck(dir, killed);
      }),
    );
    const count = (what: string) => results.filter((r) => r === what).length;
    // the first checkpoint's 3 boundaries leave nothing to resume; every later one resumes; 39 in all
    expect({ nothingToResume: count('nothing to resume'), resumed: count('resumed'), notKilled: count('not killed') }).toEqual({ nothingToResume: 3, resumed: 36, notKilled: 1 });
  }, 300_000);

  it('at 50 random moments of training', async () => {
    const g = new tg.Generator(2026);
    const delays = Array.from({ length: 50 }, () => g.uniform() * reference.trainingMs);
    const results = await inPairs(
      delays.map((ms, k) => async () => {
        const dir = join(base, `random-${k}`);
        const killed = await runCli([...args, '--out', dir], {}, ms);
        if (killed.signal === null) {
          expect(killed.code, killed.stderr).toBe(0);
          expect(metricsOf(dir)).toEqual(reference.metrics);
          return 'finished first';
        }
        if (!existsSync(dir)) return 'nothing to resume'; // killed before the run folder was made
        return resumeAndCheck(dir, killed);
      }),
    );
    const counts = Object.fromEntries(['resumed', 'nothing to resume', 'finished first'].map((w) => [w, results.filter((r) => r === w).length]));
    console.log(`kill -9 at 50 random moments: ${JSON.stringify(counts)}`);
    expect(results).toHaveLength(50);
    expect(counts.resumed, 'most kills should land while training').toBeGreaterThanOrEqual(10);
  }, 300_000);
});
