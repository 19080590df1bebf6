// PNG files taken apart and put back together (every CRC recomputed), for tests that edit chunks.

import { crc32 } from 'node:zlib';

export interface Chunk {
  type: string;
  data: Uint8Array;
}
export function chunks(png: Uint8Array): Chunk[] {
  const out: Chunk[] = [];
  const view = new DataView(png.buffer, png.byteOffset, png.length);
  for (let p = 8; p + 12 <= png.length; ) {
    const n = view.getUint32(p);
    out.push({ type: Buffer.from(png.subarray(p + 4, p + 8)).toString('latin1'), data: Uint8Array.from(png.subarray(p + 8, p + 8 + n)) });
    p += 12 + n;
  }
  return out;
}
/** A PNG from chunks, every CRC computed (zlib's crc32). */
export function assemble(list: Chunk[]): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)];
  for (const { type, data } of list) {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
    parts.push(head, data, crc);
  }
  return new Uint8Array(Buffer.concat(parts));
}
/** The PNG with IHDR's width and height replaced, CRC fixed. */
export function withSize(png: Uint8Array, width: number, height: number): Uint8Array {
  return assemble(chunks(png).map((c) => {
    if (c.type !== 'IHDR') return c;
    const data = Uint8Array.from(c.data); // a copy of its own: a Buffer's slice() is a view into a shared pool
    new DataView(data.buffer).setUint32(0, width);
    new DataView(data.buffer).setUint32(4, height);
    return { type: c.type, data };
  }));
}
