// The IDX format of the original MNIST files (train-images-idx3-ubyte, …): a magic number giving the
// element type and the number of dims, the dims as big-endian uint32, then the values, big-endian.
// Gzipped files (.gz, as distributed) are unpacked first.

import { nodeBuiltin } from '../node-modules.js';

export interface IdxArray {
  dims: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const TYPES: Record<number, { size: number; name: string }> = {
  0x08: { size: 1, name: 'uint8' },
  0x09: { size: 1, name: 'int8' },
  0x0b: { size: 2, name: 'int16' },
  0x0c: { size: 4, name: 'int32' },
  0x0d: { size: 4, name: 'float32' },
  0x0e: { size: 8, name: 'float64' },
};

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Unpacks gzip in Node (synchronously); a clear error if the data is damaged. */
export function gunzip(bytes: Uint8Array, name: string): Uint8Array {
  const zlib = nodeBuiltin<{ gunzipSync(b: Uint8Array): Uint8Array }>('node:zlib', `gunzip ${name}`);
  try {
    return new Uint8Array(zlib.gunzipSync(bytes));
  } catch (e) {
    throw new Error(`${name}: damaged gzip data: ${(e as Error).message}`);
  }
}

/** Parses IDX bytes (gzip or not). `name` (a file name) appears in every error. */
export function parseIdx(bytes: Uint8Array, name = 'IDX data'): IdxArray {
  if (isGzip(bytes)) bytes = gunzip(bytes, name);
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new Error(`parseIdx: ${name} is not an IDX file (expected the magic bytes 00 00 <type> <ndim>, got ${[...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ') || 'an empty file'})`);
  }
  const type = TYPES[bytes[2]];
  if (!type) throw new Error(`parseIdx: ${name} has unknown element type 0x${bytes[2].toString(16)} (expected 08, 09, 0b, 0c, 0d or 0e)`);
  const ndim = bytes[3];
  const header = 4 + 4 * ndim;
  if (ndim === 0 || bytes.length < header) throw new Error(`parseIdx: ${name} is truncated: its header needs ${header} bytes for ${ndim} dims, the file has ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: ndim }, (_, k) => view.getUint32(4 + 4 * k));
  const count = dims.reduce((a, b) => a * b, 1);
  const expected = header + count * type.size;
  if (bytes.length !== expected) {
    throw new Error(`parseIdx: ${name} is ${bytes.length < expected ? 'truncated' : 'too long'}: dims [${dims}] of ${type.name} need ${expected} bytes, the file has ${bytes.length}`);
  }
  const body = (k: number, get: (o: number) => number) => Array.from({ length: count }, (_, i) => get(header + i * k));
  switch (type.name) {
    case 'uint8':
      return { dims, data: bytes.slice(header) };
    case 'int8':
      return { dims, data: new Int8Array(bytes.slice(header).buffer) };
    case 'int16':
      return { dims, data: Int16Array.from(body(2, (o) => view.getInt16(o))) };
    case 'int32':
      return { dims, data: Int32Array.from(body(4, (o) => view.getInt32(o))) };
    case 'float32':
      return { dims, data: Float32Array.from(body(4, (o) => view.getFloat32(o))) };
    default:
      return { dims, data: Float64Array.from(body(8, (o) => view.getFloat64(o))) };
  }
}

/** Writes an IDX file's bytes (for tests and for exporting data in MNIST's format). */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + data.length);
  const view = new DataView(out.buffer);
  out[2] = 0x08;
  out[3] = dims.length;
  dims.forEach((d, k) => view.setUint32(4 + 4 * k, d));
  out.set(data, header);
  return out;
}
