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
import { afterAll, describe, expect, it, vi } from 'vitest';
import * as D from '../../data/index.js';
import { assemble, chunks, withSize } from '../helpers/png.js';
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
// IMAGE_FUZZ=<file>: another set made by make_image_fuzz.py SEED COUNT <file> (to explore; CI uses the committed one)
const lines = readFileSync(process.env.IMAGE_FUZZ ?? new URL('../fixtures/data/image-fuzz.json', import.meta.url), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
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

  it('decodeImageAsync (the browser path, createImageBitmap) refuses the bomb before the browser decodes it', async () => {
    const calls: unknown[] = [];
    vi.stubGlobal('createImageBitmap', async (b: Blob) => (calls.push(b), { width: 5, height: 4 }));
    vi.stubGlobal('OffscreenCanvas', class {
      getContext() {
        return { drawImage() {}, getImageData: () => ({ data: new Uint8ClampedArray(80), width: 5, height: 4 }) };
      }
    });
    try {
      await expect(D.decodeImageAsync(withSize(smallPng, 20000, 20000), { name: 'bomb.png' })).rejects.toThrow('decodeImageAsync: bomb.png declares 20000x20000 pixels (400,000,000), over the limit of 268,435,456 (maxPixels)');
      await expect(D.decodeImageAsync(new Blob([smallPng as Uint8Array<ArrayBuffer>]), { name: 'small.png', maxPixels: 19 })).rejects.toThrow(/small.png declares 5x4 pixels \(20\), over the limit of 19/);
      expect(calls).toEqual([]);
      expect((await D.decodeImageAsync(smallPng)).width).toBe(5);
      expect(calls.length).toBe(1);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it('an ImageFolder holding the bomb (and the abort case): the error names the file, with DataLoader workers 0 and 2 (and maxPixels reaches the workers)', async () => {
    const root = join(dir, 'folder');
    mkdirSync(join(root, 'cat'), { recursive: true });
    mkdirSync(join(root, 'dog'), { recursive: true });
    writeFileSync(join(root, 'cat', 'a.png'), D.encodePng(image(6, 5, 3, 1)));
    writeFileSync(join(root, 'cat', 'bomb.png'), withSize(smallPng, 20000, 20000));
    writeFileSync(join(root, 'dog', 'abort.png'), withSize(smallPng, 2147483647, 100000)); // (aborted Node in zlib)
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
        expect([n, skipped.length]).toEqual(maxPixels === 30 ? [2, 2] : [0, 4]);
        for (const msg of skipped) expect(msg).toMatch(new RegExp(`^decodeImage: .*(a|b|bomb|abort).png declares .* over the limit of ${maxPixels} \\(maxPixels\\)$`));
      }
    }
  });
});

// ---- fast-check: mutations made here, with the outcome each must have ------------------------------

/** decodeImage's result on damaged bytes: the image, or the error (failing the property on anything else). */
function outcome(bytes: Uint8Array, name: string): D.RawImage | Error {
  const t0 = performance.now();
  try {
    const img = D.decodeImage(bytes, { name });
    expect(img.data.length).toBe(img.width * img.height * 3);
    return img;
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).toMatch(/^decodeImage: /);
    expect((e as Error).message).toContain(name);
    return e as Error;
  } finally {
    expect(performance.now() - t0).toBeLessThan(HANG_MS);
  }
}

/** Byte-level damage: bit flips, byte changes, a truncation, inserted or deleted bytes, each within [0, end). */
const byteDamage = (end: number) =>
  fc.oneof(
    fc.array(fc.tuple(fc.nat({ max: end - 1 }), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 3 }).map((flips) => ({ kind: 'flip', apply: (b: Uint8Array) => (flips.forEach(([p, k]) => (b[p] ^= 1 << k)), b) })),
    fc.array(fc.tuple(fc.nat({ max: end - 1 }), fc.nat({ max: 255 })), { minLength: 1, maxLength: 3 }).map((sets) => ({ kind: 'byte', apply: (b: Uint8Array) => (sets.forEach(([p, v]) => (b[p] = v)), b) })),
    fc.nat({ max: end - 1 }).map((n) => ({ kind: 'truncate', apply: (b: Uint8Array) => b.slice(0, n) })),
    fc.tuple(fc.nat({ max: end - 1 }), fc.uint8Array({ minLength: 1, maxLength: 16 })).map(([p, ins]) => ({ kind: 'insert', apply: (b: Uint8Array) => new Uint8Array(Buffer.concat([b.subarray(0, p), ins, b.subarray(p)])) })),
    fc.tuple(fc.nat({ max: end - 1 }), fc.integer({ min: 1, max: 16 })).map(([p, n]) => ({ kind: 'delete', apply: (b: Uint8Array) => new Uint8Array(Buffer.concat([b.subarray(0, p), b.subarray(p + n)])) })),
  );

const samePixels = (img: D.RawImage | Error, want: D.RawImage) => {
  expect(img).not.toBeInstanceOf(Error);
  expect([(img as D.RawImage).width, (img as D.RawImage).height]).toEqual([want.width, want.height]);
  expect(Buffer.from((img as D.RawImage).data).equals(Buffer.from(want.data))).toBe(true);
};

describe('fast-check: damaged copies of valid files', () => {
  // a PNG with an ancillary chunk (tEXt) between IHDR and IDAT
  const base = chunks(D.encodePng(image(7, 5, 3, 4)));
  const png = assemble([base[0], { type: 'tEXt', data: new TextEncoder().encode('Comment\0fuzz') }, ...base.slice(1)]);
  const pngPixels = D.decodeImage(png);

  it('valid PNGs of any size and channel count decode exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.constantFrom(1, 3, 4), fc.nat(), (w, h, c, seed) => {
        const img = image(w, h, c, seed);
        expect(Buffer.from(D.decodeImage(D.encodePng(img), { mode: c === 1 ? 'L' : c === 3 ? 'RGB' : 'RGBA' }).data).equals(Buffer.from(img.data))).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('a PNG damaged anywhere up to the end of IEND is refused (every chunk has a CRC); bytes after IEND are ignored', () => {
    fc.assert(
      fc.property(byteDamage(png.length), (d) => {
        expect(outcome(d.apply(png.slice()), `damaged-${d.kind}.png`)).toBeInstanceOf(Error);
      }),
      { numRuns: 250 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (tail) => samePixels(outcome(new Uint8Array(Buffer.concat([png, tail])), 'tail.png'), pngPixels)),
      { numRuns: 30 },
    );
  });

  it('removed, duplicated or swapped PNG chunks: refused, except where only the tEXt chunk moves or IEND repeats', () => {
    const types = chunks(png).map((c) => c.type); // IHDR tEXt IDAT IEND
    fc.assert(
      fc.property(fc.constantFrom('remove', 'duplicate', 'swap'), fc.nat({ max: types.length - 1 }), (op, k) => {
        const list = chunks(png);
        if (op === 'remove') list.splice(k, 1);
        else if (op === 'duplicate') list.splice(k, 0, list[k]);
        else if (k + 1 < list.length) [list[k], list[k + 1]] = [list[k + 1], list[k]];
        else return;
        const got = outcome(assemble(list), `${op}-${types[k]}.png`);
        const harmless = (op === 'remove' && types[k] === 'tEXt') || (op === 'duplicate' && (types[k] === 'tEXt' || types[k] === 'IEND')) || (op === 'swap' && types[k] === 'tEXt' && types[k + 1] === 'IDAT');
        if (harmless) samePixels(got, pngPixels);
        else expect(got).toBeInstanceOf(Error);
      }),
      { numRuns: 40 },
    );
  });

  it('IHDR width / height edits with the CRC fixed are refused unless the rows still add up to the data', () => {
    const rows = (w: number, h: number) => h * (1 + 3 * w);
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 0, max: 64 }), fc.constantFrom(2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 65535, 20000)), fc.oneof(fc.integer({ min: 0, max: 64 }), fc.constantFrom(2 ** 31 - 1, 100000, 16000)), (w, h) => {
        fc.pre(rows(w, h) !== rows(7, 5));
        expect(outcome(withSize(png, w, h), `${w}x${h}.png`)).toBeInstanceOf(Error);
      }),
      { numRuns: 80 },
    );
  });

  it('valid JPEGs from jpeg-js (any size and quality) decode, to what jpeg-js alone returns', async () => {
    const { default: jpeg } = await import('jpeg-js');
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 33 }), fc.integer({ min: 1, max: 33 }), fc.integer({ min: 1, max: 100 }), fc.boolean(), fc.nat(), (w, h, q, noisy, seed) => {
        const rgba = D.convertMode(noisy ? image(w, h, 3, seed) : { data: Uint8Array.from({ length: w * h * 3 }, (_, i) => ((i % (3 * w)) * 3 + ((i / (3 * w)) | 0) * 5) % 256), width: w, height: h, channels: 3 }, 'RGBA');
        const bytes = new Uint8Array(jpeg.encode({ data: rgba.data, width: w, height: h }, q).data);
        const ref = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false });
        expect(Buffer.from(D.decodeImage(bytes).data).equals(Buffer.from(ref.data))).toBe(true);
      }),
      { numRuns: 30 },
    );
  });

  it('a damaged JPEG is a clean error or a well-formed image, quickly; APP payload damage and bytes after EOI change nothing', async () => {
    const { default: jpeg } = await import('jpeg-js');
    const rgba = D.convertMode(image(16, 16, 3, 5), 'RGBA');
    const jpg = new Uint8Array(jpeg.encode({ data: rgba.data, width: 16, height: 16 }, 90).data);
    const pixels = D.decodeImage(jpg);
    fc.assert(
      fc.property(byteDamage(jpg.length), (d) => void outcome(d.apply(jpg.slice()), `damaged-${d.kind}.jpg`)),
      { numRuns: 250 },
    );
    // APP0 (JFIF) payload: bytes 6 .. 2 + its length
    const app0End = 4 + ((jpg[4] << 8) | jpg[5]);
    fc.assert(
      fc.property(fc.integer({ min: 6, max: app0End - 1 }), fc.integer({ min: 1, max: 255 }), (p, x) => {
        const b = jpg.slice();
        b[p] ^= x;
        samePixels(outcome(b, 'app0.jpg'), pixels);
      }),
      { numRuns: 30 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), (tail) => samePixels(outcome(new Uint8Array(Buffer.concat([jpg, tail])), 'tail.jpg'), pixels)),
      { numRuns: 30 },
    );
  });

  it('restart markers: a JPEG with DRI decodes as without; a wrong or missing RST is refused', async () => {
    // a flat grey 16x8 JPEG from jpeg-js (standard tables, 2 MCUs of Y, Cb, Cr), its scan data replaced:
    // each MCU is Y: DC '00' + EOB '1010', Cb and Cr: DC '00' + EOB '00' = 14 bits
    const { default: jpeg } = await import('jpeg-js');
    const flat = new Uint8Array(jpeg.encode({ data: new Uint8Array(16 * 8 * 4).fill(128), width: 16, height: 8 }, 90).data);
    let sos = 2;
    while (!(flat[sos] === 0xff && flat[sos + 1] === 0xda)) sos += 2 + ((flat[sos + 2] << 8) | flat[sos + 3]);
    const head = flat.subarray(0, sos + 2 + ((flat[sos + 2] << 8) | flat[sos + 3]));
    const dri = Uint8Array.of(0xff, 0xdd, 0, 4, 0, 1);
    const file = (pre: Uint8Array, scan: number[]) => new Uint8Array(Buffer.concat([head.subarray(0, sos), pre, head.subarray(sos), Uint8Array.from(scan), Uint8Array.of(0xff, 0xd9)]));
    // 00101000000000 00101000000000 + 1111 padding (what jpeg-js writes)
    const plain = file(new Uint8Array(0), [0b00101000, 0b00000000, 0b10100000, 0b00001111]);
    expect(Buffer.from(plain).equals(Buffer.from(flat))).toBe(true);
    // with DRI 1: MCU, pad to the byte, RST0, MCU, pad
    const mcu = [0b00101000, 0b00000011];
    const restarted = file(dri, [...mcu, 0xff, 0xd0, ...mcu]);
    const grey = D.decodeImage(plain);
    expect(Array.from(new Set(grey.data))).toEqual([128]);
    samePixels(D.decodeImage(restarted), grey);
    expect(() => D.decodeImage(file(dri, [...mcu, 0xff, 0xd3, ...mcu]), { name: 'rst3.jpg' })).toThrow(/cannot decode rst3.jpg \(JPEG\): expected restart marker RST0/);
    expect(() => D.decodeImage(file(dri, [...mcu, ...mcu]), { name: 'nrst.jpg' })).toThrow(/cannot decode nrst.jpg \(JPEG\): expected restart marker RST0/);
    expect(() => D.decodeImage(file(new Uint8Array(0), [...mcu, 0xff, 0xd0, ...mcu]), { name: 'stray.jpg' })).toThrow(/cannot decode stray.jpg \(JPEG\)/);
  });
});
