// The dataset container formats read strictly and within bounds: IDX files read through Node (every element
// type), tar headers as GNU tar reads them, CSV as Python's csv in strict mode, and declared sizes checked
// before anything is allocated. Each reported problem is a test here; fuzz-formats.test.ts mutates files.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import * as D from '../../data/index.js';

const dir = mkdtempSync(join(tmpdir(), 'typegrad-formats-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** IDX bytes written here, independently of encodeIdx: magic 00 00 type ndim, big-endian dims and values. */
function idxBytes(type: number, dims: number[], values: number[]): Uint8Array {
  const size = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 }[type]!;
  const out = new Uint8Array(4 + 4 * dims.length + size * values.length);
  const v = new DataView(out.buffer);
  out.set([0, 0, type, dims.length]);
  dims.forEach((d, k) => v.setUint32(4 + 4 * k, d, false));
  const at = 4 + 4 * dims.length;
  const put = { 0x08: v.setUint8, 0x09: v.setInt8, 0x0b: v.setInt16, 0x0c: v.setInt32, 0x0d: v.setFloat32, 0x0e: v.setFloat64 }[type]!;
  values.forEach((x, i) => put.call(v, at + i * size, x, false));
  return out;
}

describe('IDX files read through Node', () => {
  const cases: [string, number, number[], Function][] = [
    ['uint8', 0x08, [0, 1, 127, 128, 255], Uint8Array],
    ['int8', 0x09, [-128, -1, 0, 1, 127], Int8Array],
    ['int16', 0x0b, [-32768, -2, 0, 258, 32767], Int16Array],
    ['int32', 0x0c, [-(2 ** 31), -1, 0, 16909060, 2 ** 31 - 1], Int32Array],
    ['float32', 0x0d, [0.5, -0, Infinity, -3.25, 1e-40], Float32Array],
    ['float64', 0x0e, [1 / 3, -1e300, 5e-324, -0, NaN], Float64Array],
  ];
  for (const [type, code, values, ctor] of cases) {
    it(`${type}: readIdxFile gives the 5 values, in memory of their own (gzipped too)`, () => {
      const file = join(dir, `values-${type}.idx`);
      writeFileSync(file, idxBytes(code, [5], values));
      writeFileSync(file + '.gz', gzipSync(idxBytes(code, [5], values)));
      for (const f of [file, file + '.gz']) {
        const { dims, data } = D.readIdxFile(f);
        expect(dims).toEqual([5]);
        expect(data).toBeInstanceOf(ctor);
        expect(data.length).toBe(5); // the int8 bug: 8192 values, Node's whole buffer pool
        expect(data.buffer.byteLength).toBe(data.byteLength); // not a view into a Buffer pool
        const want = code === 0x0d ? Array.from(Float32Array.from(values)) : values;
        expect(Array.from(data as ArrayLike<number>)).toEqual(want);
      }
      // the same bytes as a (pooled) Node Buffer, the way readFileSync returns small files
      expect(Array.from(D.parseIdx(readFileSync(file), file).data as ArrayLike<number>)).toHaveLength(5);
    });
  }

  it('an int8 IDX in the middle of a Node Buffer pool gives its own bytes', () => {
    const pooled = Buffer.from(idxBytes(0x09, [3], [-5, 6, -7])); // Buffer.from copies small arrays into the pool
    expect(pooled.byteOffset > 0 || pooled.buffer.byteLength > pooled.length).toBe(true);
    expect(Array.from(D.parseIdx(pooled, 'pooled.idx').data)).toEqual([-5, 6, -7]);
  });

  it('encodeIdx writes every element type, and parseIdx reads it back', () => {
    for (const a of [Int8Array.of(-1, 2), Int16Array.of(-300, 2), Int32Array.of(-70000, 2), Float32Array.of(0.25, -2), Float64Array.of(Math.PI, -2)]) {
      const back = D.parseIdx(D.encodeIdx([2], a));
      expect(back.data).toEqual(a);
    }
  });

  it('declared sizes are checked against the file and the limits before allocating', () => {
    const huge = idxBytes(0x08, [0xffffffff, 0xffffffff, 0xffffffff], []);
    expect(() => D.parseIdx(huge, 'huge.idx')).toThrow(/huge.idx declares dims \[4294967295,4294967295,4294967295\] of uint8, more than the limit of 268435456 values/);
    expect(() => D.parseIdx(idxBytes(0x0e, [1 << 20], []), 'big.idx', { maxElements: 1000 })).toThrow(/big.idx declares dims \[1048576\] of float64, more than the limit of 1000 values/);
    expect(() => D.parseIdx(idxBytes(0x0e, [200000], []), 'bytes.idx', { maxBytes: 1e6 })).toThrow(/bytes.idx .*1000000 bytes/);
    expect(() => D.parseIdx(idxBytes(0x0c, [3], [1, 2]), 'short.idx')).toThrow(/short.idx is truncated: dims \[3\] of int32 need 20 bytes, the file has 16/);
    expect(() => D.parseIdx(Uint8Array.from([...idxBytes(0x08, [2], [1, 2]), 0]), 'long.idx')).toThrow(/long.idx is too long: dims \[2\] of uint8 need 10 bytes, the file has 11/);
    expect(() => D.parseIdx(Uint8Array.of(0, 0, 0x08, 0), 'nodims.idx')).toThrow(/nodims.idx declares 0 dims/);
    expect(() => D.parseIdx(Uint8Array.of(0, 0, 0x0a, 1, 0, 0, 0, 0), 'type.idx')).toThrow(/type.idx has unknown element type 0x0a/);
    expect(D.parseIdx(idxBytes(0x0b, [0, 7], [])).data).toEqual(new Int16Array(0));
  });

  it('a gzip bomb is refused with the file name, not unpacked', () => {
    const bomb = gzipSync(new Uint8Array(8 << 20)); // 8 MiB of zeros in ~8 KB
    expect(() => D.parseIdx(bomb, 'bomb.idx.gz', { maxBytes: 1 << 20 })).toThrow(/bomb.idx.gz: gzip data unpacks to more than \d+ bytes, the limit/);
    expect(() => D.readTar(bomb, 'bomb.tar.gz', { maxBytes: 1 << 20 })).toThrow(/bomb.tar.gz: gzip data unpacks to more than 1048576 bytes/);
  });
});

describe('CIFAR-10 batches', () => {
  it('reads records from a pooled Buffer and checks labels and whole records', () => {
    const rec = Uint8Array.from({ length: 3073 }, (_, i) => (i === 0 ? 9 : i % 256));
    const { images, labels } = D.parseCifar10(Buffer.from(rec), 'one.bin');
    expect([Array.from(labels), images.length, images[0], images[3071]]).toEqual([[9], 3072, 1, 3072 % 256]);
    rec[0] = 10;
    expect(() => D.parseCifar10(rec, 'ten.bin')).toThrow(/ten.bin: record 0 has label 10, expected 0 … 9/);
    expect(() => D.parseCifar10(rec.subarray(0, 3072), 'cut.bin')).toThrow(/cut.bin has 3072 bytes, not a whole number of 3073-byte records/);
  });
});

// ------------------------------------------------------------------ tar

const enc = (s: string) => new TextEncoder().encode(s);

/** Sets header bytes (at `off`, field offset `at`) and recomputes that header's checksum as tar writers do. */
function edit(tar: Uint8Array, off: number, at: number, bytes: Uint8Array | string, fixSum = true): Uint8Array {
  const out = tar.slice();
  out.set(typeof bytes === 'string' ? Uint8Array.from(bytes, (c) => c.charCodeAt(0)) : bytes, off + at);
  if (fixSum) {
    out.fill(0x20, off + 148, off + 156);
    const sum = out.subarray(off, off + 512).reduce((s, b) => s + b, 0);
    out.set(enc(sum.toString(8).padStart(6, '0') + '\0 '), off + 148);
  }
  return out;
}

describe('tar archives, read as GNU tar reads them', () => {
  const a = { name: 'dir/a.bin', data: Uint8Array.from({ length: 1234 }, (_, i) => i % 251) };
  const b = { name: 'b.txt', data: enc('bee\n') };
  const tar = D.writeTar([a, b]); // a at 0 (data 512..1746, padded to 2048), b at 2048, end at 3072
  const names = (entries: D.TarEntry[]) => entries.map((e) => [e.name, e.data.length]);

  it('verifies header checksums (the historic signed sum too)', () => {
    expect(names(D.readTar(tar, 'ok.tar'))).toEqual([['dir/a.bin', 1234], ['b.txt', 4]]);
    const flipped = tar.slice();
    flipped[2048] ^= 0x01; // 'b.txt' → 'c.txt' without a new checksum
    expect(() => D.readTar(flipped, 'flip.tar')).toThrow(/readTar: flip.tar: the header at byte 2048 has checksum \d+, its bytes sum to \d+/);
    expect(() => D.readTar(edit(tar, 0, 148, '        ', false), 'blank.tar')).toThrow(/blank.tar: the header at byte 0 has checksum field/);
    // bytes >= 128 in the header: a historic tar summed them as signed chars
    const high = edit(tar, 2048, 500, Uint8Array.of(0xff, 0xfe), false);
    let signed = 0;
    high.subarray(2048, 2560).forEach((x, k) => (signed += k >= 148 && k < 156 ? 0x20 : x < 128 ? x : x - 256));
    expect(names(D.readTar(edit(high, 2048, 148, signed.toString(8).padStart(6, '0') + '\0 ', false), 'signed.tar'))).toEqual(names([a, b]));
  });

  it('reads size fields as GNU tar does: leading spaces or a NUL, base-256; anything else is an error', () => {
    for (const size of ['       2322\0', '   2322     ', '\0    0002322', '2322 garbage', '00000002322']) {
      expect(names(D.readTar(edit(tar, 0, 124, size), 'sized.tar'))).toEqual(names([a, b]));
    }
    expect(names(D.readTar(edit(tar, 0, 124, Uint8Array.of(0x80, ...new Array(9).fill(0), 0x04, 0xd2)), 'b256.tar'))).toEqual(names([a, b]));
    expect(() => D.readTar(edit(tar, 0, 124, '00000002322x'), 'x.tar')).toThrow(/x.tar: the header at byte 0 has a malformed size field "00000002322x"/);
    expect(() => D.readTar(edit(tar, 0, 124, '            '), 'blanks.tar')).toThrow(/blanks.tar: the header at byte 0 has a malformed size field/);
    expect(() => D.readTar(edit(tar, 0, 136, '0000x000000\0'), 'mtime.tar')).toThrow(/mtime.tar: the header at byte 0 has a malformed mtime field/);
  });

  it("keeps types '0', '\\0', '7' (contiguous) and unknown types as files; skips directories and links", () => {
    expect(names(D.readTar(edit(tar, 2048, 156, '7'), 't7.tar'))).toEqual(names([a, b]));
    expect(names(D.readTar(edit(tar, 2048, 156, '\0'), 't0.tar'))).toEqual(names([a, b]));
    expect(names(D.readTar(edit(tar, 2048, 156, 'Q'), 'tq.tar'))).toEqual(names([a, b]));
    expect(names(D.readTar(edit(tar, 0, 156, '2'), 'sym.tar'))).toEqual([['b.txt', 4]]); // a symlink's data is skipped
    expect(() => D.readTar(edit(tar, 0, 156, '5'), 'dir.tar')).toThrow(/dir.tar: the header at byte 0: "dir\/a.bin" is a directory with 1234 bytes of data/);
    expect(() => D.readTar(edit(tar, 0, 156, 'S'), 'sparse.tar')).toThrow(/sparse.tar: .* GNU sparse file/);
    expect(() => D.readTar(edit(tar, 2048, 0, '../up\0'), 'up.tar')).toThrow(/up.tar: .*"..\/up" contains '..'/);
    expect(D.readTar(edit(tar, 2048, 0, '/abs\0'), 'abs.tar')[1].name).toBe('abs'); // as GNU tar: leading '/' removed
  });

  it('a truncated archive is an error: inside a member, its padding or a header; a missing end block is fine', () => {
    expect(() => D.readTar(tar.subarray(0, 1024), 'cut.tar')).toThrow(/cut.tar is truncated inside dir\/a.bin \(the header at byte 0 declares 1234 bytes, padded to 1536; 512 remain\)/);
    expect(() => D.readTar(tar.subarray(0, 1800), 'pad.tar')).toThrow(/pad.tar is truncated inside dir\/a.bin/);
    expect(() => D.readTar(tar.subarray(0, 2100), 'hdr.tar')).toThrow(/hdr.tar is truncated: 52 bytes of a 512-byte header at byte 2048/);
    expect(names(D.readTar(tar.subarray(0, 3072), 'noend.tar'))).toEqual(names([a, b])); // GNU tar: no complaint
    expect(names(D.readTar(tar.subarray(0, 3072 + 300), 'shortend.tar'))).toEqual(names([a, b])); // a short zero tail
    expect(names(D.readTar(gzipSync(tar), 'ok.tar.gz'))).toEqual(names([a, b]));
    expect(() => D.readTar(gzipSync(tar).subarray(0, 100), 'cut.tar.gz')).toThrow(/cut.tar.gz: damaged gzip data/);
  });

  it('pax path and size records and GNU long names name the next member', () => {
    const long = 'p'.repeat(120) + '/long.bin';
    const record = (k: string, v: string) => {
      const body = `${k}=${v}\n`; // the length counts itself: find the number of digits that fits
      for (let d = 1; ; d++) if (String(d + 1 + body.length).length === d) return `${d + 1 + body.length} ${body}`;
    };
    const paxData = enc(record('path', long));
    const pax = D.writeTar([{ name: 'PaxHeaders/x', data: paxData }, { name: 'short', data: enc('pax member') }]);
    const withType = edit(pax, 0, 156, 'x');
    expect(D.readTar(withType, 'pax.tar').map((e) => e.name)).toEqual([long]);
    const gnu = edit(D.writeTar([{ name: '././@LongLink', data: enc(long + '\0') }, { name: 'short', data: enc('gnu') }]), 0, 156, 'L');
    expect(D.readTar(gnu, 'gnu.tar').map((e) => [e.name, new TextDecoder().decode(e.data)])).toEqual([[long, 'gnu']]);
    const bad = withType.slice();
    bad[512] = 0x39; // the record's length digit
    expect(() => D.readTar(bad, 'badpax.tar')).toThrow(/badpax.tar: the header at byte 0 \(pax\): .*pax record/);
    const latin1 = withType.slice();
    latin1[512 + paxData.length - 3] = 0xff; // inside the path value
    expect(() => D.readTar(latin1, 'latin1.tar')).toThrow(/latin1.tar: the header at byte 0 \(pax\): pax record at byte 0 is not UTF-8/);
    // an 'x' header with nothing after it describes nothing: GNU tar does not read it
    expect(D.readTar(edit(D.writeTar([{ name: 'x', data: enc('not records') }]), 0, 156, 'x'), 'lastx.tar')).toEqual([]);
  });

  it('an archive without one whole block is not a tar archive; only zero blocks is an empty one', () => {
    expect(() => D.readTar(new Uint8Array(0), 'empty.tar')).toThrow(/empty.tar is not a tar archive: 0 bytes/);
    expect(() => D.readTar(new Uint8Array(100), 'short.tar')).toThrow(/short.tar is not a tar archive: 100 bytes/);
    expect(D.readTar(new Uint8Array(1024), 'zeros.tar')).toEqual([]);
  });
});

// ------------------------------------------------------------------ CSV

describe('CSV as RFC 4180 / Python csv (strict=True)', () => {
  it('reads quoted fields, doubled quotes, CRLF or LF, quoted line breaks', () => {
    expect(D.parseCsv('id,label\r\n"a,1","say ""hi"""\r\nb,"two\nlines"\n')).toEqual([['id', 'label'], ['a,1', 'say "hi"'], ['b', 'two\nlines']]);
    expect(D.parseCsv('a,b\n\nc,\n')).toEqual([['a', 'b'], [], ['c', '']]); // a blank line is [], as in Python
    expect(D.parseCsv('a,b')).toEqual([['a', 'b']]);
  });

  it('an unterminated quote, a stray quote, text after a closing quote and a lone CR are errors with line and column', () => {
    expect(() => D.parseCsv('id,label\nx,"open\n', 'u.csv')).toThrow(/parseCsv: u.csv line 2, column 3: unterminated quoted field/);
    expect(() => D.parseCsv('id,label\nx,ab"c\n', 's.csv')).toThrow(/s.csv line 2, column 5: a quote inside an unquoted field/);
    expect(() => D.parseCsv('id,label\n"x"y,1\n', 'c.csv')).toThrow(/c.csv line 2, column 4: "y" after the closing quote/);
    expect(() => D.parseCsv('id,label\rx,1\n', 'cr.csv')).toThrow(/cr.csv line 1, column 10: new-line character .* seen in an unquoted field/);
  });

  it('parseLabelsCsv: the same errors with its prefix; a lone CR never merges a row into the header', () => {
    expect(() => D.parseLabelsCsv('id,label\rdog0,pug\ndog1,akita\n', { name: 'cr.csv' })).toThrow(/^CsvImageDataset: cr.csv line 1, column 10: new-line character/);
    expect(() => D.parseLabelsCsv('id,label\ndog0,"pug\n', { name: 'q.csv' })).toThrow(/^CsvImageDataset: q.csv line 2, column 6: unterminated quoted field/);
    expect(() => D.parseLabelsCsv('id,label\ndog0,p"ug\n', { name: 'sq.csv' })).toThrow(/^CsvImageDataset: sq.csv line 2, column 7: a quote inside an unquoted field/);
    expect(D.parseLabelsCsv('\uFEFFid,label\r\n\r\n dog0 , pug \r\n"dog,1",akita\r\n')).toEqual([['dog0', 'pug'], ['dog,1', 'akita']]);
    expect(() => D.parseLabelsCsv('id,label\n\ndog0\n', { name: 'l.csv' })).toThrow(/CsvImageDataset: l.csv line 3 should have an id and a label, got 'dog0'/);
  });
});
