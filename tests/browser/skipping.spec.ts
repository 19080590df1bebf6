// A CI run cannot pass by skipping: with Chromium missing (CHROMIUM_PATH pointing nowhere) the Chromium
// tests skip with the reason printed, and fail under CI=true (.ci/run sets it). Runs a Chromium test
// file in child vitests, which need no browser to get that far.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { root } from './chromium.js';

/** gl.spec.ts run without Chromium, with CI unset or set to `ci`: its exit code and output. */
function runWithoutChromium(ci: string | undefined): Promise<{ code: number | null; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, CHROMIUM_PATH: join(root, 'no-such-chromium') };
  delete env.CI;
  if (ci !== undefined) env.CI = ci;
  const vitest = join(root, 'node_modules/vitest/vitest.mjs');
  return new Promise((done) => {
    const child = execFile(process.execPath, [vitest, 'run', '-c', 'vitest.browser.config.ts', 'tests/browser/gl.spec.ts'], { cwd: root, env, timeout: 90_000 }, (_, stdout, stderr) =>
      done({ code: child.exitCode, output: stdout + stderr }),
    );
  });
}

test('without Chromium the browser tests skip, saying why, and fail under CI=true', async () => {
  const [local, ci] = await Promise.all([runWithoutChromium(undefined), runWithoutChromium('true')]);
  expect(local.output).toMatch(/skipping the Chromium tests: Chromium is not installed/);
  expect(local.code, local.output).toBe(0);
  expect(ci.output).toMatch(/the Chromium tests cannot run: Chromium is not installed .*With CI=true they fail instead of skipping/);
  expect(ci.code, ci.output).toBe(1);
}, 120_000);
