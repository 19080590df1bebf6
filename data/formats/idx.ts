// The IDX format of the original MNIST files (train-images-idx3-ubyte, …): the magic bytes 00 00 <type>
// <ndim>, the dims as big-endian uint32, then exactly prod(dims) values, big-endian, and nothing after.
// Gzipped files (.gz, as distributed) are unpacked first, with the unpacked size bounded.

import { nodeBuiltin } from '../node-modules.js';

export interface IdxArray {
  dims: number[];
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

export interface IdxOptions {
  /** refuse files declaring more values than this (default 2^28) */
  maxElements?: number;
  /** refuse files (unpacked, for .gz) larger than this many bytes (default 2^30, 1 GiB) */
  maxBytes?: number;
}

export const DEFAULT_MAX_ELEMENTS = 2 ** 28;
export const DEFAULT_MAX_BYTES = 2 ** 30;

const TYPES: Record<number, { size: number; name: string }> = {
  0x08: { size: 1, name: 'uint8' },
  0x09: { size: 1, name: 'int8' },
  0x0b: { size: 2, name: 'int16' },
  0x0c: { size: 4, name: 'int32' },
  0x0d: { size: 4, name: 'float32' },
  0x0e: { size: 8, name: 'float64' },
};

/**
 * A plain Uint8Array over the same bytes. A Node Buffer's slice() is a view (into the shared 8 KB pool for
 * small files), and its .buffer is the whole pool; parsers work on this and copy out what they return.
 */
export function plainBytes(bytes: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(bytes) === Uint8Array.prototype ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Unpacks gzip in Node (synchronously), refusing more than `maxBytes` of output; errors name the file. */
export function gunzip(bytes: Uint8Array, name: string, maxBytes = DEFAULT_MAX_BYTES): Uint8Array {
  const zlib = nodeBuiltin<{ gunzipSync(b: Uint8Array, o: { maxOutputLength: number }): Uint8Array }>('node:zlib', `gunzip ${name}`);
  const limit = Math.max(1, Math.min(maxBytes, 2 ** 32));
  let out: Uint8Array;
  try {
    out = zlib.gunzipSync(bytes, { maxOutputLength: limit });
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new Error(`${name}: gzip data unpacks to more than ${limit} bytes, the limit (pass a larger maxBytes if the file is genuine)`);
    }
    throw new Error(`${name}: damaged gzip data: ${(e as Error).message}`);
  }
  return new Uint8Array(out); // a copy: the result may be a view into a shared pool
}

/** Parses IDX bytes (gzip or not). `name` (a file name) appears in every error. */
export function parseIdx(bytes: Uint8Array, name = 'IDX data', options: IdxOptions = {}): IdxArray {
  const maxElements = options.maxElements ?? DEFAULT_MAX_ELEMENTS;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  bytes = plainBytes(bytes);
  if (isGzip(bytes)) bytes = gunzip(bytes, name, maxBytes + 4 + 4 * 255);
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new Error(`parseIdx: ${name} is not an IDX file (expected the magic bytes 00 00 <type> <ndim>, got ${[...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ') || 'an empty file'})`);
  }
  const type = TYPES[bytes[2]];
  if (!type) throw new Error(`parseIdx: ${name} has unknown element type 0x${bytes[2].toString(16).padStart(2, '0')} (expected 08, 09, 0b, 0c, 0d or 0e)`);
  const ndim = bytes[3];
  if (ndim === 0) throw new Error(`parseIdx: ${name} declares 0 dims (expected at least 1)`);
  const header = 4 + 4 * ndim;
  if (bytes.length < header) throw new Error(`parseIdx: ${name} is truncated: its header needs ${header} bytes for ${ndim} dims, the file has ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: ndim }, (_, k) => view.getUint32(4 + 4 * k));
  // the product, checked against the limits as it grows (so it never overflows) unless a dim is 0
  let count = dims.includes(0) ? 0 : 1;
  for (const d of dims) {
    if (count === 0) break;
    count *= d;
    if (count > maxElements || count * type.size > maxBytes) {
      throw new Error(`parseIdx: ${name} declares dims [${dims}] of ${type.name}, more than the limit of ${maxElements} values / ${maxBytes} bytes (the file has ${bytes.length} bytes; pass larger maxElements/maxBytes if it is genuine)`);
    }
  }
  const expected = header + count * type.size;
  if (bytes.length !== expected) {
    throw new Error(`parseIdx: ${name} is ${bytes.length < expected ? 'truncated' : 'too long'}: dims [${dims}] of ${type.name} need ${expected} bytes, the file has ${bytes.length}`);
  }
  const body = bytes.subarray(header);
  switch (type.name) {
    case 'uint8':
      return { dims, data: body.slice() };
    case 'int8':
      return { dims, data: new Int8Array(body.slice().buffer) };
    case 'int16':
      return { dims, data: Int16Array.from({ length: count }, (_, i) => view.getInt16(header + 2 * i)) };
    case 'int32':
      return { dims, data: Int32Array.from({ length: count }, (_, i) => view.getInt32(header + 4 * i)) };
    case 'float32':
      return { dims, data: Float32Array.from({ length: count }, (_, i) => view.getFloat32(header + 4 * i)) };
    default:
      return { dims, data: Float64Array.from({ length: count }, (_, i) => view.getFloat64(header + 8 * i)) };
  }
}

const TYPE_CODE = { uint8: 0x08, int8: 0x09, int16: 0x0b, int32: 0x0c, float32: 0x0d, float64: 0x0e } as const;

/** Writes an IDX file's bytes (for tests and for exporting data in MNIST's format); the type follows the array's. */
export function encodeIdx(dims: readonly number[], data: IdxArray['data']): Uint8Array {
  const type = data instanceof Int8Array ? 'int8' : data instanceof Int16Array ? 'int16' : data instanceof Int32Array ? 'int32' : data instanceof Float32Array ? 'float32' : data instanceof Float64Array ? 'float64' : 'uint8';
  const size = TYPES[TYPE_CODE[type]].size;
  if (dims.reduce((a, b) => a * b, 1) !== data.length) throw new RangeError(`encodeIdx: dims [${dims}] do not hold ${data.length} values`);
  const header = 4 + 4 * dims.length;
  const out = new Uint8Array(header + data.length * size);
  const view = new DataView(out.buffer);
  out[2] = TYPE_CODE[type];
  out[3] = dims.length;
  dims.forEach((d, k) => view.setUint32(4 + 4 * k, d));
  const put = { uint8: (o: number, v: number) => view.setUint8(o, v), int8: (o: number, v: number) => view.setInt8(o, v), int16: (o: number, v: number) => view.setInt16(o, v), int32: (o: number, v: number) => view.setInt32(o, v), float32: (o: number, v: number) => view.setFloat32(o, v), float64: (o: number, v: number) => view.setFloat64(o, v) }[type];
  data.forEach((v: number, i: number) => put(header + i * size, v));
  return out;
}
