// safetensors, the weights format of PyTorch, Hugging Face and tinygrad:
//   8 bytes   little-endian u64 N, the header's length
//   N bytes   JSON: { name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: {string: string} }
//   the rest  every tensor's raw little-endian bytes, at its offsets (relative to the end of the header)
// We write F32; we read F32, F16, BF16, F64, I64 (PyTorch's num_batches_tracked), I32, U8 and BOOL,
// converting to float32. Every offset and size is checked before any data is read, so a corrupt or
// truncated file throws a clear error instead of loading part of the weights.

import { Tensor } from '../engine/index.js';

const BYTES: Record<string, number> = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

/** Header size limit (as the reference implementation's): a larger N means a corrupt file. */
const MAX_HEADER = 100_000_000;

export interface SafetensorsOptions {
  /** string key/values stored in the header's __metadata__ */
  metadata?: Record<string, string>;
}

/** Serialises named tensors as float32 safetensors bytes, in the dict's order. */
export function saveSafetensors(tensors: Record<string, Tensor>, options: SafetensorsOptions = {}): Uint8Array {
  if (tensors === null || typeof tensors !== 'object') throw new TypeError('saveSafetensors: expected a Record<string, Tensor> (e.g. model.stateDict())');
  const header: Record<string, unknown> = {};
  if (options.metadata) {
    for (const [k, v] of Object.entries(options.metadata)) if (typeof v !== 'string') throw new TypeError(`saveSafetensors: metadata value '${k}' must be a string`);
    header.__metadata__ = options.metadata;
  }
  let offset = 0;
  const entries = Object.entries(tensors);
  for (const [name, t] of entries) {
    if (!(t instanceof Tensor)) throw new TypeError(`saveSafetensors: '${name}' is not a Tensor`);
    if (name === '__metadata__') throw new RangeError("saveSafetensors: '__metadata__' is reserved and cannot name a tensor");
    header[name] = { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + t.size * 4] };
    offset += t.size * 4;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  // pad the header with spaces so the data starts 8-byte aligned
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let at = 8 + json.length;
  for (const [, t] of entries) {
    const d = t.data;
    for (let i = 0; i < d.length; i++, at += 4) view.setFloat32(at, d[i], true);
  }
  return out;
}

export interface SafetensorsFile {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
  /** the dtype each tensor had on disk */
  dtypes: Record<string, string>;
}

/** Parses safetensors bytes into float32 tensors (in header order), with the metadata and original dtypes. */
export function readSafetensors(bytes: Uint8Array | ArrayBuffer): SafetensorsFile {
  const buf = bytes instanceof Uint8Array ? bytes : bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : null;
  if (!buf) throw new TypeError('loadSafetensors: expected a Uint8Array or ArrayBuffer');
  const fail = (why: string): never => {
    throw new RangeError(`loadSafetensors: not a valid safetensors file (${buf.length} bytes): ${why}`);
  };
  if (buf.length < 8) fail('shorter than the 8-byte header length');
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER)) fail(`header length ${n} is implausibly large`);
  const headerLength = Number(n);
  if (8 + headerLength > buf.length) fail(`the header claims ${headerLength} bytes but only ${buf.length - 8} follow (truncated?)`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, 8 + headerLength)));
  } catch (e) {
    return fail(`the header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('the header is not a JSON object');
  const dataStart = 8 + headerLength;
  const dataLength = buf.length - dataStart;
  const tensors: Record<string, Tensor> = {};
  const dtypes: Record<string, string> = {};
  let metadata: Record<string, string> = {};
  const spans: Array<[number, number, string]> = [];
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = info as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets: offsets } = (info ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== 'string' || !(dtype in BYTES)) fail(`'${name}' has dtype ${JSON.stringify(dtype)}; typegrad reads ${Object.keys(BYTES).join(', ')}`);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`'${name}' has shape ${JSON.stringify(shape)}`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) fail(`'${name}' has data_offsets ${JSON.stringify(offsets)}`);
    const [begin, end] = offsets as number[];
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    const size = BYTES[dtype as string];
    if (end - begin !== count * size) fail(`'${name}' is ${dtype} ${JSON.stringify(shape)} (${count * size} bytes) but its offsets span ${end - begin} bytes`);
    if (end > dataLength) fail(`'${name}' ends at byte ${end} of the data but the file has only ${dataLength} (truncated?)`);
    spans.push([begin, end, name]);
    const at = dataStart + begin;
    tensors[name] = new Tensor(decode(view, at, count, dtype as string), shape as number[]);
    dtypes[name] = dtype as string;
  }
  // tensors must not overlap (a corrupted header could alias two of them)
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) if (spans[i][0] < spans[i - 1][1]) fail(`'${spans[i][2]}' overlaps '${spans[i - 1][2]}'`);
  return { tensors, metadata, dtypes };
}

/** Parses safetensors bytes into float32 tensors by name, in the file's order. */
export function loadSafetensors(bytes: Uint8Array | ArrayBuffer): Record<string, Tensor> {
  return readSafetensors(bytes).tensors;
}

function decode(view: DataView, at: number, count: number, dtype: string): Float32Array {
  const out = new Float32Array(count);
  switch (dtype) {
    case 'F32':
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(at + 4 * i, true);
      break;
    case 'F64':
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(at + 8 * i, true);
      break;
    case 'F16':
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(at + 2 * i, true));
      break;
    case 'BF16':
      // bfloat16 is the top half of a float32
      for (let i = 0; i < count; i++) out[i] = bitsToFloat(view.getUint16(at + 2 * i, true) << 16);
      break;
    case 'I64':
      for (let i = 0; i < count; i++) out[i] = Number(view.getBigInt64(at + 8 * i, true));
      break;
    case 'I32':
      for (let i = 0; i < count; i++) out[i] = view.getInt32(at + 4 * i, true);
      break;
    case 'I16':
      for (let i = 0; i < count; i++) out[i] = view.getInt16(at + 2 * i, true);
      break;
    case 'I8':
      for (let i = 0; i < count; i++) out[i] = view.getInt8(at + i);
      break;
    default: // U8, BOOL
      for (let i = 0; i < count; i++) out[i] = view.getUint8(at + i);
  }
  return out;
}

const scratch = new DataView(new ArrayBuffer(4));

function bitsToFloat(bits: number): number {
  scratch.setUint32(0, bits >>> 0);
  return scratch.getFloat32(0);
}

/** IEEE half precision bits to a number (subnormals, infinities and NaN included). */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
