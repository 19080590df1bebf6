// Damaged PNG and JPEG files: decodeImage must refuse each with an Error naming the file, or return
// exactly what PIL returns (JPEG: within IDCT rounding), quickly, and never abort the process.
// 1. The committed fuzz set (tests/fixtures/data/image-fuzz.json, made by make_image_fuzz.py with PIL):
//    every case is classified clean error / correct load / silent wrong / crash / hang, and the last
//    three must be zero.
// 2. fast-check mutations of valid files made here, with the outcome each kind of mutation must have.
// 3. The reported cases: header size edits (a zlib abort, decompression bombs), a PNG without IDAT, and
//    an ImageFolder holding a bomb, read by a DataLoader with and without decode workers.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import * as D from '../../data/index.js';
import { DEFAULT_MAX_PIXELS } from '../../data/codecs.js';

const dir = mkdtempSync(join(tmpdir(), 'typegrad-fuzz-images-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// ---- the committed fuzz set ------------------------------------------------------------------------

interface Case {
  i: number;
  format: 'png' | 'jpeg';
  source: string;
  kind: string;
  edits: [number, number, string][];
  sha: string;
  pil: { error: string } | { w: number; h: number; rgb?: string; pixels?: number; stride?: number };
}
const lines = readFileSync(new URL('../fixtures/data/image-fuzz.json', import.meta.url), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const sources: Record<string, Uint8Array> = Object.fromEntries(Object.entries(lines[0].sources as Record<string, string>).map(([n, b]) => [n, Buffer.from(b, 'base64')]));
const pilPixels = (lines[1].pixels as string[]).map((b) => Buffer.from(b, 'base64'));
const cases: Case[] = lines.slice(2);

function mutated(c: Case): Uint8Array {
  let b = Buffer.from(sources[c.source]);
  for (const [at, del, ins] of [...c.edits].reverse()) b = Buffer.concat([b.subarray(0, at), Buffer.from(ins, 'hex'), b.subarray(at + del)]);
  return b;
}
const sha16 = (b: Uint8Array | Uint8ClampedArray) => createHash('sha256').update(b).digest('hex').slice(0, 16);

type Verdict = 'clean error' | 'correct load' | 'silent wrong' | 'crash' | 'hang';
const HANG_MS = 2000;
/** JPEG: jpeg-js and libjpeg differ by IDCT rounding on 4:4:4 files (<= 3 levels). */
const JPEG_TOLERANCE = 3;
/**
 * With subsampled chroma jpeg-js repeats chroma samples where libjpeg interpolates them: there the mean
 * difference must stay under 5 levels and the worst under 24 (files.test.ts measures 3.9 / 14 on 4:2:0).
 */
const SUBSAMPLED_MEAN = 5;
const SUBSAMPLED_WORST = 24;

/** Whether a JPEG's frame header has components with different sampling factors (subsampled chroma). */
function subsampled(b: Uint8Array): boolean {
  for (let p = 2; p + 10 < b.length; ) {
    if (b[p] !== 0xff) return false;
    const m = b[p + 1];
    if (m === 0xc0 || m === 0xc1 || m === 0xc2) {
      const hv = Array.from({ length: b[p + 9] }, (_, c) => b[p + 11 + 3 * c]);
      return hv.some((x) => x !== hv[0]);
    }
    p += 2 + ((b[p + 2] << 8) | b[p + 3]);
  }
  return false;
}

function classify(c: Case): { verdict: Verdict; detail: string; pilLoads: boolean } {
  const name = `fuzz-${c.i}-${c.source}`;
  const bytes = mutated(c);
  const pilLoads = !('error' in c.pil);
  const t0 = performance.now();
  let img: D.RawImage | null = null;
  let thrown: unknown = null;
  try {
    img = D.decodeImage(bytes, { name });
  } catch (e) {
    thrown = e;
  }
  const ms = performance.now() - t0;
  if (ms > HANG_MS) return { verdict: 'hang', detail: `${ms.toFixed(0)} ms`, pilLoads };
  if (thrown !== null) {
    const ok = thrown instanceof Error && thrown.message.includes(name) && thrown.message.startsWith('decodeImage: ');
    return { verdict: ok ? 'clean error' : 'crash', detail: String((thrown as Error)?.message ?? thrown), pilLoads };
  }
  if (!pilLoads) return { verdict: 'silent wrong', detail: `loaded ${img!.width}x${img!.height}, PIL: ${(c.pil as { error: string }).error}`, pilLoads };
  const want = c.pil as { w: number; h: number; rgb?: string; pixels?: number; stride?: number };
  if (img!.width !== want.w || img!.height !== want.h) return { verdict: 'silent wrong', detail: `${img!.width}x${img!.height}, PIL ${want.w}x${want.h}`, pilLoads };
  if (c.format === 'png') {
    const got = sha16(img!.data);
    return got === want.rgb ? { verdict: 'correct load', detail: '', pilLoads } : { verdict: 'silent wrong', detail: 'pixels differ from PIL', pilLoads };
  }
  const ref = pilPixels[want.pixels!];
  const stride = want.stride ?? 1;
  let worst = 0;
  let total = 0;
  for (let k = 0, p = 0; k < ref.length; k += 3, p += stride) {
    for (let ch = 0; ch < 3; ch++) {
      const d = Math.abs(img!.data[3 * p + ch] - ref[k + ch]);
      worst = Math.max(worst, d);
      total += d;
    }
  }
  const mean = total / ref.length;
  const ok = subsampled(bytes) ? mean < SUBSAMPLED_MEAN && worst <= SUBSAMPLED_WORST : worst <= JPEG_TOLERANCE;
  return ok ? { verdict: 'correct load', detail: '', pilLoads } : { verdict: 'silent wrong', detail: `pixels differ from PIL by up to ${worst} levels (mean ${mean.toFixed(2)})`, pilLoads };
}

describe('the PIL-checked fuzz set (tests/fixtures/data/image-fuzz.json)', () => {
  it('rebuilds every mutation exactly', () => {
    for (const c of cases) expect(sha16(mutated(c)), `case ${c.i}`).toBe(c.sha);
  });

  for (const format of ['png', 'jpeg'] as const) {
    it(`${format}: every mutation is a clean error or PIL's pixels; none is silent wrong, a crash or a hang`, () => {
      const mine = cases.filter((c) => c.format === format);
      expect(mine.length).toBeGreaterThanOrEqual(300);
      const counts: Record<Verdict, number> = { 'clean error': 0, 'correct load': 0, 'silent wrong': 0, crash: 0, hang: 0 };
      const bad: string[] = [];
      let stricter = 0;
      for (const c of mine) {
        const { verdict, detail, pilLoads } = classify(c);
        counts[verdict]++;
        if (verdict === 'clean error' && pilLoads) stricter++;
        if (verdict !== 'clean error' && verdict !== 'correct load') bad.push(`#${c.i} ${c.source} ${c.kind}: ${verdict}: ${detail}`);
        if (c.kind === 'original' && verdict !== 'correct load') bad.push(`#${c.i} ${c.source}: a valid file is refused: ${detail}`);
      }
      console.log(`${format} fuzz set, ${mine.length} cases: ${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')} (clean errors where PIL loads: ${stricter})`);
      expect(bad).toEqual([]);
    });
  }
});

// ---- PNG helpers: chunks with their CRC fixed --------------------------------------------------------

interface Chunk {
  type: string;
  data: Uint8Array;
}
function chunks(png: Uint8Array): Chunk[] {
  const out: Chunk[] = [];
  const view = new DataView(png.buffer, png.byteOffset, png.length);
  for (let p = 8; p + 12 <= png.length; ) {
    const n = view.getUint32(p);
    out.push({ type: Buffer.from(png.subarray(p + 4, p + 8)).toString('latin1'), data: png.slice(p + 8, p + 8 + n) });
    p += 12 + n;
  }
  return out;
}
/** A PNG from chunks, every CRC computed (zlib's crc32). */
function assemble(list: Chunk[]): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)];
  for (const { type, data } of list) {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
    parts.push(head, data, crc);
  }
  return new Uint8Array(Buffer.concat(parts));
}
/** The PNG with IHDR's width and height replaced, CRC fixed. */
function withSize(png: Uint8Array, width: number, height: number): Uint8Array {
  return assemble(chunks(png).map((c) => {
    if (c.type !== 'IHDR') return c;
    const data = c.data.slice();
    new DataView(data.buffer).setUint32(0, width);
    new DataView(data.buffer).setUint32(4, height);
    return { type: c.type, data };
  }));
}
function image(w: number, h: number, c: number, seed = 3): D.RawImage {
  return { data: Uint8Array.from({ length: w * h * c }, (_, i) => (i * 37 + seed * 11 + ((i * i) % 7)) % 256), width: w, height: h, channels: c };
}
const small = image(5, 4, 3);
const smallPng = D.encodePng(small);

describe('the reported cases', () => {
  it('a 5x4 PNG whose IHDR claims 2147483647x100000 is refused before any inflate (it used to abort Node in zlib)', async () => {
    const file = withSize(smallPng, 2147483647, 100000);
    expect(file.length).toBeLessThan(140);
    // Proof that no allocation is reached, whatever the limit: decodeCore with a zlib and pngjs that must not be called.
    const { decodeCore } = await import('../../data/decode-core.js');
    const called: string[] = [];
    const deps = {
      zlib: { crc32, inflateSync: () => (called.push('inflate'), { buffer: new Uint8Array(0), engine: { bytesWritten: 0 } }) },
      pngjs: { PNG: { sync: { read: () => (called.push('pngjs'), { width: 0, height: 0, data: new Uint8Array(0) }) } } },
      jpeg: { decode: () => (called.push('jpeg'), { width: 0, height: 0, data: new Uint8Array(0) }) },
    };
    expect(() => decodeCore(file, DEFAULT_MAX_PIXELS, deps, 'png')).toThrow(/declares 2147483647x100000 pixels \(214,748,364,700,000\), over the limit of 268,435,456 \(maxPixels\)/);
    expect(() => decodeCore(file, Infinity, deps, 'png')).toThrow(/2147483647x100000 pixels are too many to decode in one buffer/);
    expect(called).toEqual([]);
    // so decodeImage is safe to run here
    expect(() => D.decodeImage(file, { name: 'abort.png' })).toThrow('decodeImage: abort.png declares 2147483647x100000 pixels (214,748,364,700,000), over the limit of 268,435,456 (maxPixels)');
    expect(() => D.decodeImage(file, { name: 'abort.png', maxPixels: Infinity })).toThrow(/cannot decode abort.png \(PNG\): 2147483647x100000 pixels are too many/);
  });

  it('a tiny PNG declaring 20000x20000 is refused at once with the limit error, allocating nothing', () => {
    const bomb = withSize(smallPng, 20000, 20000);
    expect(bomb.length).toBeLessThan(140);
    const before = process.memoryUsage().arrayBuffers;
    const t0 = performance.now();
    expect(() => D.decodeImage(bomb, { name: 'photo.png' })).toThrow('decodeImage: photo.png declares 20000x20000 pixels (400,000,000), over the limit of 268,435,456 (maxPixels)');
    expect(performance.now() - t0).toBeLessThan(200);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 2 ** 20);
    // over the limit, also for a smaller maxPixels and through readImage
    const file = join(dir, 'bomb.png');
    writeFileSync(file, bomb);
    expect(() => D.readImage(file)).toThrow(/decodeImage: .*bomb.png declares 20000x20000 pixels \(400,000,000\), over the limit/);
    expect(() => D.decodeImage(smallPng, { name: 'small.png', maxPixels: 19 })).toThrow('decodeImage: small.png declares 5x4 pixels (20), over the limit of 19 (maxPixels)');
    expect(D.decodeImage(smallPng, { maxPixels: 20 }).width).toBe(5);
    expect(() => D.decodeImage(smallPng, { maxPixels: 0 })).toThrow(/maxPixels must be a number >= 1/);
  });

  it('a tiny PNG declaring 16000x16000 (under the default limit) is refused by its data size, quickly; over a lower limit by the limit', () => {
    const big = withSize(smallPng, 16000, 16000);
    const before = process.memoryUsage().arrayBuffers;
    const t0 = performance.now();
    expect(() => D.decodeImage(big, { name: 'big.png' })).toThrow(/decodeImage: cannot decode big.png \(PNG\): image data inflates to 64 bytes, IHDR implies 768016000/);
    expect(performance.now() - t0).toBeLessThan(200);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 2 ** 20);
    expect(() => D.decodeImage(big, { name: 'big.png', maxPixels: 1e8 })).toThrow('decodeImage: big.png declares 16000x16000 pixels (256,000,000), over the limit of 100,000,000 (maxPixels)');
  });

  it('a PNG without IDAT, or with image data that inflates short or long, is refused (it used to decode as black)', () => {
    const list = chunks(smallPng);
    expect(() => D.decodeImage(assemble(list.filter((c) => c.type !== 'IDAT')), { name: 'no-idat.png' })).toThrow('decodeImage: cannot decode no-idat.png (PNG): no IDAT chunk (no image data)');
    const rows = 4 * (1 + 5 * 3);
    for (const [extra, msg] of [[-1, `inflates to ${rows - 1} bytes, IHDR implies ${rows}`], [1, `inflates to more than the ${rows} bytes`]] as const) {
      const raw = new Uint8Array(rows + extra); // filter type 0 rows
      const file = assemble(list.map((c) => (c.type === 'IDAT' ? { type: 'IDAT', data: deflateSync(raw) } : c)));
      expect(() => D.decodeImage(file, { name: 'size.png' })).toThrow(msg);
    }
  });

  it('a JPEG declaring 65535x65535 or more than maxPixels is refused before jpeg-js allocates', async () => {
    const { default: jpeg } = await import('jpeg-js');
    const rgba = D.convertMode(image(16, 16, 3), 'RGBA');
    const jpg = new Uint8Array(jpeg.encode({ data: rgba.data, width: 16, height: 16 }, 90).data);
    expect(D.decodeImage(jpg).width).toBe(16);
    let sof = 2;
    while (!(jpg[sof] === 0xff && jpg[sof + 1] === 0xc0)) sof++;
    const huge = jpg.slice();
    huge.set([0xff, 0xff, 0xff, 0xff], sof + 5);
    expect(() => D.decodeImage(huge, { name: 'huge.jpg' })).toThrow('decodeImage: huge.jpg declares 65535x65535 pixels (4,294,836,225), over the limit of 268,435,456 (maxPixels)');
    expect(() => D.decodeImage(huge, { name: 'huge.jpg', maxPixels: 1e9 })).toThrow('decodeImage: huge.jpg declares 65535x65535 pixels (4,294,836,225), over the limit of 1,000,000,000 (maxPixels)');
    expect(() => D.decodeImage(jpg, { name: 'photo.jpg', maxPixels: 255 })).toThrow('decodeImage: photo.jpg declares 16x16 pixels (256), over the limit of 255 (maxPixels)');
  });

  it('an ImageFolder holding the bomb: the error names the file, with DataLoader workers 0 and 2 (and maxPixels reaches the workers)', async () => {
    const root = join(dir, 'folder');
    mkdirSync(join(root, 'cat'), { recursive: true });
    mkdirSync(join(root, 'dog'), { recursive: true });
    writeFileSync(join(root, 'cat', 'a.png'), D.encodePng(image(6, 5, 3, 1)));
    writeFileSync(join(root, 'cat', 'bomb.png'), withSize(smallPng, 20000, 20000));
    writeFileSync(join(root, 'dog', 'b.png'), D.encodePng(image(6, 5, 3, 2)));
    for (const workers of [0, 2]) {
      const loader = new D.DataLoader(new D.ImageFolder(root), { batchSize: 1, workers });
      const seen: number[][] = [];
      const run = async () => {
        for await (const [x] of loader) seen.push([...x.shape]);
      };
      await expect(run()).rejects.toThrow(/decodeImage: .*cat[/\\]bomb.png declares 20000x20000 pixels \(400,000,000\), over the limit of 268,435,456 \(maxPixels\)/);
      await loader.close();
      // skipErrors: the other two load; the dataset's maxPixels reaches the workers (30: the 6x5 images pass, 29: not)
      for (const maxPixels of [30, 29]) {
        const skipped: string[] = [];
        const tolerant = new D.DataLoader(new D.ImageFolder(root, { maxPixels }), { batchSize: 1, workers, skipErrors: true, onSkip: (_, e) => skipped.push(e.message) });
        let n = 0;
        for await (const [x] of tolerant) n += x.shape[0];
        await tolerant.close();
        expect([n, skipped.length]).toEqual(maxPixels === 30 ? [2, 1] : [0, 3]);
        expect(skipped[0]).toMatch(new RegExp(`over the limit of ${maxPixels} \\(maxPixels\\)`));
      }
    }
  });
});
