// safetensors, the weights format of PyTorch, Hugging Face and tinygrad:
//   8 bytes   little-endian u64 N, the header's length
//   N bytes   JSON: { name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: {string: string} }
//   the rest  every tensor's raw little-endian bytes, at its offsets (relative to the end of the header)
// We write F32; we read F32, F16, BF16, F64, I64 (PyTorch's num_batches_tracked), I32, I16, I8, U8 and
// BOOL, converting to float32. The reader is as strict as the reference one (the Rust crate): the whole
// header is checked before any data is read, and the tensors must tile the data exactly (sorted by
// offset, each starts where the one before ends, the last ends at the end of the file), so a corrupt,
// truncated or padded file throws a clear error instead of loading shifted or partial weights.
// Alignment of the data is written (the header is padded with spaces) but not required when reading.

import { Tensor } from '../engine/index.js';
import { bfloat16ToFloat, exactInFloat32, halfToFloat, setOwn } from './dtypes.js';
import { checkedSize } from '../engine/shape.js';

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
    setOwn(header, name, { dtype: 'F32', shape: [...t.shape], data_offsets: [offset, offset + t.size * 4] });
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

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

interface Entry {
  name: string;
  dtype: string;
  shape: number[];
  begin: number;
  end: number;
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
  if (n > BigInt(MAX_HEADER)) fail(`header length ${n} is implausibly large (the limit is ${MAX_HEADER} bytes)`);
  const headerLength = Number(n);
  if (8 + headerLength > buf.length) fail(`the header claims ${headerLength} bytes but only ${buf.length - 8} follow (truncated?)`);
  let text: string;
  let header: unknown;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(8, 8 + headerLength));
    header = JSON.parse(text);
  } catch (e) {
    return fail(`the header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (!text.startsWith('{') || !isObject(header)) fail(`the header must be a JSON object starting with '{', got ${JSON.stringify(text.slice(0, 20))}`);
  const dataLength = buf.length - 8 - headerLength;

  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, info] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (!isObject(info)) fail(`__metadata__ must be an object of strings, got ${JSON.stringify(info)}`);
      for (const [k, v] of Object.entries(info as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__ '${k}' must be a string, got ${JSON.stringify(v)}`);
        setOwn(metadata, k, v as string);
      }
      continue;
    }
    if (!isObject(info)) fail(`'${name}' must be an object { dtype, shape, data_offsets }, got ${JSON.stringify(info)}`);
    const { dtype, shape, data_offsets: offsets } = info as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== 'string' || !Object.hasOwn(BYTES, dtype)) fail(`'${name}' has dtype ${JSON.stringify(dtype)}; typegrad reads ${Object.keys(BYTES).join(', ')}`);
    if (!Array.isArray(shape) || !shape.every(isCount)) fail(`'${name}' has shape ${JSON.stringify(shape)}; expected a list of non-negative integers`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1]) {
      fail(`'${name}' has data_offsets ${JSON.stringify(offsets)}; expected [begin, end], integers with 0 <= begin <= end`);
    }
    const [begin, end] = offsets as number[];
    const size = (shape as number[]).reduce((a, b) => a * b, 1) * BYTES[dtype as string];
    if (end - begin !== size) fail(`'${name}' is ${dtype} ${JSON.stringify(shape)} (${size} bytes) but its offsets span ${end - begin} bytes`);
    entries.push({ name, dtype: dtype as string, shape: shape as number[], begin, end });
  }

  // the tensors, by offset, must tile the data: no gap, no overlap, nothing after the last
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  let previous = '';
  for (const e of byOffset) {
    if (e.begin < at) fail(`'${e.name}' (bytes ${e.begin}..${e.end} of the data) overlaps '${previous}', which ends at byte ${at}`);
    if (e.begin > at) fail(`'${e.name}' starts at byte ${e.begin} of the data but ${previous ? `'${previous}' ends` : 'the data starts'} at byte ${at}: bytes ${at}..${e.begin} belong to no tensor`);
    if (e.end > dataLength) fail(`'${e.name}' ends at byte ${e.end} of the data but the file has only ${dataLength} (truncated?)`);
    at = e.end;
    previous = e.name;
  }
  if (at !== dataLength) fail(`the tensors end at byte ${at} of the data but ${dataLength} bytes follow the header: ${dataLength - at} bytes belong to no tensor`);

  const tensors: Record<string, Tensor> = {};
  const dtypes: Record<string, string> = {};
  for (const e of entries) {
    const count = checkedSize(e.shape, 'loadSafetensors');
    setOwn(tensors, e.name, new Tensor(decode(view, 8 + headerLength + e.begin, count, e.dtype, e.name), e.shape));
    setOwn(dtypes, e.name, e.dtype);
  }
  return { tensors, metadata, dtypes };
}

/** Parses safetensors bytes into float32 tensors by name, in the file's order. */
export function loadSafetensors(bytes: Uint8Array | ArrayBuffer): Record<string, Tensor> {
  return readSafetensors(bytes).tensors;
}

/** An integer stored in the file, as float32 holds it; an error where it cannot hold it exactly. */
function exact(value: number | bigint, name: string, dtype: string, index: number): number {
  const v = exactInFloat32(value);
  if (v === null) throw new RangeError(`loadSafetensors: '${name}' (${dtype}) holds ${value} at index ${index}, which float32 cannot hold exactly (integers are exact up to 2^24); typegrad's tensors are float32`);
  return v;
}

function decode(view: DataView, at: number, count: number, dtype: string, name: string): Float32Array {
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
      for (let i = 0; i < count; i++) out[i] = bfloat16ToFloat(view.getUint16(at + 2 * i, true));
      break;
    case 'I64':
      for (let i = 0; i < count; i++) out[i] = exact(view.getBigInt64(at + 8 * i, true), name, dtype, i);
      break;
    case 'I32':
      for (let i = 0; i < count; i++) out[i] = exact(view.getInt32(at + 4 * i, true), name, dtype, i);
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
