// After `tsc`: deletes the .d.ts files that dist/index.d.ts cannot reach. The package's "exports" map
// exposes only its entry, so no user's compiler can see them, and each small file costs a disk block
// (4 kB) of the installed size, which tests/package/consumer.test.ts holds under its limit.

import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const dist = resolve(import.meta.dirname, '../dist');
const entry = join(dist, 'index.d.ts');

/** The relative modules a declaration file imports or re-exports, as paths of their .d.ts files. */
function importsOf(file) {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => m[1]);
  return specifiers.map((s) => join(dirname(file), s.replace(/\.js$/, '.d.ts')));
}

const reached = new Set([entry]);
const queue = [entry];
while (queue.length > 0) {
  for (const next of importsOf(queue.pop())) {
    if (!existsSync(next)) throw new Error(`prune-declarations: ${next} is imported by a declaration but was not emitted`);
    if (!reached.has(next)) reached.add(next), queue.push(next);
  }
}

let removed = 0;
const walk = (dir) => {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) walk(path);
    else if (path.endsWith('.d.ts') && !reached.has(path)) rmSync(path), removed++;
  }
};
walk(dist);
console.log(`prune-declarations: kept ${reached.size} declaration files reachable from dist/index.d.ts, removed ${removed}`);
