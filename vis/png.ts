// PNG bytes from pixels, anywhere. Node compresses through data/codecs (pngjs + zlib); where there is no
// Node (browsers, workers) a small encoder writes the image as stored (uncompressed) deflate blocks:
// valid PNG that every viewer opens, larger on disk, and synchronous, with no dependency.

import { encodePng } from '../data/codecs.js';

const inNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

export interface Pixels {
  data: Uint8Array;
  width: number;
  height: number;
  /** 1 (grey), 3 (RGB) or 4 (RGBA) */
  channels: 1 | 3 | 4;
}

export function pngBytes(img: Pixels): Uint8Array {
  return inNode ? encodePng(img) : storedPng(img);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A PNG whose zlib stream holds the filtered rows in stored blocks (no compression). */
export function storedPng({ data, width, height, channels }: Pixels): Uint8Array {
  const row = width * channels + 1;
  const raw = new Uint8Array(row * height); // filter byte 0 (none) before each row
  for (let y = 0; y < height; y++) raw.set(data.subarray(y * width * channels, (y + 1) * width * channels), y * row + 1);
  const blocks = Math.max(1, Math.ceil(raw.length / 65535));
  const z = new Uint8Array(2 + raw.length + 5 * blocks + 4);
  z.set([0x78, 0x01]);
  let at = 2;
  for (let b = 0; b < blocks; b++) {
    const part = raw.subarray(b * 65535, (b + 1) * 65535);
    z.set([b === blocks - 1 ? 1 : 0, part.length & 0xff, part.length >> 8, ~part.length & 0xff, (~part.length >> 8) & 0xff], at);
    z.set(part, at + 5);
    at += 5 + part.length;
  }
  let [s1, s2] = [1, 0];
  for (const v of raw) (s1 = (s1 + v) % 65521), (s2 = (s2 + s1) % 65521);
  new DataView(z.buffer).setUint32(at, ((s2 << 16) | s1) >>> 0);
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr.set([8, channels === 1 ? 0 : channels === 3 ? 2 : 6, 0, 0, 0], 8);
  const chunks = [chunk('IHDR', ihdr), chunk('IDAT', z), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(8 + chunks.reduce((s, c) => s + c.length, 0));
  out.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let o = 8;
  for (const c of chunks) out.set(c, o), (o += c.length);
  return out;
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  dv.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}
