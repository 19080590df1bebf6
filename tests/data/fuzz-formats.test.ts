// Mutated dataset files (IDX, CIFAR-10, tar / tar.gz, CSV) read by typegrad and compared with strict
// references. Two parts:
// 1. the committed set from tests/fixtures/data/formats/make_format_fuzz.py, whose outcomes come from
//    the real references (GNU tar, Python's csv in strict mode, the IDX/CIFAR rules decoded in Python);
// 2. fast-check properties that mutate files here, against small independent decoders in this file.
// Every case must be a clean Error naming the file, or data equal to the reference's: never data where
// the reference fails or different data ("silent wrong"), never a non-Error or an Error without the
// file's name ("crash"), never slower than a per-case limit ("hang").

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as D from '../../data/index.js';

type Op = ['x', number, number] | ['s', number, string] | ['i', number, string] | ['d', number, number] | ['z', number, number] | ['t', number] | ['c', number];
type Ref = { error: string } | Record<string, unknown>;
interface BinarySet {
  bases: string[];
  cases: { base: number; ops: Op[]; gzip?: boolean; ref: Ref }[];
}
// FORMAT_FUZZ_JSON=<file> reads a larger set made with make_format_fuzz.py --scale/--seed/--out instead
const fuzz = JSON.parse(readFileSync(process.env.FORMAT_FUZZ_JSON ?? new URL('../fixtures/data/formats/format_fuzz.json', import.meta.url), 'utf8')) as {
  idx: BinarySet;
  cifar: BinarySet;
  tar: BinarySet;
  csv: { cases: { text: string; ref: { error: string } | { rows: string[][] } }[] };
};

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));
const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** The edits of make_format_fuzz.py's apply(), the same way. */
function apply(base: Uint8Array, ops: Op[]): Uint8Array {
  let b = Array.from(base);
  for (const op of ops) {
    if (op[0] === 'x') {
      if (op[1] < b.length) b[op[1]] ^= op[2];
    } else if (op[0] === 's') {
      const v = Array.from(unhex(op[2])).slice(0, Math.max(0, b.length - op[1]));
      b.splice(op[1], v.length, ...v);
    } else if (op[0] === 'i') b.splice(op[1], 0, ...unhex(op[2]));
    else if (op[0] === 'z') b.splice(op[1], 0, ...new Array<number>(op[2]).fill(0));
    else if (op[0] === 'd') b.splice(op[1], op[2]);
    else if (op[0] === 't') b = b.slice(0, op[1]);
    else if (op[1] + 512 <= b.length) {
      const o = op[1];
      b.splice(o + 148, 8, ...new Array<number>(8).fill(0x20));
      const sum = b.slice(o, o + 512).reduce((s, x) => s + x, 0);
      b.splice(o + 148, 8, ...Buffer.from(sum.toString(8).padStart(6, '0') + '\0 ', 'latin1'));
    }
  }
  return Uint8Array.from(b);
}

type Outcome = 'clean error' | 'correct load' | 'silent wrong' | 'crash' | 'hang';
const HANG_MS = 500;

class Tally {
  counts: Record<Outcome, number> = { 'clean error': 0, 'correct load': 0, 'silent wrong': 0, crash: 0, hang: 0 };
  /** reference loaded but typegrad refused: fine, but listed to keep it small */
  refused: string[] = [];
  bad: string[] = [];

  constructor(readonly format: string) {}

  /** Runs one case: `read` returns typegrad's result in the reference's terms, `ref` is the reference outcome. */
  run(name: string, read: () => unknown, ref: Ref): Outcome {
    const t0 = performance.now();
    let got: unknown;
    let outcome: Outcome;
    let error = '';
    try {
      got = read();
      outcome = 'error' in ref ? 'silent wrong' : JSON.stringify(got) === JSON.stringify(ref) ? 'correct load' : 'silent wrong';
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
      outcome = e instanceof Error && e.message.includes(name) ? 'clean error' : 'crash';
      if (outcome === 'clean error' && !('error' in ref)) this.refused.push(`${name}: ${error.slice(0, 200)}`);
    }
    if (performance.now() - t0 > HANG_MS) outcome = 'hang';
    this.counts[outcome]++;
    if (outcome !== 'clean error' && outcome !== 'correct load') {
      this.bad.push(`${outcome} ${name}: reference ${JSON.stringify(ref).slice(0, 300)}, typegrad ${error || JSON.stringify(got).slice(0, 300)}`);
    }
    return outcome;
  }

  report(): void {
    const c = this.counts;
    console.log(`${this.format}: ${Object.values(c).reduce((a, b) => a + b, 0)} cases — clean errors ${c['clean error']} (of which the reference loads ${this.refused.length}), correct loads ${c['correct load']}, silent wrong ${c['silent wrong']}, crash ${c.crash}, hang ${c.hang}`);
    // where typegrad refuses what the reference loads, by kind of message (numbers and quoted text elided)
    const kinds = new Map<string, number>();
    for (const r of this.refused) {
      const kind = r.replace(/^[^:]*: /, '').replace(/fuzz[-_][^ :]*/g, '<file>').replace(/"(?:[^"\\]|\\.)*"/g, '"…"').replace(/\d+/g, 'N').slice(0, 140);
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    for (const [kind, n] of kinds) console.log(`  ${n} x refused where the reference loads: ${kind}`);
    expect(this.bad).toEqual([]);
  }
}

const IDX_CODE = new Map<unknown, number>([
  [Uint8Array, 0x08],
  [Int8Array, 0x09],
  [Int16Array, 0x0b],
  [Int32Array, 0x0c],
  [Float32Array, 0x0d],
  [Float64Array, 0x0e],
]);

/** An IDX result in the fixture's terms: floats as 'nan' or the hex of their float64 bits. */
function idxResult(a: D.IdxArray) {
  const code = IDX_CODE.get(a.data.constructor)!;
  const f64 = new DataView(new ArrayBuffer(8));
  const key = (v: number) => (code < 0x0d ? v : Number.isNaN(v) ? 'nan' : (f64.setFloat64(0, v), hex(new Uint8Array(f64.buffer))));
  return { dims: a.dims, type: code, values: Array.from(a.data as ArrayLike<number>, key) };
}

function cifarResult(r: { images: Uint8Array; labels: Uint8Array }) {
  return { labels: Array.from(r.labels), sha256: sha256(r.images) };
}

function tarResult(entries: D.TarEntry[]) {
  return { members: entries.map((e) => [hex(new TextEncoder().encode(e.name)), sha256(e.data)]) };
}

describe('the committed fuzz set (references: Python, GNU tar)', () => {
  it('IDX: every mutation is a clean error or decodes exactly as the format says', () => {
    const t = new Tally('IDX');
    const bases = fuzz.idx.bases.map((b) => Uint8Array.from(Buffer.from(b, 'base64')));
    fuzz.idx.cases.forEach((c, k) => {
      const name = `fuzz-${k}.idx`;
      // through a Node Buffer, as readFileSync gives: small ones are views into the shared pool
      t.run(name, () => idxResult(D.parseIdx(Buffer.from(apply(bases[c.base], c.ops)), name)), c.ref);
    });
    t.report();
  });

  it('CIFAR-10: every mutation is a clean error or the same records', () => {
    const t = new Tally('CIFAR-10');
    const bases = fuzz.cifar.bases.map((b) => Uint8Array.from(Buffer.from(b, 'base64')));
    fuzz.cifar.cases.forEach((c, k) => {
      const name = `fuzz_batch_${k}.bin`;
      t.run(name, () => cifarResult(D.parseCifar10(Buffer.from(apply(bases[c.base], c.ops)), name)), c.ref);
    });
    t.report();
  });

  it('tar and tar.gz: every mutation is a clean error or the files GNU tar extracts', () => {
    const t = new Tally('tar');
    const bases = fuzz.tar.bases.map((b) => Uint8Array.from(Buffer.from(b, 'base64')));
    fuzz.tar.cases.forEach((c, k) => {
      const bytes = apply(bases[c.base], c.ops);
      const gz = c.gzip || bytes[0] === 0x1f;
      const name = `fuzz-${k}.tar${gz ? '.gz' : ''}`;
      t.run(name, () => tarResult(D.readTar(c.gzip ? gzipSync(bytes) : Buffer.from(bytes), name)), c.ref);
    });
    t.report();
  });

  it('CSV: every mutation is a clean error or the rows of Python csv (strict=True)', () => {
    const t = new Tally('CSV');
    const labels = new Tally('CSV labels');
    const ref = new Tally('CSV in-test reference vs Python');
    fuzz.csv.cases.forEach((c, k) => {
      const name = `fuzz-${k}.csv`;
      t.run(name, () => ({ rows: D.parseCsv(c.text, name) }), c.ref);
      const pairs = 'rows' in c.ref ? labelsFromRows(c.ref.rows) : null;
      labels.run(name, () => ({ pairs: D.parseLabelsCsv(c.text, { name }) }), pairs ? { pairs } : { error: 'no labels' });
      // the small reference of the properties below agrees with Python too (where it does not refuse)
      ref.run(name, () => ({ rows: referenceCsv(c.text, name) }), c.ref);
    });
    t.report();
    labels.report();
    ref.report();
  });
});

/** What parseLabelsCsv should return for Python's rows: blank rows skipped, cells trimmed, id and label required. */
function labelsFromRows(rows: string[][]): [string, string][] | null {
  const kept = rows.filter((r) => !(r.length === 0 || (r.length === 1 && r[0].trim() === ''))).map((r) => r.map((s) => s.trim()));
  if (kept.length < 2 || kept.slice(1).some((r) => r.length < 2 || r[0] === '' || r[1] === '')) return null;
  return kept.slice(1).map((r) => [r[0], r[1]]);
}

/**
 * An independent strict CSV reader for the properties, by regular expressions: a record is fields split
 * by commas, a field is "…" (with "") or a run without quotes, commas, CR or LF, a record ends at CR* LF or
 * CR* at the end of the text; a line of only CR* LF is an empty record (Python's []).
 */
function referenceCsv(text: string, name: string): string[][] {
  const rows: string[][] = [];
  const quoted = /"((?:[^"]|"")*)"/y;
  const plain = /[^",\r\n]*/y;
  const end = /\r*(?:\n|$)/y;
  const at = (re: RegExp, i: number) => ((re.lastIndex = i), re.exec(text));
  let i = 0;
  while (i < text.length) {
    const blank = at(end, i);
    if (blank && blank[0].length > 0) {
      rows.push([]);
      i += blank[0].length;
      continue;
    }
    const row: string[] = [];
    for (;;) {
      const m = text[i] === '"' ? at(quoted, i) : at(plain, i);
      if (!m) throw new Error(`${name}: unterminated quote at ${i}`);
      row.push(text[i] === '"' ? m[1].replace(/""/g, '"') : m[0]);
      i += m[0].length;
      if (text[i] === ',') {
        i++;
        continue;
      }
      const e = at(end, i);
      if (!e || (e[0].length === 0 && i < text.length)) throw new Error(`${name}: unexpected ${JSON.stringify(text[i])} at ${i}`);
      i += e[0].length;
      break;
    }
    rows.push(row);
  }
  return rows;
}

// ------------------------------------------------------------------ properties, references in this file

/** Edits of a byte array: bit flips, byte changes, truncation, insertions, deletions. */
const byteEdits = fc.array(
  fc.oneof(
    fc.tuple(fc.constant('flip' as const), fc.nat(), fc.integer({ min: 0, max: 7 })),
    fc.tuple(fc.constant('set' as const), fc.nat(), fc.integer({ min: 0, max: 255 })),
    fc.tuple(fc.constant('cut' as const), fc.nat(), fc.constant(0)),
    fc.tuple(fc.constant('ins' as const), fc.nat(), fc.integer({ min: 0, max: 255 })),
    fc.tuple(fc.constant('del' as const), fc.nat(), fc.integer({ min: 1, max: 8 })),
  ),
  { minLength: 1, maxLength: 4 },
);

function edit(bytes: Uint8Array, edits: [string, number, number][]): Uint8Array {
  const b = Array.from(bytes);
  for (const [kind, p0, v] of edits) {
    const p = p0 % (b.length + 1);
    if (kind === 'flip' && p < b.length) b[p] ^= 1 << v;
    else if (kind === 'set' && p < b.length) b[p] = v;
    else if (kind === 'cut') b.length = p;
    else if (kind === 'ins') b.splice(p, 0, v);
    else if (kind === 'del') b.splice(p, v);
  }
  return Uint8Array.from(b);
}

/** Throws unless `read` either fails cleanly naming `name` or returns what `reference` returns (or both fail). */
function agree<T>(name: string, read: () => T, reference: () => T | null): void {
  const want = reference();
  let got: T;
  try {
    got = read();
  } catch (e) {
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).toContain(name);
    return;
  }
  expect(want).not.toBeNull();
  expect(JSON.stringify(got)).toBe(JSON.stringify(want));
}

/** IDX by the format's rules, for the properties. */
function referenceIdx(b: Uint8Array) {
  const size = { 8: 1, 9: 1, 11: 2, 12: 4, 13: 4, 14: 8 }[b[2]];
  if (b.length < 4 || b[0] !== 0 || b[1] !== 0 || !size || b[3] === 0 || b.length < 4 + 4 * b[3]) return null;
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const dims = Array.from({ length: b[3] }, (_, k) => v.getUint32(4 + 4 * k));
  const head = 4 + 4 * dims.length;
  if (b.length !== head + dims.reduce((a, d) => a * d, 1) * size) return null;
  const get = { 8: v.getUint8, 9: v.getInt8, 11: v.getInt16, 12: v.getInt32, 13: v.getFloat32, 14: v.getFloat64 }[b[2] as 8]!.bind(v);
  const f64 = new DataView(new ArrayBuffer(8));
  const values = Array.from({ length: (b.length - head) / size }, (_, i) => get(head + i * size)).map((x) => (b[2] < 13 ? x : Number.isNaN(x) ? 'nan' : (f64.setFloat64(0, x), hex(new Uint8Array(f64.buffer)))));
  return { dims, type: b[2], values };
}

describe('fast-check properties (references in this file)', () => {
  const arrays: D.IdxArray['data'][] = [
    Uint8Array.of(0, 1, 255, 7, 9, 200),
    Int8Array.of(-128, -1, 0, 1, 127, 5),
    Int16Array.of(-32768, -1, 0, 1, 32767, 300),
    Int32Array.of(-(2 ** 31), -1, 0, 1, 2 ** 31 - 1, 70000),
    Float32Array.of(0.5, -0, Infinity, NaN, 1e-40, -3.25),
    Float64Array.of(1 / 3, -1e300, 5e-324, NaN, -0, 2),
  ];

  it('IDX of every element type, edited: a clean error or the values the format gives', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5 }), fc.constantFrom([6], [2, 3], [3, 1, 2]), byteEdits, fc.boolean(), (t, dims, edits, gz) => {
        const bytes = edit(D.encodeIdx(dims, arrays[t]), edits);
        const file = gz ? gzipSync(bytes) : Buffer.from(bytes);
        agree('prop.idx', () => idxResult(D.parseIdx(file, 'prop.idx')), () => referenceIdx(bytes));
      }),
      { numRuns: 400 },
    );
  });

  it('CIFAR-10 batches, edited: a clean error or the records', () => {
    const base = D.encodeCifar10(Uint8Array.from({ length: 2 * 3072 }, (_, i) => (i * 13) % 256), Uint8Array.of(4, 9));
    const reference = (b: Uint8Array) => {
      if (b.length === 0 || b.length % 3073) return null;
      const labels = Array.from({ length: b.length / 3073 }, (_, i) => b[i * 3073]);
      if (labels.some((l) => l > 9)) return null;
      return { labels, sha256: sha256(Uint8Array.from(labels.flatMap((_, i) => Array.from(b.subarray(i * 3073 + 1, (i + 1) * 3073))))) };
    };
    fc.assert(
      fc.property(byteEdits, fc.option(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 255 }))), (edits, label) => {
        const b = label ? base.slice() : edit(base, edits);
        if (label) b[label[0] * 3073] = label[1];
        agree('prop_batch.bin', () => cifarResult(D.parseCifar10(Buffer.from(b), 'prop_batch.bin')), () => reference(b));
      }),
      { numRuns: 300 },
    );
  });

  it('tar and tar.gz: edited data gives the edited files, edited headers a clean error or 512-aligned members', () => {
    const entries = [
      { name: 'cifar-10-batches-bin/data_batch_1.bin', data: Uint8Array.from({ length: 1300 }, (_, i) => (i * 7) % 256) },
      { name: 'readme.html', data: new TextEncoder().encode('<p>hi</p>') },
      { name: 'empty', data: new Uint8Array(0) },
    ];
    const tar = D.writeTar(entries);
    fc.assert(
      fc.property(byteEdits, fc.boolean(), fc.boolean(), (edits, gz, dataOnly) => {
        let bytes: Uint8Array;
        let want: ReturnType<typeof tarResult> | null = null;
        if (dataOnly) {
          // flips inside the first member's data: no checksum covers them, GNU tar gives the flipped bytes
          const flipped = entries.map((e) => ({ ...e, data: e.data.slice() }));
          for (const [, p, v] of edits) flipped[0].data[p % 1300] ^= 1 << (v % 8);
          bytes = D.writeTar(flipped);
          want = tarResult(flipped);
        } else bytes = edit(tar, edits);
        const name = gz ? 'prop.tar.gz' : 'prop.tar';
        let got: D.TarEntry[];
        try {
          got = D.readTar(gz ? gzipSync(bytes) : Buffer.from(bytes), name);
        } catch (e) {
          expect(e).toBeInstanceOf(Error);
          expect((e as Error).message).toContain(name);
          expect(want).toBeNull();
          return;
        }
        if (want) expect(tarResult(got)).toEqual(want);
        // a member is always bytes of the archive that start on a block boundary
        for (const e of got) {
          const starts = Array.from({ length: Math.ceil(bytes.length / 512) }, (_, k) => k * 512);
          expect(starts.some((s) => hex(bytes.subarray(s, s + e.data.length)) === hex(e.data))).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  const csvText = fc.array(fc.constantFrom('a', 'b', ' ', ',', '"', '""', '\n', '\r', '\r\n', 'é', '\t'), { maxLength: 24 }).map((a) => a.join(''));

  it('CSV text, any: parseCsv agrees with the regular-expression reader', () => {
    fc.assert(
      fc.property(csvText, (text) => {
        agree('prop.csv', () => D.parseCsv(text, 'prop.csv'), () => {
          try {
            return referenceCsv(text, 'prop.csv');
          } catch {
            return null;
          }
        });
      }),
      { numRuns: 500 },
    );
  });

  it('CSV rows written with RFC 4180 quoting read back exactly, LF or CRLF', () => {
    const cell = fc.array(fc.constantFrom('a', 'Z', ' ', ',', '"', '\n', '\r', 'é'), { maxLength: 6 }).map((a) => a.join(''));
    fc.assert(
      fc.property(fc.array(fc.array(cell, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 }), fc.constantFrom('\n', '\r\n'), (rows, eol) => {
        // a lone empty cell is written "" (a bare empty line is Python's [] row, not [''])
        const text = rows.map((r) => r.map((c) => (/[",\r\n]/.test(c) || r.length === 1 ? `"${c.replace(/"/g, '""')}"` : c)).join(',') + eol).join('');
        expect(D.parseCsv(text, 'rt.csv')).toEqual(rows);
      }),
      { numRuns: 300 },
    );
  });
});
