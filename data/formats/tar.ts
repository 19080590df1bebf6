// Reading the files out of a (ustar) tar archive, enough for cifar-10-binary.tar.gz: 512-byte headers
// (name, octal size, type) each followed by the file's bytes padded to 512.

import { gunzip, isGzip } from './idx.js';

export interface TarEntry {
  name: string;
  data: Uint8Array;
}

function text(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
}

/** The regular files of a tar archive (gzip or not); `name` appears in errors. */
export function readTar(bytes: Uint8Array, name = 'tar archive'): TarEntry[] {
  if (isGzip(bytes)) bytes = gunzip(bytes, name);
  const out: TarEntry[] = [];
  let off = 0;
  while (off + 512 <= bytes.length) {
    const header = bytes.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break; // end-of-archive blocks
    const prefix = text(header.subarray(345, 500));
    const file = (prefix ? prefix + '/' : '') + text(header.subarray(0, 100));
    const size = parseInt(text(header.subarray(124, 136)).trim() || '0', 8);
    if (!Number.isFinite(size) || size < 0) throw new Error(`readTar: ${name}: bad size field for ${file}`);
    const type = String.fromCharCode(header[156] || 0x30);
    const start = off + 512;
    if (start + size > bytes.length) throw new Error(`readTar: ${name} is truncated inside ${file} (needs ${size} bytes)`);
    if (type === '0' || type === '\0') out.push({ name: file, data: bytes.slice(start, start + size) });
    off = start + Math.ceil(size / 512) * 512;
  }
  return out;
}

/** Writes regular files as a ustar archive (for tests). */
export function writeTar(entries: readonly TarEntry[]): Uint8Array {
  const blocks = entries.reduce((n, e) => n + 1 + Math.ceil(e.data.length / 512), 2);
  const out = new Uint8Array(blocks * 512);
  let off = 0;
  const put = (s: string, at: number) => out.set(new TextEncoder().encode(s), at);
  for (const e of entries) {
    put(e.name, off);
    put('0000644\0', off + 100);
    put(e.data.length.toString(8).padStart(11, '0') + '\0', off + 124);
    out[off + 156] = 0x30;
    put('ustar\0' + '00', off + 257);
    put('        ', off + 148); // checksum: computed over the header with this field as spaces
    let sum = 0;
    for (let k = 0; k < 512; k++) sum += out[off + k];
    put(sum.toString(8).padStart(6, '0') + '\0 ', off + 148);
    out.set(e.data, off + 512);
    off += 512 + Math.ceil(e.data.length / 512) * 512;
  }
  return out;
}
