// A strict reader for zip archives of stored (uncompressed) entries, which is what torch.save writes
// (PyTorch's miniz writer: stored entries, data 64-byte aligned by an 'FB' padding field, sizes in a data
// descriptor after each entry, a zip64 end record always). The central directory is authoritative; every
// record's signature, every offset and size is checked against the bytes present, each local header must
// agree with its central entry, names are UTF-8 and unique, and an entry's CRC-32 is checked when it is
// read. Entries are views into the input (no copies). A compressed, encrypted or multi-disk archive is
// refused: torch.save does not write one.
// (fflate's unzipSync, the small library for this, checks none of these: no CRC, no signature or bounds
// checks, and a duplicate name silently wins.)

import type { Fail } from './pickle.js';

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export interface StoredZip {
  names: string[];
  /** The entry's bytes (CRC-checked on first read), or undefined if there is no such entry. */
  read(name: string): Uint8Array | undefined;
}

interface Entry {
  begin: number;
  end: number;
  crc: number;
  checked: boolean;
}

export function readStoredZip(buf: Uint8Array, fail: Fail): StoredZip {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const u16 = (p: number) => view.getUint16(p, true);
  const u32 = (p: number) => view.getUint32(p, true);
  const u64 = (p: number, what: string): number => {
    const v = view.getBigUint64(p, true);
    if (v > BigInt(buf.length)) fail(`the zip's ${what} is ${v}, past the end of the ${buf.length}-byte file`);
    return Number(v);
  };

  // the end record: the last one whose comment runs exactly to the end of the file
  let eocd = -1;
  for (let p = buf.length - 22; p >= Math.max(0, buf.length - 22 - 0xffff); p--) {
    if (u32(p) === EOCD && p + 22 + u16(p + 20) === buf.length) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) fail('no zip end-of-central-directory record (truncated?)');
  if (u16(eocd + 4) !== 0 || u16(eocd + 6) !== 0 || u16(eocd + 8) !== u16(eocd + 10)) fail('a multi-disk zip archive');
  let count = u16(eocd + 10);
  let cdSize = u32(eocd + 12);
  let cdOffset = u32(eocd + 16);
  let cdLimit = eocd; // the central directory must end before the end records
  if (eocd >= 20 && u32(eocd - 20) === ZIP64_LOCATOR) {
    const z = u64(eocd - 12, 'zip64 end record offset');
    if (z + 56 > eocd - 20 || u32(z) !== ZIP64_EOCD) fail(`the zip64 locator points at byte ${z}, where there is no zip64 end record`);
    if (u32(z + 16) !== 0 || u32(z + 20) !== 0 || view.getBigUint64(z + 24, true) !== view.getBigUint64(z + 32, true)) fail('a multi-disk zip archive');
    const count64 = u64(z + 32, 'entry count');
    const size64 = u64(z + 40, 'central directory size');
    const offset64 = u64(z + 48, 'central directory offset');
    // the 32-bit fields hold the same values, or 0xffff… where they do not fit
    if ((count !== 0xffff && count !== count64) || (cdSize !== 0xffffffff && cdSize !== size64) || (cdOffset !== 0xffffffff && cdOffset !== offset64)) {
      fail('the zip64 end record disagrees with the end record');
    }
    [count, cdSize, cdOffset, cdLimit] = [count64, size64, offset64, z];
  }
  if (cdOffset + cdSize > cdLimit) fail(`the central directory (bytes ${cdOffset}..${cdOffset + cdSize}) runs past its end record at byte ${cdLimit}`);
  if (count * 46 > cdSize) fail(`${count} entries cannot fit in a ${cdSize}-byte central directory`);

  const entries = new Map<string, Entry>();
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cdOffset + cdSize || u32(p) !== CENTRAL) fail(`central directory entry ${i} (at byte ${p}) is missing or malformed`);
    const flags = u16(p + 8);
    const method = u16(p + 10);
    const crc = u32(p + 16);
    let compressed = u32(p + 20);
    let size = u32(p + 24);
    const nameLength = u16(p + 28);
    const extraLength = u16(p + 30);
    const next = p + 46 + nameLength + extraLength + u16(p + 32);
    let local = u32(p + 42);
    if (next > cdOffset + cdSize) fail(`central directory entry ${i} runs past the central directory`);
    const nameBytes = buf.subarray(p + 46, p + 46 + nameLength);
    let name: string;
    try {
      name = utf8.decode(nameBytes);
    } catch {
      return fail(`the name of zip entry ${i} is not UTF-8`);
    }
    const label = `zip entry '${name}'`;
    if (flags & 1) fail(`${label} is encrypted`);
    if (method !== 0) fail(`${label} is compressed (method ${method}); torch.save writes stored entries`);
    if (u16(p + 34) !== 0) fail(`${label} is on another disk`);
    // zip64: the fields that are 0xffffffff are in the extra field 0x0001, in this order
    const extraEnd = p + 46 + nameLength + extraLength;
    for (let e = p + 46 + nameLength; e + 4 <= extraEnd; e += 4 + u16(e + 2)) {
      if (u16(e) !== 1) continue;
      let q = e + 4;
      const end = Math.min(q + u16(e + 2), extraEnd);
      const take = (what: string): number => {
        if (q + 8 > end) fail(`${label}'s zip64 field has no ${what}`);
        const v = u64(q, `${label}'s ${what}`);
        q += 8;
        return v;
      };
      if (size === 0xffffffff) size = take('size');
      if (compressed === 0xffffffff) compressed = take('compressed size');
      if (local === 0xffffffff) local = take('offset');
    }
    if (compressed !== size) fail(`${label} is stored but its compressed size ${compressed} differs from its size ${size}`);
    if (entries.has(name)) fail(`the zip has two entries named '${name}'`);

    if (local + 30 > cdOffset || u32(local) !== LOCAL) fail(`${label}'s local header (at byte ${local}) is missing`);
    const localFlags = u16(local + 6);
    const localNameLength = u16(local + 26);
    const begin = local + 30 + localNameLength + u16(local + 28);
    if (u16(local + 8) !== method || localNameLength !== nameLength || !sameBytes(buf.subarray(local + 30, local + 30 + nameLength), nameBytes)) {
      fail(`${label}'s local header disagrees with the central directory (name or method)`);
    }
    // without a data descriptor (flag bit 3) the local header carries the CRC and sizes too
    if (!(localFlags & 8) && (u32(local + 14) !== crc || (u32(local + 22) !== size && u32(local + 22) !== 0xffffffff))) {
      fail(`${label}'s local header disagrees with the central directory (CRC or size)`);
    }
    if (begin + size > cdOffset) fail(`${label} (bytes ${begin}..${begin + size}) runs past the central directory at byte ${cdOffset}`);
    entries.set(name, { begin, end: begin + size, crc, checked: false });
    p = next;
  }
  if (p !== cdOffset + cdSize) fail(`the central directory has ${cdOffset + cdSize - p} bytes after its ${count} entries`);

  return {
    names: [...entries.keys()],
    read(name: string): Uint8Array | undefined {
      const e = entries.get(name);
      if (!e) return undefined;
      const data = buf.subarray(e.begin, e.end);
      if (!e.checked) {
        const crc = crc32(data);
        if (crc !== e.crc) fail(`zip entry '${name}' is corrupt: its CRC-32 is ${hex(crc)}, the archive says ${hex(e.crc)}`);
        e.checked = true;
      }
      return data;
    },
  };
}

const hex = (v: number) => `0x${v.toString(16).padStart(8, '0')}`;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

// CRC-32 (IEEE, reflected), slicing by 4: four table lookups per 4 bytes
let tables: Uint32Array[] | null = null;
function crcTables(): Uint32Array[] {
  if (tables) return tables;
  const t = Array.from({ length: 4 }, () => new Uint32Array(256));
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[0][n] = c >>> 0;
  }
  for (let n = 0; n < 256; n++) for (let k = 1; k < 4; k++) t[k][n] = (t[0][t[k - 1][n] & 0xff] ^ (t[k - 1][n] >>> 8)) >>> 0;
  return (tables = t);
}

export function crc32(data: Uint8Array): number {
  const [t0, t1, t2, t3] = crcTables();
  let c = 0xffffffff;
  let i = 0;
  for (const n = data.length - 3; i < n; i += 4) {
    c ^= data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    c = t3[c & 0xff] ^ t2[(c >>> 8) & 0xff] ^ t1[(c >>> 16) & 0xff] ^ t0[c >>> 24];
  }
  for (; i < data.length; i++) c = t0[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
