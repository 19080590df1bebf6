// Image codecs and dataset file formats on files the tests write themselves: round trips, PIL's decoded
// pixels, clear errors for damaged files, and fast-check truncations / byte flips that must only ever
// produce an Error naming the file (never a crash or a hang).

import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Generator, Tensor } from '../../engine/index.js';
import * as D from '../../data/index.js';
import { DecodePool } from '../../data/decode-pool.js';

const dir = mkdtempSync(join(tmpdir(), 'typegrad-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fixture = (f: string) => new URL(`../fixtures/data/${f}`, import.meta.url);
const codecs = JSON.parse(readFileSync(fixture('codecs.json'), 'utf8'));

function pixels(w: number, h: number, c: number, seed = 1): D.RawImage {
  const g = new Generator(seed);
  return { data: Uint8Array.from({ length: w * h * c }, () => g.int(0, 256)), width: w, height: h, channels: c };
}

/** A baseline JPEG of the pixels, written by jpeg-js's encoder. */
async function jpegBytes(img: D.RawImage): Promise<Uint8Array> {
  const { default: jpeg } = await import('jpeg-js');
  const rgba = D.convertMode(img, 'RGBA');
  return new Uint8Array(jpeg.encode({ data: rgba.data, width: img.width, height: img.height }, 90).data);
}

describe('decodeImage / encodePng', () => {
  it('decodes PIL-written PNG and JPEG to PIL\'s pixels (JPEG within IDCT rounding)', () => {
    const png = D.decodeImage(readFileSync(fixture('photo.png')), { name: 'photo.png' });
    expect([png.width, png.height, png.channels]).toEqual([16, 12, 3]);
    expect(Array.from(png.data)).toEqual(codecs.png.rgb);
    expect(Array.from(D.decodeImage(readFileSync(fixture('photo.png')), { mode: 'L' }).data)).toEqual(codecs.png.l);
    const jpegError = (file: string) => {
      const jpg = D.decodeImage(readFileSync(fixture(codecs[file].file)), { name: file });
      expect([jpg.width, jpg.height, jpg.channels]).toEqual([16, 12, 3]);
      let total = 0;
      let worst = 0;
      jpg.data.forEach((v, i) => ((total += Math.abs(v - codecs[file].rgb[i])), (worst = Math.max(worst, Math.abs(v - codecs[file].rgb[i])))));
      return { mean: total / jpg.data.length, worst };
    };
    // 4:4:4: jpeg-js and libjpeg differ only by IDCT rounding (measured: mean 0.53, max 3 levels)
    const full = jpegError('jpeg');
    expect(full.mean).toBeLessThan(1);
    expect(full.worst).toBeLessThanOrEqual(4);
    // 4:2:0: jpeg-js repeats chroma samples where libjpeg interpolates them ("fancy upsampling"), so
    // colour edges differ more (measured: mean 3.9, max 14 levels on this sharp-gradient test image)
    const sub = jpegError('jpeg420');
    expect(sub.mean).toBeLessThan(5);
    expect(sub.worst).toBeLessThanOrEqual(16);
  });

  it('round-trips PNG exactly for grey, RGB and RGBA, and through image tensors', () => {
    for (const c of [1, 3, 4]) {
      const img = pixels(7, 5, c);
      const back = D.decodeImage(D.encodePng(img), { mode: c === 1 ? 'L' : c === 3 ? 'RGB' : 'RGBA' });
      expect(Array.from(back.data)).toEqual(Array.from(img.data));
    }
    const t = D.toTensor(pixels(6, 4, 3, 2));
    const file = join(dir, 'roundtrip.png');
    D.writePng(file, t);
    const again = D.readImage(file);
    expect(again.shape).toEqual([3, 4, 6]);
    again.data.forEach((v, i) => expect(Math.abs(v - t.data[i])).toBeLessThan(1e-6));
  });

  it('errors name the file and say what is wrong', async () => {
    expect(() => D.decodeImage(new TextEncoder().encode('hello'), { name: 'notes.jpg' })).toThrow(/decodeImage: cannot decode notes.jpg: not a PNG or JPEG file \(first bytes 68 65 6c 6c\)/);
    expect(() => D.decodeImage(new Uint8Array(0), { name: 'empty.png' })).toThrow(/empty.png.*empty file/);
    const jpg = await jpegBytes(pixels(16, 16, 3));
    expect(() => D.decodeImage(jpg.subarray(0, jpg.length / 2), { name: 'half.jpg' })).toThrow(/cannot decode half.jpg \(JPEG\)/);
    const png = D.encodePng(pixels(8, 8, 3));
    expect(() => D.decodeImage(png.subarray(0, 40), { name: 'half.png' })).toThrow(/cannot decode half.png \(PNG\)/);
    expect(() => D.readImage(join(dir, 'missing.png'))).toThrow(/readImage: cannot read .*missing.png/);
  });

  it('damaged files (random truncation, byte flips) only ever throw an Error naming the file', async () => {
    const samples = { 'a.png': D.encodePng(pixels(9, 7, 3)), 'b.jpg': await jpegBytes(pixels(9, 7, 3)) };
    fc.assert(
      fc.property(fc.constantFrom('a.png', 'b.jpg'), fc.nat(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 4 }), fc.boolean(), (name, cut, flips, truncate) => {
        const bytes = samples[name as keyof typeof samples].slice();
        for (const [pos, x] of flips) bytes[pos % bytes.length] ^= x;
        const damaged = truncate ? bytes.subarray(0, cut % bytes.length) : bytes;
        try {
          const img = D.decodeImage(damaged, { name });
          expect(img.data.length).toBe(img.width * img.height * 3); // a flip in pixel data may still decode
        } catch (e) {
          expect(e).toBeInstanceOf(Error);
          expect((e as Error).message).toContain(name);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('IDX and MNIST files', () => {
  const images = Uint8Array.from({ length: 3 * 28 * 28 }, (_, i) => (i * 7) % 256);
  const labels = Uint8Array.of(3, 1, 4);

  it('round-trips, gzipped or not, and reads a folder of MNIST files', async () => {
    const { gzipSync } = await import('node:zlib');
    const idx = D.encodeIdx([3, 28, 28], images);
    expect(D.parseIdx(idx).dims).toEqual([3, 28, 28]);
    expect(Array.from(D.parseIdx(gzipSync(idx)).data)).toEqual(Array.from(images));
    const root = join(dir, 'mnist');
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 't10k-images-idx3-ubyte.gz'), gzipSync(idx));
    writeFileSync(join(root, 't10k-labels-idx1-ubyte'), D.encodeIdx([3], labels));
    const ds = D.readMNIST(root, { train: false });
    expect(ds.length).toBe(3);
    const [x, y] = ds.get(2);
    expect([x.shape, y]).toEqual([[1, 28, 28], 4]);
    expect(x.data[1]).toBeCloseTo(((2 * 784 + 1) * 7 % 256) / 255, 6);
    expect(() => D.readMNIST(root)).toThrow(/readMNIST: none of .*train-images-idx3-ubyte/);
  });

  it('truncated or damaged IDX data throws naming the file', () => {
    const idx = D.encodeIdx([3, 28, 28], images);
    expect(() => D.parseIdx(idx.subarray(0, 100), 'train-images')).toThrow(/train-images is truncated: dims \[3,28,28\] of uint8 need 2368 bytes, the file has 100/);
    expect(() => D.parseIdx(Uint8Array.of(1, 2, 3, 4), 'x.idx')).toThrow(/x.idx is not an IDX file/);
    expect(() => D.parseIdx(Uint8Array.of(0x1f, 0x8b, 0, 0), 'x.gz')).toThrow(/x.gz: damaged gzip data/);
    fc.assert(
      fc.property(fc.nat(), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 3 }), (cut, flips) => {
        const bytes = idx.slice(0, (cut % idx.length) + 1);
        for (const [p, x] of flips) bytes[p % bytes.length] ^= x;
        try {
          D.parseIdx(bytes, 'f.idx');
        } catch (e) {
          expect((e as Error).message).toContain('f.idx');
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('CIFAR-10 binary batches', () => {
  it('round-trips records and reads a batch folder', () => {
    const g = new Generator(3);
    const images = Uint8Array.from({ length: 4 * 3072 }, () => g.int(0, 256));
    const labels = Uint8Array.of(9, 0, 5, 2);
    const root = join(dir, 'cifar', 'cifar-10-batches-bin');
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'data_batch_1.bin'), D.encodeCifar10(images.subarray(0, 2 * 3072), labels.subarray(0, 2)));
    writeFileSync(join(root, 'data_batch_2.bin'), D.encodeCifar10(images.subarray(2 * 3072), labels.subarray(2)));
    const ds = D.readCIFAR10(join(dir, 'cifar'));
    expect(ds.length).toBe(4);
    const [x, y] = ds.get(3);
    expect([x.shape, y, ds.classes[y]]).toEqual([[3, 32, 32], 2, 'bird']);
    expect(x.data[1024]).toBeCloseTo(images[3 * 3072 + 1024] / 255, 6); // first green pixel
    expect(() => D.parseCifar10(new Uint8Array(3000), 'data_batch_9.bin')).toThrow(/data_batch_9.bin has 3000 bytes, not a whole number of 3073-byte records/);
    const bad = D.encodeCifar10(images.subarray(0, 3072), Uint8Array.of(0));
    bad[0] = 200;
    expect(() => D.parseCifar10(bad, 'x.bin')).toThrow(/x.bin: record 0 has label 200/);
    expect(() => D.readCIFAR10(dir, { train: false })).toThrow(/no test_batch.bin/);
  });
});

describe('ImageFolder and CsvImageDataset', () => {
  const root = join(dir, 'dogs');
  mkdirSync(join(root, 'train'), { recursive: true });
  const breeds = ['beagle', 'pug', 'beagle', 'akita', 'pug'];
  writeFileSync(join(root, 'labels.csv'), 'id,breed\n' + breeds.map((b, i) => `dog${i},${b}`).join('\n') + '\n');
  breeds.forEach((_, i) => writeFileSync(join(root, 'train', `dog${i}.png`), D.encodePng(pixels(6 + i, 5, 3, i))));
  const folder = join(dir, 'folder');
  for (const [cls, n] of [['cat', 2], ['dog', 3]] as const) {
    mkdirSync(join(folder, cls), { recursive: true });
    for (let i = 0; i < n; i++) writeFileSync(join(folder, cls, `${i}.png`), D.encodePng(pixels(4, 4, 3, i)));
    writeFileSync(join(folder, cls, 'notes.txt'), 'not an image');
  }

  it('ImageFolder: classes from sub-folders, sorted samples, decoded CHW images', () => {
    const ds = new D.ImageFolder(folder);
    expect(ds.classes).toEqual(['cat', 'dog']);
    expect(ds.classToIdx).toEqual({ cat: 0, dog: 1 });
    expect(ds.length).toBe(5);
    expect(ds.samples.map(([, y]) => y)).toEqual([0, 0, 1, 1, 1]);
    const [x, y] = ds.get(4);
    expect([x.shape, y]).toEqual([[3, 4, 4], 1]);
    expect(() => new D.ImageFolder(join(dir, 'nowhere'))).toThrow(/ImageFolder: cannot list .*nowhere/);
  });

  it('CsvImageDataset: the dog-breed pipeline in a few lines', () => {
    const all = new D.CsvImageDataset(root, { extension: '.png' });
    expect(all.classes).toEqual(['akita', 'beagle', 'pug']);
    expect(all.classToIdx.pug).toBe(2);
    expect(all.samples.map(([, y]) => all.classes[y])).toEqual(breeds);
    const { Compose, RandomHorizontalFlip, RandomRotation, ColorJitter, ResizeToSquare, Normalize, ToTensor } = D.transforms;
    const g = new Generator(0);
    const norm = new Normalize({ mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] });
    const trainTf = new Compose([new RandomHorizontalFlip({ generator: g }), new RandomRotation({ degrees: 30, generator: g }), new ColorJitter({ brightness: 0.5, hue: 0.2, generator: g }), new ResizeToSquare({ size: 8 }), new ToTensor(), norm]);
    const [tr, va] = D.randomSplit(all, [0.8, 0.2], { seed: 42 });
    const loader = new D.DataLoader(tr.map(trainTf), { batchSize: 2, shuffle: true, seed: 1 });
    const batches = [...loader];
    expect(batches.map(([x]) => x.shape)).toEqual([[2, 3, 8, 8], [2, 3, 8, 8]]);
    expect(va.length).toBe(1);
  });

  it('a missing or corrupt image names the file; the loader can skip it with a warning', () => {
    const broken = join(dir, 'broken');
    mkdirSync(join(broken, 'train'), { recursive: true });
    writeFileSync(join(broken, 'labels.csv'), 'id,breed\na,x\nb,y\nc,x\n');
    writeFileSync(join(broken, 'train', 'a.jpg'), new TextEncoder().encode('garbage'));
    writeFileSync(join(broken, 'train', 'c.jpg'), D.encodePng(pixels(3, 3, 3))); // a PNG named .jpg still decodes
    const ds = new D.CsvImageDataset(broken, { transform: new D.transforms.Resize({ size: [3, 3] }) });
    expect(() => ds.get(0)).toThrow(/cannot decode .*a\.jpg: not a PNG or JPEG/);
    expect(() => ds.get(1)).toThrow(/CsvImageDataset: cannot read .*b\.jpg/);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const batches = [...new D.DataLoader(ds, { batchSize: 3, skipErrors: true })];
    expect(batches.length).toBe(1);
    expect(batches[0][0].shape).toEqual([1, 3, 3, 3]);
    expect(warn).toHaveBeenCalledTimes(2);
    warn.mockRestore();
    writeFileSync(join(broken, 'bad.csv'), 'id,breed\na\n');
    expect(() => new D.CsvImageDataset(broken, { csv: join(broken, 'bad.csv') })).toThrow(/bad.csv line 2 should have an id and a label, got 'a'/);
    expect(() => new D.CsvImageDataset(broken, { labelColumn: 'dog' })).toThrow(/no column 'dog' for the label \(columns: id, breed\)/);
  });

  it('parses quoted CSV cells', () => {
    expect(D.parseLabelsCsv('id,label\n"a,1","say ""hi"""\n')).toEqual([['a,1', 'say "hi"']]);
  });
});

it('computeStats over decoded images agrees with a direct computation', async () => {
  const ds = new D.ImageFolder(join(dir, 'folder'));
  const stats = await D.computeStats(new D.DataLoader(ds, { batchSize: 2 }));
  const all = [...ds].map(([x]) => x);
  const red = all.flatMap((x) => Array.from(x.data.subarray(0, 16)));
  const mean = red.reduce((s, v) => s + v, 0) / red.length;
  expect(stats.mean[0]).toBeCloseTo(mean, 6);
  expect(all[0]).toBeInstanceOf(Tensor);
});

describe('DataLoader workers (decoding on worker threads)', () => {
  it('gives the same batches as the main thread, augmentation included, and skips broken files', async () => {
    const root = join(dir, 'workers');
    mkdirSync(join(root, 'a'), { recursive: true });
    mkdirSync(join(root, 'b'), { recursive: true });
    for (let i = 0; i < 7; i++) writeFileSync(join(root, i % 2 ? 'a' : 'b', `${i}.jpg`), await jpegBytes(pixels(20, 14, 3, i)));
    writeFileSync(join(root, 'b', 'png-inside.png'), D.encodePng(pixels(20, 14, 4, 9)));
    writeFileSync(join(root, 'a', 'zz-broken.jpg'), new TextEncoder().encode('not a jpeg'));
    const run = async (workers: number) => {
      const g = new Generator(5);
      const folder = new D.ImageFolder(root);
      const tf = new D.transforms.Compose([new D.transforms.RandomRotation({ degrees: 40, generator: g }), new D.transforms.Resize({ size: [8, 8] })]);
      // through randomSplit (a Subset) and map: wrappers pass the decoding-ahead on to the folder
      const ds = D.randomSplit(folder, [1], { seed: 0 })[0].map(tf);
      const skipped: number[] = [];
      const loader = new D.DataLoader(ds, { batchSize: 3, shuffle: true, seed: 2, workers, skipErrors: true, onSkip: (i, e) => skipped.push(i) && expect(e.message).toMatch(/zz-broken.jpg: not a PNG or JPEG/) });
      const out: number[][] = [];
      for await (const [x, y] of loader) out.push([...Array.from(y.data), ...Array.from(x.data)]);
      await loader.close();
      return { out, skipped };
    };
    const decodes = vi.spyOn(DecodePool.prototype, 'decodeFile');
    const main = await run(0);
    expect(decodes).not.toHaveBeenCalled();
    const threaded = await run(2);
    expect(decodes).toHaveBeenCalledTimes(9);
    decodes.mockRestore();
    expect(main.skipped).toEqual([3]);
    expect(threaded.skipped).toEqual(main.skipped);
    expect(threaded.out).toEqual(main.out);
  });
});

describe('downloads and archives', () => {
  it('tar archives round-trip (the CIFAR-10 download is one)', async () => {
    const entries = [{ name: 'cifar-10-batches-bin/data_batch_1.bin', data: Uint8Array.from({ length: 3073 * 2 }, (_, i) => i % 10) }, { name: 'readme.html', data: new Uint8Array(0) }];
    const { gzipSync } = await import('node:zlib');
    const back = D.readTar(gzipSync(D.writeTar(entries)), 'cifar.tar.gz');
    expect(back.map((e) => [e.name, e.data.length])).toEqual([['cifar-10-batches-bin/data_batch_1.bin', 6146], ['readme.html', 0]]);
    expect(Array.from(back[0].data.subarray(0, 12))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    expect(() => D.readTar(D.writeTar(entries).subarray(0, 1024), 'cut.tar')).toThrow(/cut.tar is truncated inside cifar-10-batches-bin\/data_batch_1.bin/);
  });

  it('download fails with the URL and a clear reason when nothing answers', async () => {
    await expect(D.download('http://127.0.0.1:9/train-images-idx3-ubyte.gz', join(dir, 'never.gz'))).rejects.toThrow(/download: cannot fetch http:\/\/127.0.0.1:9\/train-images-idx3-ubyte.gz \(no network here\?/);
  });
});

describe('UrlImageDataset (browser-style async loading)', () => {
  it('loads ahead asynchronously and transforms in sample order, skipping what fails', async () => {
    const { readFile } = await import('node:fs/promises');
    const files = [0, 1, 2, 3, 4].map((i) => {
      const f = join(dir, `url${i}.png`);
      writeFileSync(f, D.encodePng(pixels(5 + i, 4, 3, i)));
      return f;
    });
    const items: [string, string][] = files.map((f, i) => [f, i % 2 ? 'cat' : 'dog']);
    items.push([join(dir, 'nope.png'), 'cat']);
    const run = async () => {
      const g = new Generator(3);
      const ds = new D.UrlImageDataset(items, {
        transform: new D.transforms.Compose([new D.transforms.RandomRotation({ degrees: 90, generator: g }), new D.transforms.Resize({ size: [4, 4] })]),
        // a random delay per file, so loads finish out of order
        fetchBytes: async (url) => (await new Promise((r) => setTimeout(r, Math.random() * 5)), new Uint8Array(await readFile(url))),
      });
      const skipped: string[] = [];
      const out: number[] = [];
      for await (const [x, y] of new D.DataLoader(ds, { batchSize: 2, shuffle: true, seed: 4, skipErrors: true, onSkip: (_, e) => skipped.push(e.message) })) out.push(...y.data, ...x.data);
      return { out, skipped, classes: ds.classes };
    };
    const a = await run();
    expect(a.classes).toEqual(['cat', 'dog']);
    expect(a.skipped).toEqual([expect.stringMatching(/UrlImageDataset: cannot load .*nope.png/)]);
    expect((await run()).out).toEqual(a.out);
    const ds = new D.UrlImageDataset([[files[0], 0]], { fetchBytes: async (u) => new Uint8Array(await readFile(u)) });
    expect(() => ds.get(0)).toThrow(/is not loaded yet; iterate with `for await/);
    expect((await ds.load(0))[0].shape).toEqual([3, 4, 5]);
    expect(() => new D.UrlImageDataset([['a.png', 'dog']], { classes: ['cat'] })).toThrow(/item 0 \(a.png\) has label "dog", not one of the classes \["cat"\]/);
  });
});
