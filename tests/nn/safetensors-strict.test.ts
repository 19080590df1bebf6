// The safetensors reader is as strict as the reference one (the Rust crate): the tensors must tile the
// data region exactly, the header must be a JSON object of well-formed entries, __metadata__ an object
// of strings, and names are data (a tensor may be called __proto__). Each case below loaded silently
// wrong, or crashed, before the reader checked it.

import { describe, expect, it } from 'vitest';
import { Tensor } from '../../engine/index.js';
import * as nn from '../../nn/index.js';
import { loadSafetensors, readSafetensors, saveSafetensors } from '../../io/index.js';

/** A safetensors file from a header (object or raw JSON text) and the data bytes, without padding. */
function file(header: object | string, data: ArrayLike<number> = []): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const f32 = (...values: number[]) => new Uint8Array(Float32Array.from(values).buffer);
const i64 = (...values: bigint[]) => new Uint8Array(BigInt64Array.from(values).buffer);
const entry = (shape: number[], begin: number, end: number, dtype = 'F32') => ({ dtype, shape, data_offsets: [begin, end] });
const invalid = (why: string | RegExp) => new RegExp(`^loadSafetensors: not a valid safetensors file \\(\\d+ bytes\\): ${typeof why === 'string' ? why.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : why.source}`);

describe('the tensors tile the data region exactly', () => {
  const good = saveSafetensors({ a: new Tensor(Float32Array.of(1, 2, 3, 4), [4]), b: new Tensor(Float32Array.of(5, 6), [2]) });
  const headerLength = Number(new DataView(good.buffer).getBigUint64(0, true));

  it('loads the file as written', () => {
    const t = loadSafetensors(good);
    expect(Array.from(t.a.data)).toEqual([1, 2, 3, 4]);
    expect(Array.from(t.b.data)).toEqual([5, 6]);
  });

  it('a header length one short (or long) is an error, not shifted values', () => {
    // this loaded [1, 2, 3, 4] as [-4.5e-44, 8.8e-44, 2.0000153, -9e-44]
    for (const k of [-1, 1, -8, 8]) {
      const bad = good.slice();
      new DataView(bad.buffer).setBigUint64(0, BigInt(headerLength + k), true);
      expect(() => loadSafetensors(bad), `header length ${k > 0 ? '+' : ''}${k}`).toThrow(/^loadSafetensors: not a valid safetensors file/);
    }
  });

  it('bytes inserted between tensors, or after the last, belong to no tensor', () => {
    const at = 8 + headerLength + 16; // after a
    const inserted = new Uint8Array([...good.subarray(0, at), 0, 0, 0, 0, ...good.subarray(at)]);
    expect(() => loadSafetensors(inserted)).toThrow(invalid('the tensors end at byte 24 of the data but 28 bytes follow the header: 4 bytes belong to no tensor'));
    const trailing = new Uint8Array([...good, 0]);
    expect(() => loadSafetensors(trailing)).toThrow(invalid('the tensors end at byte 24 of the data but 25 bytes follow the header: 1 bytes belong to no tensor'));
  });

  it('an empty header with data after it is an error; with no data it is an empty file', () => {
    expect(() => loadSafetensors(file({}, f32(1, 2)))).toThrow(invalid('the tensors end at byte 0 of the data but 8 bytes follow the header'));
    expect(loadSafetensors(file({}))).toEqual({});
    expect(loadSafetensors(file({ __metadata__: { format: 'pt' } }))).toEqual({});
  });

  it('a gap, an overlap, a first tensor not at 0, and a tensor past the end', () => {
    const data = f32(1, 2, 3, 4);
    expect(() => loadSafetensors(file({ a: entry([1], 0, 4), b: entry([2], 8, 16) }, data))).toThrow(
      invalid("'b' starts at byte 8 of the data but 'a' ends at byte 4: bytes 4..8 belong to no tensor"),
    );
    expect(() => loadSafetensors(file({ a: entry([1], 4, 8), b: entry([2], 8, 16) }, data))).toThrow(
      invalid("'a' starts at byte 4 of the data but the data starts at byte 0: bytes 0..4 belong to no tensor"),
    );
    expect(() => loadSafetensors(file({ a: entry([3], 0, 12), b: entry([2], 8, 16) }, data))).toThrow(
      invalid("'b' (bytes 8..16 of the data) overlaps 'a', which ends at byte 12"),
    );
    expect(() => loadSafetensors(file({ a: entry([4], 0, 16), b: entry([4], 0, 16) }, data))).toThrow(/'b' \(bytes 0\.\.16 of the data\) overlaps 'a'/);
    expect(() => loadSafetensors(file({ a: entry([2], 0, 8), b: entry([4], 8, 24) }, data))).toThrow(
      invalid("'b' ends at byte 24 of the data but the file has only 16 (truncated?)"),
    );
  });

  it('empty tensors tile too, and the header order is kept whatever the offsets', () => {
    const t = readSafetensors(file({ b: entry([2], 8, 16), empty: entry([0, 3], 8, 8), a: entry([2], 0, 8) }, f32(1, 2, 3, 4)));
    expect(Object.keys(t.tensors)).toEqual(['b', 'empty', 'a']);
    expect(Array.from(t.tensors.b.data)).toEqual([3, 4]);
    expect(t.tensors.empty.shape).toEqual([0, 3]);
    expect(Array.from(t.tensors.a.data)).toEqual([1, 2]);
  });

  it('data need not be aligned when reading (the writer aligns it)', () => {
    const t = loadSafetensors(file({ a: entry([1], 0, 1, 'U8'), b: entry([1], 1, 5) }, [7, ...f32(2.5)]));
    expect([t.a.item(), t.b.item()]).toEqual([7, 2.5]);
  });
});

describe('the header', () => {
  it('must start with { (as the reference requires) and be a JSON object', () => {
    expect(() => loadSafetensors(file(' {}'))).toThrow(invalid(`the header must be a JSON object starting with '{', got " {}"`));
    expect(() => loadSafetensors(file('[]'))).toThrow(invalid(`the header must be a JSON object starting with '{', got "[]"`));
    expect(() => loadSafetensors(file(''))).toThrow(invalid('the header is not valid UTF-8 JSON'));
    const notUtf8 = file('{ }');
    notUtf8[9] = 0xff;
    expect(() => loadSafetensors(notUtf8)).toThrow(invalid('the header is not valid UTF-8 JSON'));
    expect(loadSafetensors(file('{}   '))).toEqual({}); // trailing spaces are the writer's padding
  });

  it('every entry: an object with a known dtype, a shape of non-negative integers, offsets [begin <= end]', () => {
    const data = f32(1, 2);
    const cases: Array<[unknown, string | RegExp]> = [
      [null, "'w' must be an object { dtype, shape, data_offsets }, got null"],
      [[1, 2], "'w' must be an object { dtype, shape, data_offsets }, got [1,2]"],
      [{ ...entry([2], 0, 8), dtype: 'F8_E4M3' }, `'w' has dtype "F8_E4M3"; typegrad reads F32`],
      [{ ...entry([2], 0, 8), dtype: 'toString' }, `'w' has dtype "toString"`],
      [{ ...entry([2], 0, 8), dtype: undefined }, "'w' has dtype undefined"],
      [entry([-2], 0, 8), "'w' has shape [-2]; expected a list of non-negative integers"],
      [entry([2.5], 0, 8), "'w' has shape [2.5]"],
      [{ dtype: 'F32', data_offsets: [0, 8] }, "'w' has shape undefined"],
      [entry([2], 8, 0), "'w' has data_offsets [8,0]; expected [begin, end], integers with 0 <= begin <= end"],
      [entry([2], 0, 8.5), "'w' has data_offsets [0,8.5]"],
      [{ dtype: 'F32', shape: [2], data_offsets: [0, 4, 8] }, "'w' has data_offsets [0,4,8]"],
      [entry([2], 0, 8, 'F64'), "'w' is F64 [2] (16 bytes) but its offsets span 8 bytes"],
      [entry([3], 0, 8), "'w' is F32 [3] (12 bytes) but its offsets span 8 bytes"],
    ];
    for (const [info, why] of cases) expect(() => loadSafetensors(file({ w: info }, data)), JSON.stringify(info)).toThrow(invalid(why));
  });

  it('__metadata__ is an object of strings or absent; null is refused clearly', () => {
    // null used to load, then fail later with "Cannot read properties of null (reading 'stamp')"
    expect(() => readSafetensors(file({ __metadata__: null }))).toThrow(invalid('__metadata__ must be an object of strings, got null'));
    expect(() => readSafetensors(file({ __metadata__: ['pt'] }))).toThrow(invalid('__metadata__ must be an object of strings, got ["pt"]'));
    expect(() => readSafetensors(file({ __metadata__: { epoch: 3 } }))).toThrow(invalid("__metadata__ 'epoch' must be a string, got 3"));
    expect(readSafetensors(file({})).metadata).toEqual({});
    const meta = readSafetensors(file('{"__metadata__":{"__proto__":"x","format":"pt"}}')).metadata;
    expect(Object.keys(meta)).toEqual(['__proto__', 'format']);
    expect(Object.getPrototypeOf(meta)).toBe(Object.prototype);
  });
});

describe('names are data', () => {
  it('tensors named __proto__, constructor, prototype load as own entries', () => {
    const header = '{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"constructor":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"prototype":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}';
    const { tensors, dtypes } = readSafetensors(file(header, f32(1, 2, 3)));
    expect(Object.keys(tensors)).toEqual(['__proto__', 'constructor', 'prototype']);
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype);
    const named = (k: string) => tensors[k];
    expect([named('__proto__').item(), named('constructor').item(), named('prototype').item()]).toEqual([1, 2, 3]);
    expect(dtypes.__proto__).toBe('F32');
  });

  it('the writer keeps them too, and loadStateDict reports them as unexpected keys', () => {
    const model = new nn.Linear({ inFeatures: 2, outFeatures: 1 });
    const sd: Record<string, Tensor> = { ...model.stateDict() };
    for (const k of ['__proto__', 'constructor', 'toString']) Object.defineProperty(sd, k, { value: new Tensor(Float32Array.of(9), [1]), enumerable: true });
    const back = loadSafetensors(saveSafetensors(sd));
    expect(Object.keys(back)).toEqual(['weight', 'bias', '__proto__', 'constructor', 'toString']);
    expect(() => model.loadStateDict(back)).toThrow(/^loadStateDict \(Linear\): unexpected keys: __proto__, constructor, toString$/);
    expect(model.loadStateDict(back, { strict: false }).unexpectedKeys).toEqual(['__proto__', 'constructor', 'toString']);
    expect(() => model.loadStateDict({ weight: back.weight })).toThrow(/missing keys: bias/);
  });
});

describe('integers must stay exact in float32', () => {
  it('I64 and I32 beyond 2^24 load only when float32 holds them exactly', () => {
    // these used to round silently: 16777217 became 16777216
    const big = readSafetensors(file({ n: entry([4], 0, 32, 'I64') }, i64(3n, 1n << 25n, -(1n << 24n), (1n << 62n))));
    expect(Array.from(big.tensors.n.data)).toEqual([3, 2 ** 25, -(2 ** 24), 2 ** 62]);
    expect(() => loadSafetensors(file({ n: entry([2], 0, 16, 'I64') }, i64(1n, (1n << 24n) + 1n)))).toThrow(
      "loadSafetensors: 'n' (I64) holds 16777217 at index 1, which float32 cannot hold exactly (integers are exact up to 2^24); typegrad's tensors are float32",
    );
    expect(() => loadSafetensors(file({ n: entry([1], 0, 8, 'I64') }, i64((1n << 62n) + 1n)))).toThrow(/'n' \(I64\) holds 4611686018427387905 at index 0/);
    expect(() => loadSafetensors(file({ n: entry([1], 0, 4, 'I32') }, new Uint8Array(Int32Array.of(-16777217).buffer)))).toThrow(/'n' \(I32\) holds -16777217 at index 0/);
  });
});
