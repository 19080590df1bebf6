// PyTorch's torch.save files (.pt, .pth), read without running any of their code. Two formats:
//   zip (PyTorch >= 1.6)  <folder>/data.pkl, the object pickle; <folder>/data/<key>, each storage's raw
//                         bytes; <folder>/version; <folder>/byteorder (PyTorch >= 2.1; 'little' if absent)
//   legacy                five pickles back to back (magic number, protocol version 1001, system info, the
//                         object, the storage keys), then per key an int64 element count and the bytes
// The object pickle refers to storages by persistent id ('storage', torch.FloatStorage, key, location,
// numel[, view]) and rebuilds tensors with torch._utils._rebuild_tensor_v2(storage, offset, size, stride,
// requires_grad, hooks). Python's pickle would import and call whatever the file names; here only the
// globals below exist, each is a small function of ours, and anything else is refused by name before it
// could mean anything. What comes back is tensors (float32, as everywhere in typegrad), plain objects
// (dicts and OrderedDicts, in order), arrays (lists and tuples), numbers, bigints (ints beyond 2^53),
// strings, booleans, null and Uint8Array (bytes).
// As with safetensors, the file is checked before tensors are allocated: storage sizes against the bytes
// present, every tensor's view (offset + extent) within its storage, little-endian data, and the total
// size of the tensors against the storages (a few pickle bytes can rebuild one storage many times).

import { Tensor } from '../engine/index.js';
import { checkedSize, formatShape, SizeLimitError } from '../engine/shape.js';
import { PyDict, PyGlobal, PyTuple, describe, unpickle, type Fail, type UnpickleHooks } from './pickle.js';
import { readStoredZip } from './zip.js';
import { bfloat16ToFloat, exactInFloat32, halfToFloat, setOwn } from './dtypes.js';

export type TorchValue = Tensor | null | boolean | number | bigint | string | Uint8Array | TorchValue[] | { [key: string]: TorchValue };

/** torch.<Name>Storage: what torch.save writes for each dtype typegrad reads. */
const STORAGES: Record<string, { dtype: string; bytes: number }> = {
  FloatStorage: { dtype: 'float32', bytes: 4 },
  HalfStorage: { dtype: 'float16', bytes: 2 },
  BFloat16Storage: { dtype: 'bfloat16', bytes: 2 },
  DoubleStorage: { dtype: 'float64', bytes: 8 },
  LongStorage: { dtype: 'int64', bytes: 8 },
  IntStorage: { dtype: 'int32', bytes: 4 },
  ShortStorage: { dtype: 'int16', bytes: 2 },
  CharStorage: { dtype: 'int8', bytes: 1 },
  ByteStorage: { dtype: 'uint8', bytes: 1 },
  BoolStorage: { dtype: 'bool', bytes: 1 },
};

/** The legacy format's first pickle. */
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;
/** Deeper nesting than Python's own recursion limit lets pickle write is not a real file. */
const MAX_DEPTH = 1000;

class StorageType extends PyGlobal {
  constructor(name: string, readonly dtype: string, readonly bytes: number) {
    super('torch', name);
  }
}

/** One of our functions standing for an allowed global. */
class Callable extends PyGlobal {
  constructor(module: string, name: string, readonly fn: (args: readonly unknown[], bad: Fail) => unknown) {
    super(module, name);
  }
}

interface StorageRef {
  key: string;
  type: StorageType;
  numel: number;
  /** set when the bytes are found: at once in a zip, after the object pickle in the legacy format */
  data?: Uint8Array;
}

const TENSOR = Symbol('tensor');
interface TensorRef {
  kind: typeof TENSOR;
  storage: StorageRef;
  offset: number;
  size: number[];
  stride: number[];
  requiresGrad: boolean;
}
const isTensorRef = (v: unknown): v is TensorRef => typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === TENSOR;

const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const ints = (v: unknown): number[] | null => (v instanceof PyTuple && v.items.every((d) => isInt(d) && d >= 0) ? [...(v.items as number[])] : null);
const isEmptyDict = (v: unknown) => v instanceof PyDict && v.entries.size === 0;

/** Checks a view against its storage before anything is allocated; returns the tensor's reference. */
function rebuild(storage: unknown, offset: unknown, sizeArg: unknown, strideArg: unknown, requiresGrad: unknown, bad: Fail): TensorRef {
  if (typeof storage !== 'object' || storage === null || !('type' in storage) || !((storage as StorageRef).type instanceof StorageType)) {
    bad(`a tensor's storage must come from a persistent id, got ${describe(storage)}`);
  }
  const s = storage as StorageRef;
  const size = ints(sizeArg);
  const stride = ints(strideArg);
  if (!size) bad(`a tensor's size must be a tuple of non-negative ints, got ${describe(sizeArg)}`);
  if (!stride || stride.length !== size!.length) bad(`a tensor of size ${formatShape(size!)} needs ${size!.length} non-negative int strides, got ${describe(strideArg)}`);
  if (!isInt(offset) || offset < 0) bad(`a tensor's storage offset must be a non-negative int, got ${describe(offset)}`);
  if (typeof requiresGrad !== 'boolean') bad(`requires_grad must be a bool, got ${describe(requiresGrad)}`);
  // the last element the view reaches must be in the storage (an empty view may sit at its end)
  let last = offset as number;
  const empty = size!.includes(0);
  if (!empty) for (let d = 0; d < size!.length; d++) last += (size![d] - 1) * stride![d];
  if (empty ? last > s.numel : last >= s.numel) {
    bad(`a tensor of size ${formatShape(size!)}, stride ${formatShape(stride!)} at offset ${offset} reaches element ${last} of a ${s.numel}-element storage`);
  }
  return { kind: TENSOR, storage: s, offset: offset as number, size: size!, stride: stride!, requiresGrad: requiresGrad as boolean };
}

/** The globals torch.save writes for tensors and state dicts; nothing else can be imported. */
const GLOBALS = new Map<string, PyGlobal>([
  // OrderedDict(): a state dict, and a tensor's (empty) backward hooks
  ['collections.OrderedDict', new Callable('collections', 'OrderedDict', (args, bad) => (args.length === 0 ? new PyDict(true) : bad('OrderedDict is only rebuilt empty, then filled by SETITEMS')))],
  ['torch._utils._rebuild_tensor_v2', new Callable('torch._utils', '_rebuild_tensor_v2', (args, bad) => {
    // (storage, offset, size, stride, requires_grad, backward_hooks[, metadata]) (PyTorch >= 0.4)
    if (args.length !== 6 && args.length !== 7) bad(`_rebuild_tensor_v2 takes 6 or 7 arguments, got ${args.length}`);
    if (!isEmptyDict(args[5])) bad('a tensor with backward hooks (they are code) cannot be loaded');
    if (args.length === 7 && !(args[6] instanceof PyDict)) bad(`a tensor's metadata must be a dict, got ${describe(args[6])}`);
    return rebuild(args[0], args[1], args[2], args[3], args[4], bad);
  })],
  ['torch._utils._rebuild_tensor', new Callable('torch._utils', '_rebuild_tensor', (args, bad) => {
    // (storage, offset, size, stride): PyTorch 0.3's legacy files
    if (args.length !== 4) bad(`_rebuild_tensor takes 4 arguments, got ${args.length}`);
    return rebuild(args[0], args[1], args[2], args[3], false, bad);
  })],
  ['torch._utils._rebuild_parameter', new Callable('torch._utils', '_rebuild_parameter', (args, bad) => {
    // (data, requires_grad, backward_hooks): an nn.Parameter saved by itself or in a dict
    if (args.length !== 3 || !isTensorRef(args[0]) || typeof args[1] !== 'boolean' || !isEmptyDict(args[2])) {
      bad(`_rebuild_parameter takes (tensor, requires_grad, empty hooks), got (${args.map(describe).join(', ')})`);
    }
    return { ...(args[0] as TensorRef), requiresGrad: args[1] as boolean };
  })],
  // _codecs.encode(str, 'latin1'): how protocol 2 pickles Python 3 bytes
  ['_codecs.encode', new Callable('_codecs', 'encode', (args, bad) => {
    const [text, encoding] = args;
    if (args.length !== 2 || typeof text !== 'string' || (encoding !== 'latin1' && encoding !== 'latin-1')) bad(`_codecs.encode is only bytes as (str, 'latin1'), got (${args.map(describe).join(', ')})`);
    const out = new Uint8Array((text as string).length);
    for (let i = 0; i < out.length; i++) {
      const c = (text as string).charCodeAt(i);
      if (c > 0xff) bad(`_codecs.encode: character U+${c.toString(16)} is not latin1`);
      out[i] = c;
    }
    return out;
  })],
  // torch.Size((2, 3)): a shape stored as a value
  ['torch.Size', new Callable('torch', 'Size', (args, bad) => (args.length === 1 && ints(args[0]) ? args[0] : bad(`torch.Size takes one tuple of ints, got (${args.map(describe).join(', ')})`)))],
  ...Object.entries(STORAGES).map(([name, s]): [string, PyGlobal] => [`torch.${name}`, new StorageType(name, s.dtype, s.bytes)]),
]);

export const TORCH_GLOBALS: readonly string[] = [...GLOBALS.keys()];

function refuse(module: string, name: string, at: string): never {
  throw new Error(
    `loadTorch: refusing the global '${module}.${name}' (${at}): a torch.save file of tensors and plain values needs only ${TORCH_GLOBALS.join(', ')}; ` +
      'anything else could run code when loaded, so it is not imported or called',
  );
}

/** What the magic bytes say: a torch.save zip, a legacy torch.save file, or neither. */
export function torchFormat(bytes: Uint8Array): 'zip' | 'legacy' | null {
  if (bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return 'zip';
  // PROTO n, FRAME (protocol >= 4), LONG1 10 bytes: the magic number's little-endian bytes
  const magic = [0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
  const at = bytes[2] === 0x95 ? 11 : 2;
  if (bytes.length >= at + magic.length && bytes[0] === 0x80 && magic.every((b, i) => bytes[at + i] === b)) return 'legacy';
  return null;
}

/** Reads a torch.save file (either format) into tensors and plain values, running none of its code. */
export function loadTorch(bytes: Uint8Array | ArrayBuffer): TorchValue {
  // a plain view even of a Node Buffer, whose slice() would share memory instead of copying
  const buf = bytes instanceof Uint8Array ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : null;
  if (!buf) throw new TypeError('loadTorch: expected a Uint8Array or ArrayBuffer');
  const fail: Fail = (why) => {
    throw new RangeError(`loadTorch: not a valid torch.save file (${buf.length} bytes): ${why}`);
  };
  const format = torchFormat(buf);
  if (!format) fail('it starts with neither a zip header (PK\\x03\\x04) nor the legacy format\'s pickled magic number');
  const storages = new Map<string, StorageRef>();
  const value = format === 'zip' ? readZip(buf, storages, fail) : readLegacy(buf, storages, fail);
  return new Converter(storages, fail).value(value, 0, '');
}

function torchHooks(storages: Map<string, StorageRef>, legacy: boolean, found: (s: StorageRef, bad: Fail) => void): UnpickleHooks {
  return {
    global(module, name, at) {
      const known = GLOBALS.get(`${module}.${name}`);
      if (known) return known;
      // a dtype typegrad has no float32 form for (complex, quantized) is not an attack: say so
      if (module === 'torch' && /^\w+Storage$/.test(name)) {
        throw new RangeError(`loadTorch: the storage type torch.${name} (${at}) is not supported; typegrad reads ${Object.keys(STORAGES).join(', ')}`);
      }
      return refuse(module, name, at);
    },
    call(fn, args, bad) {
      if (fn instanceof Callable) return fn.fn(args, bad);
      return bad(`${describe(fn)} cannot be called${fn instanceof StorageType ? ' (a storage type only names a dtype in a persistent id)' : ''}`);
    },
    build(target, state, bad) {
      // a state dict's OrderedDict carries its modules' versions as `_metadata`; typegrad has no use for them
      if (target instanceof PyDict && target.ordered && state instanceof PyDict) return;
      bad(`setting the state of ${describe(target)} is not supported`);
    },
    persistentLoad(pid, bad) {
      const items = pid instanceof PyTuple ? pid.items : [];
      const [tag, type, key, location, numel] = items;
      const expected = legacy ? 6 : 5;
      if (items.length !== expected || tag !== 'storage' || !(type instanceof StorageType) || typeof key !== 'string' || typeof location !== 'string' || !isInt(numel) || numel < 0) {
        bad(`expected a storage id ('storage', torch.<Type>Storage, key, location, numel${legacy ? ', view' : ''}), got ${pid instanceof PyTuple ? `(${items.map(describe).join(', ')})` : describe(pid)}`);
      }
      if (legacy && items[5] !== null) bad('storage views (the legacy format of PyTorch < 0.4) are not supported');
      const seen = storages.get(key as string);
      if (seen) {
        if (seen.type !== type || seen.numel !== numel) bad(`storage '${key}' is ${seen.numel} ${seen.type.dtype} elements in one place and ${numel} ${(type as StorageType).dtype} in another`);
        return seen;
      }
      const s: StorageRef = { key: key as string, type: type as StorageType, numel: numel as number };
      storages.set(s.key, s);
      found(s, bad);
      return s;
    },
  };
}

/** Hooks for the legacy format's header pickles: plain values only. */
const PLAIN: UnpickleHooks = {
  global: refuse,
  call: (fn, _args, bad) => bad(`${describe(fn)} cannot be called`),
  build: (_t, _s, bad) => bad('setting an object\'s state is not supported here'),
  persistentLoad: (_p, bad) => bad('a persistent id is not expected here'),
};

function readZip(buf: Uint8Array, storages: Map<string, StorageRef>, fail: Fail): unknown {
  const zip = readStoredZip(buf, fail);
  if (zip.names.length === 0) fail('the zip archive is empty');
  // every record is in one folder, named after the file when torch.save wrote it ('archive' for a stream)
  const folder = zip.names[0].split('/')[0];
  const outside = zip.names.find((n) => !n.startsWith(folder + '/'));
  if (outside !== undefined) fail(`zip entries '${zip.names[0]}' and '${outside}' are in different folders; torch.save writes one`);
  const text = (name: string) => {
    const b = zip.read(`${folder}/${name}`);
    return b && new TextDecoder().decode(b).trim();
  };
  const version = text('version') ?? text('.data/version');
  if (version === undefined) fail(`there is no '${folder}/version' record: not a torch.save zip`);
  if (!/^\d+$/.test(version!)) fail(`the version record is ${JSON.stringify(version!.slice(0, 20))}, not a number`);
  const byteorder = text('byteorder');
  if (byteorder === 'big') fail('the storages are big-endian (byteorder record); typegrad reads little-endian files (re-save on a little-endian machine)');
  if (byteorder !== undefined && byteorder !== 'little') fail(`the byteorder record is ${JSON.stringify(byteorder.slice(0, 20))}, expected 'little' or 'big'`);
  const pkl = zip.read(`${folder}/data.pkl`);
  if (!pkl) fail(`there is no '${folder}/data.pkl' record`);
  const hooks = torchHooks(storages, false, (s, bad) => {
    const data = zip.read(`${folder}/data/${s.key}`);
    if (!data) bad(`storage '${s.key}' has no record '${folder}/data/${s.key}'`);
    if (data!.length !== s.numel * s.type.bytes) bad(`storage '${s.key}' is ${s.numel} ${s.type.dtype} elements (${s.numel * s.type.bytes} bytes) but its record has ${data!.length} bytes`);
    s.data = data;
  });
  const { value, end } = unpickle(pkl!, 0, hooks, 'data.pkl', fail);
  if (end !== pkl!.length) fail(`data.pkl has ${pkl!.length - end} bytes after its STOP`);
  return value;
}

function readLegacy(buf: Uint8Array, storages: Map<string, StorageRef>, fail: Fail): unknown {
  let at = 0;
  const next = (what: string, hooks: UnpickleHooks): unknown => {
    const r = unpickle(buf, at, hooks, what, fail);
    at = r.end;
    return r.value;
  };
  if (next('the magic number', PLAIN) !== LEGACY_MAGIC) fail('the magic number is wrong');
  const protocol = next('the protocol version', PLAIN);
  if (protocol !== LEGACY_PROTOCOL) fail(`the legacy protocol version is ${describe(protocol)}, expected ${LEGACY_PROTOCOL}`);
  const info = next('the system info', PLAIN);
  const littleEndian = info instanceof PyDict ? info.entries.get('slittle_endian')?.[1] : undefined;
  if (littleEndian === false) fail('the storages are big-endian (sys_info little_endian is False); typegrad reads little-endian files');
  if (littleEndian !== true) fail(`the system info must be a dict with little_endian: True, got ${describe(littleEndian === undefined ? info : littleEndian)}`);
  const value = next('the object pickle', torchHooks(storages, true, () => {}));
  const keys = next('the storage keys', PLAIN);
  const list = Array.isArray(keys) ? keys : [];
  if (!Array.isArray(keys) || list.length !== storages.size || new Set(list).size !== list.length || !list.every((k) => typeof k === 'string' && storages.has(k))) {
    fail(`the storage keys (${describe(keys)}) must list each of the ${storages.size} storages the object pickle uses once`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (const key of list as string[]) {
    const s = storages.get(key)!;
    if (at + 8 > buf.length) fail(`storage '${key}' is missing: the file ends at byte ${buf.length} (truncated?)`);
    const count = view.getBigInt64(at, true);
    if (count !== BigInt(s.numel)) fail(`storage '${key}' is ${s.numel} ${s.type.dtype} elements but its data at byte ${at} says ${count}`);
    const bytes = s.numel * s.type.bytes;
    if (at + 8 + bytes > buf.length) fail(`storage '${key}' needs ${bytes} bytes at byte ${at + 8} but the file has ${buf.length - at - 8} left (truncated?)`);
    s.data = buf.subarray(at + 8, at + 8 + bytes);
    at += 8 + bytes;
  }
  if (at !== buf.length) fail(`${buf.length - at} bytes follow the last storage`);
  return value;
}

/** Turns the pickle's values into TorchValues: tensors decoded, each object once (shared stays shared). */
class Converter {
  private readonly done = new Map<object, TorchValue>();
  private readonly open = new Set<object>();
  private readonly stored: number;
  private budget: number;

  constructor(storages: Map<string, StorageRef>, private readonly fail: Fail) {
    this.stored = 0;
    for (const s of storages.values()) this.stored += s.numel;
    this.budget = Math.max(2 ** 24, 4 * this.stored);
  }

  value(v: unknown, depth: number, path: string): TorchValue {
    if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'string' || v instanceof Uint8Array) return v;
    const o = v as object;
    const done = this.done.get(o);
    if (done !== undefined) return done;
    const where = path || 'the top-level value';
    if (this.open.has(o)) this.fail(`${where} refers back to a container that holds it (a cycle)`);
    if (depth > MAX_DEPTH) this.fail(`${where} is nested more than ${MAX_DEPTH} deep`);
    this.open.add(o);
    let out: TorchValue;
    if (isTensorRef(o)) out = this.tensor(o, where);
    else if (Array.isArray(o) || o instanceof PyTuple) {
      const items = Array.isArray(o) ? o : o.items;
      out = items.map((item, i) => this.value(item, depth + 1, `${path}[${i}]`));
    } else if (o instanceof PyDict) {
      const record: Record<string, TorchValue> = {};
      for (const [key, item] of o.entries.values()) {
        const k = String(key);
        if (Object.hasOwn(record, k)) this.fail(`${where} has both the str key '${k}' and the int key ${k}`);
        setOwn(record, k, this.value(item, depth + 1, `${path}[${JSON.stringify(k)}]`));
      }
      out = record;
    } else if (o instanceof PyGlobal) return this.fail(`${where} is the global ${o} itself, not a value typegrad can return`);
    else return this.fail(`${where} is a bare storage; typegrad loads tensors (save the tensor, not its storage)`);
    this.open.delete(o);
    this.done.set(o, out);
    return out;
  }

  private tensor(t: TensorRef, where: string): Tensor {
    const { storage: s, size, stride, offset } = t;
    if (!s.data) this.fail(`storage '${s.key}' has no data`);
    const n = checkedSize(size, 'loadTorch');
    this.budget -= n;
    if (this.budget < 0) {
      const limit = Math.max(2 ** 24, 4 * this.stored);
      throw new SizeLimitError(`loadTorch: the tensors would hold over ${limit} values, the limit for a file whose storages hold ${this.stored} (4 times that, at least 2^24): one storage rebuilt many times, or expanded with stride 0?`);
    }
    const read = reader(s, where);
    const rank = size.length;
    let contiguous = true;
    for (let d = rank - 1, step = 1; d >= 0; step *= size[d], d--) if (size[d] !== 1 && stride[d] !== step) contiguous = false;
    if (contiguous && s.type.dtype === 'float32' && LITTLE_ENDIAN_HOST) {
      // the common case, several times faster than element by element: one aligned copy that backs the tensor
      return new Tensor(new Float32Array(s.data!.slice(4 * offset, 4 * (offset + n)).buffer), size, t.requiresGrad);
    }
    const out = new Float32Array(n);
    if (contiguous) {
      for (let i = 0; i < n; i++) out[i] = read(offset + i);
    } else if (n > 0) {
      // walk the view in row-major order: an odometer over the indices, moving `at` by the strides
      const index = new Array<number>(rank).fill(0);
      let at = offset;
      for (let i = 0; i < n; i++) {
        out[i] = read(at);
        for (let d = rank - 1; d >= 0; d--) {
          at += stride[d];
          if (++index[d] < size[d]) break;
          at -= stride[d] * size[d];
          index[d] = 0;
        }
      }
    }
    return new Tensor(out, size, t.requiresGrad);
  }
}

const LITTLE_ENDIAN_HOST = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/** Element i of a storage as a float32 value; integers must be exact in float32 (or it throws). */
function reader(s: StorageRef, where: string): (i: number) => number {
  const data = s.data!;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const exact = (v: number | bigint, i: number): number => {
    const x = exactInFloat32(v);
    if (x !== null) return x;
    throw new RangeError(`loadTorch: ${where} (${s.type.dtype}) holds ${v} at storage element ${i}, which float32 cannot hold exactly (integers are exact up to 2^24); typegrad's tensors are float32`);
  };
  switch (s.type.dtype) {
    case 'float32': return (i) => view.getFloat32(4 * i, true);
    case 'float64': return (i) => view.getFloat64(8 * i, true);
    case 'float16': return (i) => halfToFloat(view.getUint16(2 * i, true));
    case 'bfloat16': return (i) => bfloat16ToFloat(view.getUint16(2 * i, true));
    case 'int64': return (i) => exact(view.getBigInt64(8 * i, true), i);
    case 'int32': return (i) => exact(view.getInt32(4 * i, true), i);
    case 'int16': return (i) => view.getInt16(2 * i, true);
    case 'int8': return (i) => view.getInt8(i);
    case 'uint8': return (i) => data[i];
    default: return (i) => {
      if (data[i] > 1) throw new RangeError(`loadTorch: ${where} (bool) holds the byte ${data[i]} at storage element ${i}; a bool is 0 or 1`);
      return data[i];
    };
  }
}
