// The one place where the fast-check seed is set, for every suite (vitest.config.ts and
// vitest.browser.config.ts run this file before each test file; the Chromium specs hand the seed on to
// their pages). `npm test` runs from one fixed seed, so that CI sees the same cases on every run;
// FC_SEED=<integer> runs from that seed, FC_SEED=random from a fresh one. A failing test prints the seed
// with the command that replays it.

import fc from 'fast-check';
import { beforeEach } from 'vitest';

const DEFAULT_SEED = 20_261_122;

function seedFrom(env: string | undefined): number {
  if (env === undefined || env === '') return DEFAULT_SEED;
  if (env === 'random') return (Math.random() * 2 ** 31) | 0;
  const seed = Number(env);
  if (!Number.isSafeInteger(seed)) throw new Error(`FC_SEED must be an integer or "random", got "${env}"`);
  return seed;
}

const seed = seedFrom(process.env.FC_SEED);
fc.configureGlobal({ ...fc.readConfigureGlobal(), seed });

beforeEach(({ onTestFailed, task }) => {
  onTestFailed(() => {
    console.error(`fast-check seed of this run: ${seed}; replay with FC_SEED=${seed} npx vitest run ${task.file.name}`);
  });
});
