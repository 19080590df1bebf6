// The Quick start's main job (`npm start`) really trains: the built example's last epoch is accurate.

import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

test('npm start example: a tiny CNN learns the bar images', () => {
  const script = fileURLToPath(new URL('../../dist/examples/train-bars.js', import.meta.url));
  const out = execFileSync(process.execPath, [script], { encoding: 'utf8' });
  const epochs = [...out.matchAll(/epoch (\d+)\s+train loss ([\d.]+)\s+test accuracy ([\d.]+)%/g)];
  expect(epochs.length).toBe(6);
  const first = Number(epochs[0][2]);
  const last = Number(epochs[epochs.length - 1][2]);
  expect(last).toBeLessThan(first / 10);
  expect(Number(epochs[epochs.length - 1][3])).toBeGreaterThanOrEqual(95);
});
