// Resume equivalence: a run interrupted with Ctrl-C and resumed ends with the same metrics and the same
// weights, bit for bit, as an uninterrupted run with the same seed.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpointState, requireBuild, run, runAndInterrupt, tempDir } from './helpers.js';

const ARGS = ['train', '--epochs', '3', '--max-batches', '3', '--batch-size', '16', '--max-val', '64', '--seed', '7'];

/** metrics.json without the timing fields (wall-clock differs between runs). */
function metricsOf(dir: string) {
  const m = JSON.parse(readFileSync(join(dir, 'metrics.json'), 'utf8'));
  return {
    epochs: m.epochs.map(({ seconds: _s, trainSeconds: _t, imagesPerSecond: _i, rssMB: _r, ...rest }: Record<string, number>) => rest),
    confusion: m.confusion,
    finished: m.finished,
    config: m.config,
  };
}

describe('typegrad train --resume', () => {
  it('an interrupted and resumed run reproduces the uninterrupted run', async () => {
    requireBuild();
    const base = tempDir();
    const straight = join(base, 'straight');
    const cut = join(base, 'cut');
    const a = run([...ARGS, '--out', straight]);
    expect(a.code, a.stderr).toBe(0);

    // Ctrl-C once the first epoch's summary is out: it lands somewhere in epoch 2 (or right after it)
    const b = await runAndInterrupt([...ARGS, '--out', cut], /^epoch 1\/3 .*\n/m);
    expect(b.signalled).toBe(true);
    expect(b.code).toBe(130);
    expect(b.stdout).toMatch(/checkpoint saved in .*; continue with: typegrad train --resume /);
    const partial = checkpointState(cut);
    expect(partial.progress.epoch).toBeLessThan(3);

    const c = run(['train', '--resume', cut]);
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toMatch(/^typegrad: resuming /);
    expect(metricsOf(cut)).toEqual(metricsOf(straight));
    expect(Buffer.compare(readFileSync(join(cut, 'model.safetensors')), readFileSync(join(straight, 'model.safetensors')))).toBe(0);
  }, 60_000);

  it('refuses settings next to --resume and a folder with no checkpoint', () => {
    const dir = tempDir();
    const r = run(['train', '--resume', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^typegrad: --resume .*: no checkpoint\.safetensors there/);
    const s = run(['train', '--resume', dir, '--epochs', '5']);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/--resume continues with the run's own settings; drop --epochs/);
  });
});
