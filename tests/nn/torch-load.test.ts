// torch.save files (tests/fixtures/torch/make_torch_fixtures.py, PyTorch 1.13): both formats load as
// PyTorch saved them (dtypes, views, nested values, a state dict that loads strictly into the matching
// typegrad model and gives PyTorch's output), tg.load tells the formats apart by their first bytes,
// malicious pickles are refused by the global they name, and malformed files (handmade, and a
// fast-check property over mutations of valid ones) end in clean errors naming loadTorch.
// FUZZ_RUNS=5000 npx vitest run tests/nn/torch-load.test.ts runs more mutations than npm test's 150 a file.

import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SizeLimitError, Tensor } from '../../engine/index.js';
import * as nn from '../../nn/index.js';
import { load, loadTorch, TORCH_GLOBALS, torchFormat, type TorchValue } from '../../io/index.js';
import { crc32 } from '../../io/zip.js';
import { assertClose, fixturePath } from './helpers.js';

const dir = fileURLToPath(new URL('../fixtures/torch/', import.meta.url));
const bytesOf = (file: string) => new Uint8Array(readFileSync(join(dir, file)));
const expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Record<string, unknown>;

/** A loaded value in expected.json's form (tensor data as float32 values). */
function plain(v: TorchValue): unknown {
  if (v instanceof Tensor) return { tensor: [...v.shape], data: Array.from(v.data) };
  if (v instanceof Uint8Array) return { bytes: Array.from(v) };
  if (typeof v === 'bigint') return { bigint: String(v) };
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

/** expected.json with tensor values rounded to float32 and the dtype dropped, as typegrad holds them. */
function asFloat32(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(asFloat32);
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  if ('tensor' in o) return { tensor: o.tensor, data: (o.data as Array<number | string>).map((x) => Math.fround(x === 'inf' ? Infinity : x === '-inf' ? -Infinity : Number(x))) };
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, asFloat32(x)]));
}

/** The error a call throws (or null). */
function thrown(f: () => unknown): Error | null {
  try {
    f();
    return null;
  } catch (e) {
    return e as Error;
  }
}

// ---- hand-made files: pickle bytes, the legacy layout, and a stored zip as torch.save writes it ----

const enc = new TextEncoder();
const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];
const u64 = (n: number) => [...u32(n % 2 ** 32), ...u32(Math.floor(n / 2 ** 32))];
const cat = (...parts: Array<ArrayLike<number>>) => Uint8Array.from(parts.flatMap((p) => Array.from(p)));
const str = (s: string) => [0x58, ...u32(enc.encode(s).length), ...enc.encode(s)];
const global = (m: string, n: string) => [0x63, ...enc.encode(`${m}\n${n}\n`)];
const int = (n: number) => [0x4a, ...u32(n)];
const STOP = 0x2e;
const PROTO2 = [0x80, 2];
/** A tensor of `size`/`stride`/`offset` on float32 storage '0' of `numel` elements (legacy persistent id). */
const tensorPickle = (size: number[], stride: number[], offset: number, numel: number) => [
  ...global('torch._utils', '_rebuild_tensor_v2'), 0x28,
  0x28, ...str('storage'), ...global('torch', 'FloatStorage'), ...str('0'), ...str('cpu'), ...int(numel), 0x4e, 0x74, 0x51,
  ...int(offset), 0x28, ...size.flatMap(int), 0x74, 0x28, ...stride.flatMap(int), 0x74, 0x89,
  ...global('collections', 'OrderedDict'), 0x29, 0x52, 0x74, 0x52,
];

/** A legacy torch.save file around an object pickle (without PROTO/STOP) and its storages' float32 data. */
function legacy(object: number[], storages: number[][] = [], littleEndian = true): Uint8Array {
  const magic = [...PROTO2, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, STOP];
  const version = [...PROTO2, 0x4d, 0xe9, 0x03, STOP];
  const info = [...PROTO2, 0x7d, 0x28, ...str('little_endian'), littleEndian ? 0x88 : 0x89, 0x75, STOP];
  const keys = [...PROTO2, 0x5d, 0x28, ...storages.map((_, i) => str(String(i))).flat(), 0x65, STOP];
  const data = storages.flatMap((values) => [...u64(values.length), ...new Uint8Array(Float32Array.from(values).buffer)]);
  return cat(magic, version, info, [...PROTO2, ...object, STOP], keys, data);
}

/** A zip of stored entries with data descriptors and a zip64 end record, as PyTorch's writer makes them. */
function zip(entries: Array<[string, Uint8Array]>): Uint8Array {
  const local: number[] = [];
  const central: number[] = [];
  for (const [name, data] of entries) {
    const n = enc.encode(name);
    const crc = crc32(data);
    central.push(0x50, 0x4b, 0x01, 0x02, 0, 0, 0, 0, 0x08, 0x08, 0, 0, 0, 0, 0, 0, ...u32(crc), ...u32(data.length), ...u32(data.length));
    central.push(n.length, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...u32(local.length), ...n);
    local.push(0x50, 0x4b, 0x03, 0x04, 0, 0, 0x08, 0x08, 0, 0, ...new Array(16).fill(0), n.length, 0, 0, 0, ...n, ...data);
    local.push(0x50, 0x4b, 0x07, 0x08, ...u32(crc), ...u32(data.length), ...u32(data.length));
  }
  const z64 = local.length + central.length;
  const count = entries.length;
  return cat(local, central,
    [0x50, 0x4b, 0x06, 0x06, ...u64(44), 0x1e, 0x03, 0x2d, 0, 0, 0, 0, 0, 0, 0, 0, 0, ...u64(count), ...u64(count), ...u64(central.length), ...u64(local.length)],
    [0x50, 0x4b, 0x06, 0x07, 0, 0, 0, 0, ...u64(z64), 1, 0, 0, 0],
    [0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, count, 0, count, 0, ...u32(central.length), ...u32(local.length), 0, 0]);
}

/** A zip-format file holding one float32 tensor [2] = (1, 2), with extra records. */
function zipTensor(extra: Array<[string, string]> = [], folder = 'archive'): Uint8Array {
  const pid = [0x28, ...str('storage'), ...global('torch', 'FloatStorage'), ...str('0'), ...str('cpu'), ...int(2), 0x74, 0x51];
  const pkl = cat(PROTO2, global('torch._utils', '_rebuild_tensor_v2'), [0x28], pid, int(0), [0x28], int(2), [0x74, 0x28], int(1),
    [0x74, 0x89], global('collections', 'OrderedDict'), [0x29, 0x52, 0x74, 0x52, STOP]);
  return zip([
    [`${folder}/data.pkl`, pkl],
    [`${folder}/data/0`, new Uint8Array(Float32Array.of(1, 2).buffer)],
    [`${folder}/version`, enc.encode('3\n')],
    ...extra.map(([n, v]): [string, Uint8Array] => [`${folder}/${n}`, enc.encode(v)]),
  ]);
}

describe('loadTorch: files PyTorch wrote', () => {
  const cases: Array<[string, string, string[]]> = [
    ['tensor', 'tensor', ['zip', 'legacy']],
    ['state_dict', 'state_dict', ['zip', 'legacy']],
    ['nested', 'nested', ['zip', 'legacy']],
    ['protocol4', 'nested', ['zip', 'legacy']],
    ['dtypes', 'dtypes', ['zip', 'legacy']],
    ['views', 'views', ['zip', 'legacy']],
    ['rebuild_v1', 'rebuild_v1', ['legacy']],
    ['archive_folder', 'archive_folder', ['zip']],
  ];
  for (const [file, key, formats] of cases) {
    for (const format of formats) {
      it(`${file}.${format}.pt loads as PyTorch saved it`, () => {
        const bytes = bytesOf(`${file}.${format}.pt`);
        expect(torchFormat(bytes)).toBe(format);
        expect(plain(loadTorch(bytes))).toEqual(asFloat32(expected[key]));
      });
    }
  }

  it('a state dict keeps PyTorch\'s order; a Parameter keeps requires_grad; shared storages give separate tensors', () => {
    const sd = loadTorch(bytesOf('state_dict.zip.pt')) as Record<string, Tensor>;
    expect(Object.keys(sd)).toEqual(Object.keys(expected.state_dict as object));
    expect(sd['1.num_batches_tracked'].item()).toBe(2);
    const nested = loadTorch(bytesOf('nested.legacy.pt')) as Record<string, TorchValue>;
    expect((nested.param as Tensor).requiresGrad).toBe(true);
    expect(((nested.model as Record<string, Tensor>).w).requiresGrad).toBe(false);
    const views = loadTorch(bytesOf('views.zip.pt')) as Record<string, Tensor>;
    expect(views.base.data).not.toBe(views.tail.data);
  });

  it('the state dict loads strictly into the matching typegrad model, whose output equals PyTorch\'s', () => {
    for (const format of ['zip', 'legacy']) {
      const model = new nn.Sequential(
        new nn.Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3 }),
        new nn.BatchNorm2d({ numFeatures: 4 }),
        new nn.ReLU(),
        new nn.Flatten(),
        new nn.Linear({ inFeatures: 16, outFeatures: 5 }),
      );
      model.loadStateDict(loadTorch(bytesOf(`state_dict.${format}.pt`)) as Record<string, Tensor>, { strict: true });
      model.eval();
      const { input, output } = expected.state_dict_forward as Record<string, { tensor: number[]; data: number[] }>;
      const y = model.forward(new Tensor(Float32Array.from(input.data), input.tensor));
      assertClose(`${format} forward`, y, { shape: output.tensor, data: output.data }, 1e-5);
    }
  });

  it('integers float32 cannot hold exactly are refused, naming the tensor', () => {
    for (const format of ['zip', 'legacy']) {
      expect(() => loadTorch(bytesOf(`inexact_int64.${format}.pt`))).toThrow(/loadTorch: \["count"\] \(int64\) holds 16777217 at storage element 1, which float32 cannot hold exactly/);
    }
  });
});

describe('tg.load on torch.save files', () => {
  it('tells zip, legacy and safetensors files apart by their first bytes, not their names', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'typegrad-torch-'));
    copyFileSync(join(dir, 'state_dict.zip.pt'), join(tmp, 'weights.bin'));
    copyFileSync(join(dir, 'state_dict.legacy.pt'), join(tmp, 'x.pt'));
    copyFileSync(fileURLToPath(fixturePath('resblock.safetensors')), join(tmp, 'y.pth'));
    const want = asFloat32(expected.state_dict);
    expect(plain(load(join(tmp, 'weights.bin')))).toEqual(want);
    expect(plain(load(join(tmp, 'x.pt')))).toEqual(want);
    expect(Object.keys(load(join(tmp, 'y.pth')))).toContain('main_path.1.num_batches_tracked');
    const nested = load<TorchValue>(join(dir, 'nested.zip.pt')) as Record<string, TorchValue>;
    expect(nested.epoch).toBe(7);
    // bytes are copies, plain Uint8Arrays, even though readFileSync gives a Buffer (whose slice shares memory)
    expect(Object.getPrototypeOf(nested.blob)).toBe(Uint8Array.prototype);
    expect((nested.blob as Uint8Array).buffer.byteLength).toBe(3);
  });

  it('errors name the file and keep their class; a safetensors error is unchanged', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'typegrad-torch-'));
    writeFileSync(join(tmp, 'cut.pt'), bytesOf('state_dict.zip.pt').subarray(0, 2000));
    writeFileSync(join(tmp, 'cut-legacy.pt'), bytesOf('state_dict.legacy.pt').subarray(0, 2000));
    writeFileSync(join(tmp, 'not.pt'), Uint8Array.of(1, 2, 3));
    expect(() => load(join(tmp, 'cut.pt'))).toThrow(/^load\('.*cut\.pt'\): not a valid torch\.save file \(2000 bytes\): no zip end-of-central-directory record/);
    expect(() => load(join(tmp, 'cut-legacy.pt'))).toThrow(/^load\('.*cut-legacy\.pt'\): not a valid torch\.save file \(2000 bytes\): storage '\d+' needs \d+ bytes/);
    expect(thrown(() => load(join(tmp, 'cut.pt')))).toBeInstanceOf(RangeError);
    expect(() => load(join(tmp, 'not.pt'))).toThrow(/^load\('.*not\.pt'\): not a valid safetensors file/);
    const refused = thrown(() => load(join(dir, 'malicious_os_system.zip.pt')))!;
    expect(refused.message).toMatch(/^load\('.*malicious_os_system\.zip\.pt'\): refusing the global 'posix\.system'/);
    expect(refused).not.toBeInstanceOf(RangeError);
  });
});

describe('loadTorch: the restricted unpickler', () => {
  it('refuses every malicious fixture by the global it names (and never runs it)', () => {
    const names = expected.malicious as Record<string, string>;
    for (const [file, global] of Object.entries(names)) {
      for (const format of ['zip', 'legacy']) {
        const e = thrown(() => loadTorch(bytesOf(`malicious_${file}.${format}.pt`)));
        expect(e?.message, `${file}.${format}`).toMatch(new RegExp(`^loadTorch: refusing the global '${global.replace('.', '\\.')}' \\((data\\.pkl|the object pickle), byte \\d+\\)`));
      }
    }
  });

  it('allows exactly the globals torch.save writes for tensors and containers', () => {
    expect(TORCH_GLOBALS).toEqual([
      'collections.OrderedDict', 'torch._utils._rebuild_tensor_v2', 'torch._utils._rebuild_tensor', 'torch._utils._rebuild_parameter', '_codecs.encode', 'torch.Size',
      'torch.FloatStorage', 'torch.HalfStorage', 'torch.BFloat16Storage', 'torch.DoubleStorage', 'torch.LongStorage', 'torch.IntStorage',
      'torch.ShortStorage', 'torch.CharStorage', 'torch.ByteStorage', 'torch.BoolStorage',
    ]);
  });

  it('refuses other globals, however they are reached, and calls only what it allows', () => {
    const refusals: Array<[number[], RegExp]> = [
      [[...global('os', 'system'), ...str('ls'), 0x85, 0x52], /refusing the global 'os\.system'/],
      [[...global('builtins', 'eval'), 0x29, 0x52], /refusing the global 'builtins\.eval'/],
      [[...global('__builtin__', 'getattr')], /refusing the global '__builtin__\.getattr'/],
      [[0x8c, 2, ...enc.encode('os'), 0x8c, 6, ...enc.encode('system'), 0x93], /refusing the global 'os\.system'/], // STACK_GLOBAL
      [[...global('torch', 'load')], /refusing the global 'torch\.load'/],
      [[...global('torch._utils', '_rebuild_from_type_v2')], /refusing the global 'torch\._utils\._rebuild_from_type_v2'/],
    ];
    expect(() => loadTorch(legacy(global('torch', 'ComplexFloatStorage')))).toThrow(/^loadTorch: the storage type torch\.ComplexFloatStorage \(the object pickle, byte 2\) is not supported; typegrad reads FloatStorage, /);
    for (const [object, message] of refusals) {
      const e = thrown(() => loadTorch(legacy(object)));
      expect(e?.message).toMatch(message);
      expect(e?.message).toMatch(/^loadTorch: .*nothing|not imported or called/);
    }
    const bad: Array<[number[], RegExp]> = [
      [[...global('torch', 'FloatStorage'), 0x29, 0x52], /torch\.FloatStorage cannot be called \(a storage type only names a dtype/],
      [[...global('torch', 'Size')], /the top-level value is the global torch\.Size itself/],
      [[...global('collections', 'OrderedDict'), 0x29, 0x52, 0x5d, 0x62], /setting the state of .* is not supported|BUILD/],
      [[0x5d, 0x7d, 0x62], /setting the state of a list of 0 is not supported/],
      [[0x69, ...enc.encode('os\nsystem\n')], /INST \(0x69\): unsupported pickle opcode: it builds an arbitrary object/],
      [[0x49, ...enc.encode('1\n')], /INT \(0x49\): unsupported pickle opcode: protocol 0/],
      [[0x82, 1], /EXT1 \(0x82\): unsupported pickle opcode: it reads the copyreg extension registry/],
      [[0xff], /opcode 0xff: unsupported pickle opcode/],
      [[0x58, 0xff, 0xff, 0xff, 0xff], /BINUNICODE \(0x58\): needs 4294967295 bytes but only \d+ are left/],
      [[0x8d, ...u64(2 ** 40)], /BINUNICODE8 \(0x8d\): claims a length of 1099511627776 bytes/],
      [[0x6a, ...u32(7)], /LONG_BINGET \(0x6a\): memo entry 7 was never stored/],
      [[0x5d, 0x71, 0, 0x68, 0, 0x61], /\[0\] refers back to a container that holds it \(a cycle\)/],
      [[0x7d, 0x29, 0x4e, 0x73], /a dict key is a tuple of 0; only str and int keys are supported/],
      [[0x7d, ...str('1'), 0x4e, 0x4b, 1, 0x4e, 0x75], /MARK/],
      [[0x7d, 0x28, ...str('1'), 0x4e, 0x4b, 1, 0x4e, 0x75], /has both the str key '1' and the int key 1/],
      [[0x29, 0x4e, 0x61], /expected a list to append to, got a tuple of 0/],
      [[0x4e, 0x4e], /expected one value on the stack, found 2/],
      [[0x28, 0x4e], /a MARK is still open/],
      [[0x80, 6], /pickle protocol 6 is newer than 5/],
    ];
    for (const [object, message] of bad) {
      const e = thrown(() => loadTorch(legacy(object)));
      expect(e?.message ?? 'no error', JSON.stringify(object)).toMatch(message);
      expect(e?.message).toMatch(/^loadTorch: not a valid torch\.save file/);
    }
  });

  it('refuses nesting deeper than Python can write, without blowing the stack', () => {
    const depth = 100_000;
    const e = thrown(() => loadTorch(legacy([...new Array(depth).fill(0x5d), ...new Array(depth - 1).fill(0x61)])));
    expect(e?.message).toMatch(/is nested more than 1000 deep/);
    const shallow = loadTorch(legacy([...new Array(500).fill(0x5d), ...new Array(499).fill(0x61)]));
    let d = 0;
    for (let v = shallow; Array.isArray(v) && v.length; v = v[0]) d++;
    expect(d).toBe(499);
  });
});

describe('loadTorch: malformed files', () => {
  it('checks every tensor view against its storage, and the storages against the bytes', () => {
    const ok = loadTorch(legacy(tensorPickle([2, 2], [1, 2], 1, 5), [[0, 1, 2, 3, 4]])) as Tensor;
    expect(Array.from(ok.data)).toEqual([1, 3, 2, 4]);
    const cases: Array<[Uint8Array, RegExp]> = [
      [legacy(tensorPickle([2, 2], [1, 2], 2, 5), [[0, 1, 2, 3, 4]]), /a tensor of size \[2,2\], stride \[1,2\] at offset 2 reaches element 5 of a 5-element storage/],
      [legacy(tensorPickle([0], [1], 6, 5), [[0, 1, 2, 3, 4]]), /reaches element 6 of a 5-element storage/],
      [legacy(tensorPickle([2], [1, 1], 0, 5), [[0, 1, 2, 3, 4]]), /needs 1 non-negative int strides/],
      [legacy(tensorPickle([2], [-1], 0, 5), [[0, 1, 2, 3, 4]]), /needs 1 non-negative int strides/],
      [legacy(tensorPickle([2], [1], 0, 5), [[0, 1, 2, 3]]), /storage '0' is 5 float32 elements but its data at byte \d+ says 4/],
      [legacy(tensorPickle([2], [1], 0, 5), [[0, 1, 2, 3, 4], [1]]), /the storage keys \(a list of 2\) must list each of the 1 storages/],
      [legacy(tensorPickle([2], [1], 0, 5), []), /must list each of the 1 storages/],
      [cat(legacy(tensorPickle([1], [1], 0, 1), [[7]]).subarray(0, -2)), /storage '0' needs 4 bytes at byte \d+ but the file has 2 left/],
      [cat(legacy(tensorPickle([1], [1], 0, 1), [[7]]), [0]), /1 bytes follow the last storage/],
      [legacy([0x4e], [], false), /big-endian \(sys_info little_endian is False\)/],
    ];
    for (const [bytes, message] of cases) expect(() => loadTorch(bytes)).toThrow(message);
  });

  it('bounds the tensors a few pickle bytes can rebuild from one storage', () => {
    const e = thrown(() => loadTorch(legacy(tensorPickle([2 ** 25], [0], 0, 1), [[1]])));
    expect(e).toBeInstanceOf(SizeLimitError);
    expect(e?.message).toMatch(/^loadTorch: the tensors would hold over 16777216 values, the limit for a file whose storages hold 1 \(4 times that, at least 2\^24\)/);
    // stride 0 within the budget is a real (expanded) tensor
    expect(Array.from((loadTorch(legacy(tensorPickle([3], [0], 0, 1), [[5]])) as Tensor).data)).toEqual([5, 5, 5]);
  });

  it('reads the zip layout strictly: folder, version, byteorder, records, CRCs', () => {
    expect(Array.from((loadTorch(zipTensor([['byteorder', 'little']], 'my-model')) as Tensor).data)).toEqual([1, 2]);
    expect(() => loadTorch(zipTensor([['byteorder', 'big']]))).toThrow(/big-endian \(byteorder record\)/);
    expect(() => loadTorch(zipTensor([['byteorder', 'middle']]))).toThrow(/the byteorder record is "middle"/);
    const noVersion = zip([['archive/data.pkl', cat(PROTO2, [0x4e, STOP])]]);
    expect(() => loadTorch(noVersion)).toThrow(/there is no 'archive\/version' record/);
    const two = zip([['a/data.pkl', cat(PROTO2, [0x4e, STOP])], ['a/version', enc.encode('3')], ['b/x', new Uint8Array(1)]]);
    expect(() => loadTorch(two)).toThrow(/zip entries 'a\/data\.pkl' and 'b\/x' are in different folders/);
    const dup = zip([['a/data.pkl', cat(PROTO2, [0x4e, STOP])], ['a/version', enc.encode('3')], ['a/version', enc.encode('3')]]);
    expect(() => loadTorch(dup)).toThrow(/two entries named 'a\/version'/);
    const trailing = zip([['a/data.pkl', cat(PROTO2, [0x4e, STOP, 0x4e])], ['a/version', enc.encode('3')]]);
    expect(() => loadTorch(trailing)).toThrow(/data\.pkl has 1 bytes after its STOP/);
    expect(loadTorch(zip([['a/data.pkl', cat(PROTO2, [0x4e, STOP])], ['a/version', enc.encode('3')]]))).toBe(null);

    const file = bytesOf('tensor.zip.pt');
    const flipped = file.slice();
    flipped[flipped.length - 200] ^= 1; // in the central directory or a record
    const data = file.slice();
    data[file.indexOf(0x80) + 5] ^= 0x20; // inside data.pkl
    expect(() => loadTorch(data)).toThrow(/zip entry 'tensor\.zip\/data\.pkl' is corrupt: its CRC-32 is 0x[0-9a-f]{8}, the archive says/);
    expect(thrown(() => loadTorch(flipped))?.message).toMatch(/^loadTorch: not a valid torch\.save file/);
    // a compressed entry (a checkpoint re-zipped with deflate) is refused clearly
    const deflated = zipTensor().slice();
    let at = deflated.length;
    while (!(deflated[--at] === 0x50 && deflated[at + 1] === 0x4b && deflated[at + 2] === 1 && deflated[at + 3] === 2));
    deflated[at + 10] = 8;
    expect(() => loadTorch(deflated)).toThrow(/zip entry 'archive\/version' is compressed \(method 8\); torch\.save writes stored entries/);
  });

  it('rejects what is not a torch.save file', () => {
    expect(() => loadTorch(new Uint8Array([1, 2, 3]))).toThrow(/it starts with neither a zip header/);
    expect(() => loadTorch('x' as unknown as Uint8Array)).toThrow(TypeError);
    expect(torchFormat(bytesOf('../nn/resblock.safetensors'))).toBe(null);
  });
});

describe('loadTorch: mutations of valid files', () => {
  /** A loaded value must be well formed: tensors whose data fits their shape, plain values elsewhere. */
  function wellFormed(v: TorchValue, seen = new Set<object>()): boolean {
    if (v instanceof Tensor) return v.data.length === v.shape.reduce((a, b) => a * b, 1) && v.shape.every((d) => Number.isSafeInteger(d) && d >= 0);
    if (v === null || ['boolean', 'number', 'bigint', 'string'].includes(typeof v) || v instanceof Uint8Array) return true;
    if (seen.has(v as object)) return true;
    seen.add(v as object);
    if (Array.isArray(v)) return v.every((x) => wellFormed(x, seen));
    return Object.getPrototypeOf(v) === Object.prototype && Object.values(v as object).every((x) => wellFormed(x, seen));
  }

  const mutation = (length: number) =>
    fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(length - 1), bit: fc.nat(7) }),
      fc.record({ kind: fc.constant('set' as const), at: fc.nat(length - 1), bit: fc.nat(255) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat(length - 1), bit: fc.constant(0) }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(length - 1), bit: fc.nat(255) }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat(length - 1), bit: fc.constant(0) }),
    );
  function mutate(file: Uint8Array, m: { kind: string; at: number; bit: number }): Uint8Array {
    const out = file.slice();
    if (m.kind === 'flip') out[m.at] ^= 1 << m.bit;
    else if (m.kind === 'set') out[m.at] = m.bit;
    else if (m.kind === 'cut') return out.subarray(0, m.at);
    else if (m.kind === 'insert') return cat(out.subarray(0, m.at), [m.bit], out.subarray(m.at));
    else return cat(out.subarray(0, m.at), out.subarray(m.at + 1));
    return out;
  }

  for (const name of ['state_dict.zip.pt', 'nested.zip.pt', 'views.zip.pt', 'state_dict.legacy.pt', 'nested.legacy.pt', 'views.legacy.pt']) {
    it(`${name}: only clean errors or ${name.includes('zip') ? 'the very same values (the CRCs cover the data)' : 'well-formed values'}`, () => {
      const file = bytesOf(name);
      const original = plain(loadTorch(file));
      fc.assert(
        fc.property(fc.array(mutation(file.length), { minLength: 1, maxLength: 3 }), (ms) => {
          const bytes = ms.reduce<Uint8Array>((b, m) => (b.length ? mutate(b, { ...m, at: m.at % b.length }) : b), file);
          let value: TorchValue;
          try {
            value = loadTorch(bytes);
          } catch (e) {
            expect(e).toBeInstanceOf(Error);
            expect((e as Error).message).toMatch(/^loadTorch: /);
            return;
          }
          if (name.includes('zip')) expect(plain(value)).toEqual(original);
          else expect(wellFormed(value)).toBe(true);
        }),
        { numRuns: Number(process.env.FUZZ_RUNS ?? 150) },
      );
    });
  }
});

it('nothing in the torch reader imports node: modules statically (browser-safe)', () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  for (const f of ['io/torch.ts', 'io/pickle.ts', 'io/zip.ts', 'io/index.ts', 'io/node.ts']) expect(readFileSync(join(root, f), 'utf8')).not.toMatch(/from ['"]node:/);
});
