// tg.io.writeFileAtomic, the package's one writer of run files: the target holds the old bytes or the
// new ones, never a part; a failed write leaves no temp file; temp files of killed writers are removed.

import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeStaleTempFiles, writeFileAtomic } from '../../io/index.js';

describe('writeFileAtomic', () => {
  it('replaces a file with bytes or text and leaves no temp file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'typegrad-atomic-'));
    const file = join(dir, 'a.bin');
    writeFileAtomic(file, Uint8Array.from([1, 2, 3]));
    expect([...readFileSync(file)]).toEqual([1, 2, 3]);
    writeFileAtomic(file, 'text ✓');
    expect(readFileSync(file, 'utf8')).toBe('text ✓');
    writeFileAtomic(join(dir, 'empty'), new Uint8Array(0));
    expect(readFileSync(join(dir, 'empty')).length).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['a.bin', 'empty']);
  });

  it('a write that fails throws, keeps the old file and leaves no temp file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'typegrad-atomic-'));
    const file = join(dir, 'keep.json');
    writeFileSync(file, 'old');
    // a folder where the file should go: the rename fails after the temp file was written
    expect(() => writeFileAtomic(dir, 'new')).toThrow(/EISDIR|EEXIST|ENOTEMPTY|EPERM/);
    expect(() => writeFileAtomic(join(dir, 'missing', 'x'), 'new')).toThrow(/ENOENT/);
    expect(readFileSync(file, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['keep.json']);
  });

  it('removeStaleTempFiles deletes temp files of dead processes only', () => {
    const dir = mkdtempSync(join(tmpdir(), 'typegrad-atomic-'));
    const names = ['.model.safetensors.999999999.3.tmp', `.metrics.json.${process.pid}.0.tmp`, 'notes.tmp', '.x.12a.0.tmp'];
    for (const n of names) writeFileSync(join(dir, n), 'x');
    expect(removeStaleTempFiles(dir)).toEqual(['.model.safetensors.999999999.3.tmp']);
    expect(readdirSync(dir).sort()).toEqual(names.slice(1).sort());
  });
});
