// Fuzzing loadSafetensors: valid files of every dtype typegrad reads, mutated (bit flips, truncation,
// inserted and deleted bytes, the header length off by k, header JSON edits: offsets shifted, shapes and
// dtypes changed, keys removed, duplicated or renamed to __proto__, metadata edited). Every result must
// be a clean error naming loadSafetensors where the reference decoder below refuses the file, or the
// very tensors it decodes. The reference follows the Rust crate's rules (safetensors/src/tensor.rs:
// the header a JSON object starting with '{', entries sorted by offset tiling the data exactly, byte
// lengths matching the shapes) plus typegrad's (metadata strings only, integers exact in float32).
//
// npm test runs a few hundred cases; FUZZ_RUNS=20000 npx vitest run tests/nn/safetensors-fuzz.test.ts
// runs more and prints the counts either way.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadSafetensors } from '../../io/index.js';

const SIZE: Record<string, number> = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };
type Decoded = Map<string, { shape: number[]; values: Float32Array }>;

/** An independent strict decoder: null where the file must be refused. Typed-array views, not DataView. */
function reference(bytes: Uint8Array): Decoded | null {
  if (bytes.length < 8) return null;
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  if (n > 100_000_000 || 8 + n > bytes.length) return null;
  let text: string;
  let header: Record<string, unknown>;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n));
    header = JSON.parse(text);
  } catch {
    return null;
  }
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const isCount = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
  if (text[0] !== '{' || !isObject(header)) return null;
  const list: Array<{ name: string; dtype: string; shape: number[]; begin: number; end: number }> = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!isObject(info) || Object.values(info).some((v) => typeof v !== 'string')) return null;
      continue;
    }
    if (!isObject(info)) return null;
    const { dtype, shape, data_offsets: o } = info as { dtype: string; shape: number[]; data_offsets: number[] };
    if (!Object.hasOwn(SIZE, dtype) || !Array.isArray(shape) || !shape.every(isCount)) return null;
    if (!Array.isArray(o) || o.length !== 2 || !o.every(isCount) || o[0] > o[1]) return null;
    if (o[1] - o[0] !== shape.reduce((a, b) => a * b, 1) * SIZE[dtype]) return null;
    list.push({ name, dtype, shape, begin: o[0], end: o[1] });
  }
  let at = 0;
  for (const t of [...list].sort((a, b) => a.begin - b.begin || a.end - b.end)) {
    if (t.begin !== at) return null;
    at = t.end;
  }
  if (8 + n + at !== bytes.length) return null;
  const out: Decoded = new Map();
  for (const t of list) {
    const raw = bytes.slice(8 + n + t.begin, 8 + n + t.end).buffer; // a copy: aligned for the views
    const exact = (v: bigint | number) => (Math.fround(Number(v)) === Number(v) && BigInt(Number(v)) === BigInt(v) ? Number(v) : NaN);
    const views: Record<string, () => ArrayLike<number>> = {
      F32: () => new Float32Array(raw), F64: () => new Float64Array(raw), I16: () => new Int16Array(raw), I8: () => new Int8Array(raw),
      U8: () => new Uint8Array(raw), BOOL: () => new Uint8Array(raw),
      I32: () => Array.from(new Int32Array(raw), exact), I64: () => Array.from(new BigInt64Array(raw), exact),
      BF16: () => new Float32Array(Uint32Array.from(new Uint16Array(raw), (h) => h << 16).buffer),
      F16: () => Array.from(new Uint16Array(raw), (h) => {
        const [sign, e, m] = [h >> 15 ? -1 : 1, (h >> 10) & 31, h & 1023];
        return e === 31 ? (m ? NaN : sign * Infinity) : sign * 2 ** (e ? e - 15 : -14) * (e ? 1 + m / 1024 : m / 1024);
      }),
    };
    const values = views[t.dtype]();
    if ((t.dtype === 'I32' || t.dtype === 'I64') && Array.from(values).some(Number.isNaN)) return null;
    out.set(t.name, { shape: t.shape, values: Float32Array.from(values) });
  }
  return out;
}

// ---- valid files, and mutations of them ----

interface Spec {
  dtype: string;
  shape: number[];
  data: Uint8Array;
}

/** Small ints for integer dtypes (random bytes would make I32/I64 values float32 cannot hold), any bits for floats. */
const tensorSpec = fc
  .record({ dtype: fc.constantFrom(...Object.keys(SIZE)), shape: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }), seed: fc.uint8Array({ minLength: 216, maxLength: 216 }) })
  .map(({ dtype, shape, seed }): Spec => {
    const count = shape.reduce((a, b) => a * b, 1);
    const data = new Uint8Array(count * SIZE[dtype]);
    if (dtype === 'I64') data.set(new Uint8Array(BigInt64Array.from(seed.subarray(0, count), (b) => BigInt(b - 128)).buffer));
    else if (dtype === 'I32') data.set(new Uint8Array(Int32Array.from(seed.subarray(0, count), (b) => (b - 128) * 1000).buffer));
    else data.set(seed.subarray(0, data.length));
    return { dtype, shape, data };
  });

type Entries = Array<[string, unknown]>;

const encode = (entries: Entries, pad: number): Uint8Array => {
  const json = `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}` + ' '.repeat(pad);
  return new TextEncoder().encode(json);
};

function assemble(header: Uint8Array, data: Uint8Array, claimed = header.length): Uint8Array {
  const out = new Uint8Array(8 + header.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(Math.max(0, claimed)), true);
  out.set(header, 8);
  out.set(data, 8 + header.length);
  return out;
}

/** A header edit: the arbitrary picks which entry (i) and how (a value from the list). */
const junk = [null, -1, 1.5, '4', 2 ** 60, [], {}, true];
const headerEdit = fc.oneof(
  fc.record({ kind: fc.constant('shift' as const), i: fc.nat(), which: fc.constantFrom(0, 1, 2), by: fc.integer({ min: -9, max: 9 }) }),
  fc.record({ kind: fc.constant('shape' as const), i: fc.nat(), dim: fc.nat(3), to: fc.oneof(fc.integer({ min: 0, max: 5 }), fc.constantFrom(...junk), fc.constant(undefined)) }),
  fc.record({ kind: fc.constant('dtype' as const), i: fc.nat(), to: fc.constantFrom(...Object.keys(SIZE), 'F8_E4M3', 'U64', 'C64', '', 'f32', 'toString', null, 4) }),
  fc.record({ kind: fc.constant('field' as const), i: fc.nat(), field: fc.constantFrom('dtype', 'shape', 'data_offsets'), to: fc.constantFrom(...junk, undefined, [0], [0, 0, 0]) }),
  fc.record({ kind: fc.constant('remove' as const), i: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), i: fc.nat(), from: fc.nat() }),
  fc.record({ kind: fc.constant('rename' as const), i: fc.nat(), to: fc.constantFrom('__proto__', 'constructor', 'prototype', '__metadata__', 'toString', '') }),
  fc.record({ kind: fc.constant('metadata' as const), to: fc.constantFrom(null, [], 'pt', 3, {}, { format: 'pt' }, { n: 3 }, { __proto__x: 'y' }, { a: null }, { a: { b: 'c' } }) }),
);
type HeaderEdit = typeof headerEdit extends fc.Arbitrary<infer T> ? T : never;

function editHeader(entries: Entries, e: HeaderEdit): Entries {
  const out = entries.map(([k, v]): [string, unknown] => [k, structuredClone(v)]);
  const tensors = out.filter(([k]) => k !== '__metadata__');
  const pick = (i: number) => tensors[i % Math.max(tensors.length, 1)] as [string, Record<string, unknown>] | undefined;
  const target = 'i' in e ? pick(e.i) : undefined;
  const info = target?.[1];
  const isInfo = typeof info === 'object' && info !== null;
  if (e.kind === 'shift' && isInfo && Array.isArray(info.data_offsets)) {
    const o = info.data_offsets as number[];
    if (e.which !== 1) o[0] += e.by;
    if (e.which !== 0) o[1] += e.by;
  } else if (e.kind === 'shape' && isInfo && Array.isArray(info.shape)) {
    const shape = info.shape as unknown[];
    if (e.to === undefined) shape.splice(e.dim, 1);
    else shape[Math.min(e.dim, shape.length)] = e.to;
  } else if (e.kind === 'dtype' && isInfo) info.dtype = e.to;
  else if (e.kind === 'field' && isInfo) info[e.field] = e.to;
  else if (e.kind === 'remove' && target) out.splice(out.indexOf(target), 1);
  else if (e.kind === 'duplicate' && target) out.splice(out.indexOf(target) + 1, 0, [target[0], structuredClone(pick(e.from)![1])]);
  else if (e.kind === 'rename' && target) target[0] = e.to;
  else if (e.kind === 'metadata') {
    const at = out.findIndex(([k]) => k === '__metadata__');
    if (at >= 0) out[at][1] = e.to;
    else out.unshift(['__metadata__', e.to]);
  }
  return out;
}

/** A byte-level mutation of a whole file. */
const byteEdit = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 9 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), count: fc.integer({ min: 1, max: 9 }) }),
  fc.record({ kind: fc.constant('length' as const), by: fc.integer({ min: -16, max: 16 }) }),
);
type ByteEdit = typeof byteEdit extends fc.Arbitrary<infer T> ? T : never;

function editBytes(file: Uint8Array, e: ByteEdit): Uint8Array {
  const at = 'at' in e ? e.at % (file.length + 1) : 0;
  if (e.kind === 'flip') {
    const out = file.slice();
    if (out.length > 0) out[at % out.length] ^= 1 << e.bit;
    return out;
  }
  if (e.kind === 'truncate') return file.slice(0, at);
  if (e.kind === 'insert') return new Uint8Array([...file.subarray(0, at), ...e.bytes, ...file.subarray(at)]);
  if (e.kind === 'delete') return new Uint8Array([...file.subarray(0, at), ...file.subarray(at + e.count)]);
  const out = file.slice();
  if (out.length >= 8) {
    const view = new DataView(out.buffer);
    view.setBigUint64(0, BigInt.asUintN(64, view.getBigUint64(0, true) + BigInt(e.by)), true);
  }
  return out;
}

const mutatedFile = fc
  .record({
    tensors: fc.array(tensorSpec, { minLength: 0, maxLength: 4 }),
    metadata: fc.option(fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 2 }), { nil: undefined }),
    pad: fc.nat(8),
    headerEdits: fc.array(headerEdit, { maxLength: 2 }),
    byteEdits: fc.array(byteEdit, { maxLength: 2 }),
  })
  .map(({ tensors, metadata, pad, headerEdits, byteEdits }) => {
    let offset = 0;
    let entries: Entries = tensors.map((t, i) => {
      const info = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.length] };
      offset += t.data.length;
      return [`layer${i}.weight`, info];
    });
    if (metadata) entries.unshift(['__metadata__', metadata]);
    for (const e of headerEdits) entries = editHeader(entries, e);
    const data = new Uint8Array(tensors.flatMap((t) => [...t.data]));
    let file = assemble(encode(entries, pad), data);
    for (const e of byteEdits) file = editBytes(file, e);
    return file;
  });

// ---- the property ----

type Outcome = 'clean error' | 'correct load' | 'refused valid' | 'silent wrong' | 'crash' | 'hang';

function outcome(file: Uint8Array): { result: Outcome; detail: string } {
  const expected = reference(file);
  const start = performance.now();
  let loaded: Record<string, { shape: readonly number[]; data: Float32Array }> | undefined;
  let error: unknown;
  try {
    loaded = loadSafetensors(file);
  } catch (e) {
    error = e;
  }
  if (performance.now() - start > 1000) return { result: 'hang', detail: `${(performance.now() - start).toFixed(0)} ms` };
  if (error !== undefined) {
    const message = error instanceof Error ? error.message : String(error);
    if (!(error instanceof RangeError || error instanceof TypeError) || !message.startsWith('loadSafetensors: ')) return { result: 'crash', detail: String(error) };
    return expected === null ? { result: 'clean error', detail: message } : { result: 'refused valid', detail: message };
  }
  if (expected === null) return { result: 'silent wrong', detail: 'loaded a file the reference refuses' };
  const names = Object.keys(loaded!);
  if (names.length !== expected.size || names.some((k, i) => k !== [...expected.keys()][i])) return { result: 'silent wrong', detail: `names ${names} vs ${[...expected.keys()]}` };
  for (const [name, t] of expected) {
    const got = Object.getOwnPropertyDescriptor(loaded, name)!.value as { shape: readonly number[]; data: Float32Array };
    const same = got.shape.length === t.shape.length && got.shape.every((d, i) => d === t.shape[i]) && got.data.length === t.values.length && got.data.every((v, i) => Object.is(v, t.values[i]));
    if (!same) return { result: 'silent wrong', detail: `'${name}' differs` };
  }
  return { result: 'correct load', detail: '' };
}

describe('loadSafetensors under mutation', () => {
  it('gives a clean error or exactly the reference decoding, for every mutated file', () => {
    const runs = Number(process.env.FUZZ_RUNS ?? 400);
    const counts: Record<Outcome, number> = { 'clean error': 0, 'correct load': 0, 'refused valid': 0, 'silent wrong': 0, crash: 0, hang: 0 };
    const failures: string[] = [];
    const start = performance.now();
    // every case runs and is counted (no stopping at the first failure), then the failures are shown
    fc.assert(
      fc.property(mutatedFile, (file) => {
        const { result, detail } = outcome(file);
        counts[result]++;
        if (result !== 'clean error' && result !== 'correct load' && failures.length < 5) failures.push(`${result}: ${detail}; file ${JSON.stringify(Array.from(file))}`);
      }),
      { numRuns: runs },
    );
    console.log(`safetensors fuzz, ${runs} files in ${((performance.now() - start) / 1000).toFixed(1)} s: ${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')}`);
    expect(failures).toEqual([]);
    // both kinds of outcome occur, so the mutations neither always break nor never break the files
    expect(counts['clean error']).toBeGreaterThan(runs / 10);
    expect(counts['correct load']).toBeGreaterThan(runs / 20);
  });
});
