// A script whose only pending work is a DataLoader's decode workers must not exit before its batches
// arrive: the README's own data snippet (top-level `for await` over an ImageFolder with `workers: 2`)
// used to end silently with exit code 13, as the idle-unref'd workers kept nothing alive.

import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as tg from '../../index.js';
import { ROOT, requireBuild, tempDir } from '../cli/helpers.js';

describe('DataLoader workers keep Node alive while batches are pending', () => {
  it('a top-level for-await over an ImageFolder with workers: 2 sees every sample, then exits 0', () => {
    requireBuild();
    const dir = tempDir('typegrad-workers-');
    for (const c of ['cat', 'dog']) {
      mkdirSync(join(dir, 'images', c), { recursive: true });
      for (let i = 0; i < 5; i++) tg.data.writePng(join(dir, 'images', c, `${i}.png`), tg.full([3, 8, 8], i / 5));
    }
    const script = join(dir, 'loop.mjs');
    writeFileSync(
      script,
      `import * as tg from ${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'index.js')).href)};
const loader = new tg.data.DataLoader(new tg.data.ImageFolder(${JSON.stringify(join(dir, 'images'))}), { batchSize: 4, shuffle: true, seed: 1, workers: 2 });
let seen = 0;
for await (const [x, y] of loader) seen += y.shape[0];
console.log('seen', seen);
`,
    );
    const r = spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 30_000 });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('seen 10');
  });
});
