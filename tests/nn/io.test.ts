// safetensors: round trips, PyTorch-written files with every dtype, strict loading of a PyTorch
// state dict, Node save/load (atomic), and clear errors for corrupt or truncated files.

import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Tensor } from '../../engine/index.js';
import * as nn from '../../nn/index.js';
import { saveSafetensors, loadSafetensors, readSafetensors, save, load } from '../../io/index.js';
import { det, fixturePath, loadCases } from './helpers.js';

const bytesOf = (file: string) => new Uint8Array(readFileSync(fixturePath(file)));

describe('safetensors', () => {
  it('round trips a state dict in order, with metadata', () => {
    const sd = { 'a.weight': det([2, 3], 1), 'a.bias': det([3], 2), 'count': new Tensor(Float32Array.of(7), []) };
    const bytes = saveSafetensors(sd, { metadata: { format: 'pt' } });
    // the header is padded so the data starts 8-byte aligned
    expect(Number(new DataView(bytes.buffer).getBigUint64(0, true)) % 8).toBe(0);
    const back = readSafetensors(bytes);
    expect(Object.keys(back.tensors)).toEqual(['a.weight', 'a.bias', 'count']);
    expect(back.metadata).toEqual({ format: 'pt' });
    for (const k of Object.keys(sd) as Array<keyof typeof sd>) {
      expect(back.tensors[k].shape).toEqual(sd[k].shape);
      expect(back.tensors[k].data).toEqual(sd[k].data);
    }
  });

  it('reads F32, F16, BF16, F64 and I64 as PyTorch wrote them', () => {
    const [ref] = loadCases<Record<string, { shape: number[]; data: number[] }>>('dtypes.json');
    const file = readSafetensors(bytesOf('dtypes.safetensors'));
    expect(file.dtypes).toEqual({ f32: 'F32', f16: 'F16', bf16: 'BF16', f64: 'F64', i64: 'I64', scalar_i64: 'I64' });
    for (const [k, t] of Object.entries(file.tensors)) {
      expect(t.shape).toEqual(ref[k].shape);
      expect(Array.from(t.data)).toEqual(ref[k].data.map(Math.fround));
    }
  });

  it('a PyTorch ResidualBlock state dict (with int64 num_batches_tracked) loads strictly', () => {
    const block = new nn.ResidualBlock({ inChannels: 3, channels: [4, 4], kernelSizes: [3, 3], batchnorm: true });
    const tensors = loadSafetensors(bytesOf('resblock.safetensors'));
    // PyTorch's keys are snake_case (main_path); typegrad's follow property names (mainPath)
    const renamed = Object.fromEntries(Object.entries(tensors).map(([k, t]) => [k.replace('main_path', 'mainPath').replace('shortcut_path', 'shortcutPath'), t]));
    block.loadStateDict(renamed);
    expect(block.stateDict()['mainPath.1.num_batches_tracked'].item()).toBe(3);
  });

  it('rejects corrupt and truncated files with clear errors', () => {
    const good = saveSafetensors({ w: det([4, 4], 3) });
    expect(() => loadSafetensors(good.subarray(0, 5))).toThrow(/shorter than the 8-byte header length/);
    expect(() => loadSafetensors(good.subarray(0, good.length - 4))).toThrow(/'w' ends at byte 64 of the data but the file has only 60 \(truncated\?\)/);
    const huge = good.slice();
    new DataView(huge.buffer).setBigUint64(0, 1n << 60n, true);
    expect(() => loadSafetensors(huge)).toThrow(/implausibly large/);
    const cut = good.slice(0, 20);
    expect(() => loadSafetensors(cut)).toThrow(/the header claims \d+ bytes but only 12 follow/);
    const garbled = good.slice();
    garbled[9] = 0x7b; // '{{' is not JSON
    expect(() => loadSafetensors(garbled)).toThrow(/not valid UTF-8 JSON/);
    const wrongDtype = new TextEncoder().encode(JSON.stringify({ w: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }));
    const f = new Uint8Array(8 + wrongDtype.length + 8);
    new DataView(f.buffer).setBigUint64(0, BigInt(wrongDtype.length), true);
    f.set(wrongDtype, 8);
    expect(() => loadSafetensors(f)).toThrow(/'w' has dtype "C64"/);
  });

  it('save writes atomically (no temp file left) and load reads it back; load names a corrupt file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'typegrad-io-'));
    const path = join(dir, 'model.safetensors');
    const model = new nn.Linear({ inFeatures: 3, outFeatures: 2 });
    save(model.stateDict(), path);
    save(model.stateDict(), path); // overwriting works the same way
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
    const other = new nn.Linear({ inFeatures: 3, outFeatures: 2 });
    other.loadStateDict(load(path));
    expect(other.weight.data).toEqual(model.weight.data);
    writeFileSync(join(dir, 'bad.safetensors'), Uint8Array.of(1, 2, 3));
    expect(() => load(join(dir, 'bad.safetensors'))).toThrow(/load\('.*bad\.safetensors'\): not a valid safetensors file/);
    expect(() => load(join(dir, 'missing.safetensors'))).toThrow(/load: cannot read/);
  });

  it('nothing under io/ or nn/ imports node: modules statically (browser-safe)', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const files = [...readdirSync(join(root, 'io')).map((f) => `io/${f}`), ...readdirSync(join(root, 'nn'), { recursive: true }).map((f) => `nn/${f}`)].filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) expect(readFileSync(join(root, f), 'utf8')).not.toMatch(/from ['"]node:/);
  });
});
