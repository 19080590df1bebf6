// Reading the files out of a tar archive (the CIFAR-10 download is one), as GNU tar reads them: 512-byte
// headers, each verified by its checksum and followed by the member's bytes padded to 512. Regular files
// ('0', '\0', '7' and, as POSIX and GNU tar say, unknown types) are returned; directories, links and
// devices are skipped; pax ('x', 'g') path/size records and GNU long names ('L') apply to the next member.
// Anything damaged — a bad checksum, a malformed number, a member cut off — is an error naming the archive.

import { DEFAULT_MAX_BYTES, gunzip, isGzip, plainBytes } from './idx.js';

export interface TarEntry {
  name: string;
  data: Uint8Array;
}

export interface TarOptions {
  /** refuse a gzipped archive that unpacks to more than this many bytes (default 2^30, 1 GiB) */
  maxBytes?: number;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const isSpace = (b: number) => b === 0x20 || (b >= 0x09 && b <= 0x0d);
const isOctal = (b: number) => b >= 0x30 && b <= 0x37;
const cstring = (b: Uint8Array) => {
  const end = b.indexOf(0);
  return end < 0 ? b : b.subarray(0, end);
};

/**
 * A numeric header field as GNU tar's from_header reads it: an optional leading NUL and spaces, octal
 * digits ended by the field's end, a NUL or a space (what follows is ignored), or base-256 (a leading
 * 0x80 / 0xff byte). Returns null where GNU tar reports an error.
 */
function numeric(field: Uint8Array, octalOnly: boolean): number | null {
  let i = field[0] === 0 ? 1 : 0;
  while (i < field.length && isSpace(field[i])) i++;
  if (i === field.length) return null; // blanks only
  let v = 0;
  if (isOctal(field[i])) {
    while (i < field.length && isOctal(field[i])) v = v * 8 + field[i++] - 0x30;
  } else if (!octalOnly && i <= field.length - 2 && (field[i] === 0x80 || field[i] === 0xff)) {
    v = field[i] === 0xff ? -1 : 0;
    for (i++; i < field.length; i++) v = v * 256 + field[i];
    if (Math.abs(v) >= 2 ** 53) return null;
  }
  return i === field.length || field[i] === 0 || isSpace(field[i]) ? v : null;
}

/** pax extended header records, `<length> <key>=<value>\n`, checked as GNU tar checks them. */
function paxRecords(data: Uint8Array, where: string): Map<string, string> {
  const out = new Map<string, string>();
  let at = 0;
  for (;;) {
    let p = at;
    while (data[p] === 0x20 || data[p] === 0x09) p++;
    if (p >= data.length || data[p] === 0) return out; // GNU tar stops at the end or at a NUL
    if (!(data[p] >= 0x30 && data[p] <= 0x39)) throw new Error(`${where}: malformed pax record at byte ${p} (missing length)`);
    let len = 0;
    while (data[p] >= 0x30 && data[p] <= 0x39) len = len * 10 + data[p++] - 0x30;
    const next = at + len;
    if (len > data.length - at) throw new Error(`${where}: pax record at byte ${at} declares length ${len}, only ${data.length - at} bytes remain`);
    const key = p;
    while (data[p] === 0x20 || data[p] === 0x09) p++;
    if (p === key) throw new Error(`${where}: malformed pax record at byte ${at} (missing blank after the length)`);
    const eq = data.subarray(p, next).indexOf(0x3d);
    if (eq < 0 || data.subarray(p, p + eq).includes(0)) throw new Error(`${where}: malformed pax record at byte ${at} (missing '=')`);
    if (data[next - 1] !== 0x0a) throw new Error(`${where}: malformed pax record at byte ${at} (missing newline at its end)`);
    let [k, v] = ['', ''];
    try {
      [k, v] = [utf8.decode(data.subarray(p, p + eq)), utf8.decode(cstring(data.subarray(p + eq + 1, next - 1)))];
    } catch {
      throw new Error(`${where}: pax record at byte ${at} is not UTF-8`);
    }
    if ((['size', 'uid', 'gid'].includes(k) && !/^[0-9]+$/.test(v)) || (['mtime', 'atime', 'ctime'].includes(k) && !/^-?[0-9]+(\.[0-9]*)?$/.test(v))) {
      throw new Error(`${where}: malformed pax record ${k}=${v}`);
    }
    out.set(k, v);
    at = next;
  }
}

/** The regular files of a tar archive (gzip or not); `name` appears in every error. */
export function readTar(bytes: Uint8Array, name = 'tar archive', options: TarOptions = {}): TarEntry[] {
  bytes = plainBytes(bytes);
  if (isGzip(bytes)) bytes = gunzip(bytes, name, options.maxBytes ?? DEFAULT_MAX_BYTES);
  if (bytes.length < 512) throw new Error(`readTar: ${name} is not a tar archive: ${bytes.length} bytes, less than one 512-byte block`);
  const out: TarEntry[] = [];
  const global = new Map<string, string>();
  let local = new Map<string, string>();
  let pending: { data: Uint8Array; where: string } | null = null;
  let longName: string | null = null;
  for (let off = 0; off < bytes.length; ) {
    const h = bytes.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break; // end of archive (GNU tar stops at the first zero block); a short zero tail is fine too
    const at = `readTar: ${name}: the header at byte ${off}`;
    if (h.length < 512) throw new Error(`readTar: ${name} is truncated: ${h.length} bytes of a 512-byte header at byte ${off}`);
    let [unsigned, signed] = [8 * 0x20, 8 * 0x20];
    h.forEach((b, k) => {
      if (k < 148 || k >= 156) (unsigned += b), (signed += b < 128 ? b : b - 256);
    });
    const recorded = numeric(h.subarray(148, 156), true);
    if (recorded !== unsigned && recorded !== signed) {
      throw new Error(`${at} has checksum ${recorded ?? 'field ' + JSON.stringify(String.fromCharCode(...h.subarray(148, 156)))}, its bytes sum to ${unsigned} (damaged, or not a tar archive)`);
    }
    const type = String.fromCharCode(h[156]);
    const field = (what: string, from: number, len: number, min: number, max = Infinity) => {
      const v = numeric(h.subarray(from, from + len), false);
      if (v === null || v < min || v > max) throw new Error(`${at} has a malformed ${what} field ${JSON.stringify(String.fromCharCode(...h.subarray(from, from + len)))}`);
      return v;
    };
    field('mode', 100, 8, -Infinity);
    field('uid', 108, 8, 0, 2 ** 32 - 1);
    field('gid', 116, 8, 0, 2 ** 32 - 1);
    field('mtime', 136, 12, -Infinity);
    if (type === '3' || type === '4') field('devmajor', 329, 8, -Infinity), field('devminor', 337, 8, -Infinity);
    const ext = 'xgLK'.includes(type); // extended headers: their data describes the next member
    if (!ext && pending) {
      // as GNU tar, an 'x' header's records are read with the member they describe (none at the end: ignored)
      local = paxRecords(pending.data, pending.where);
      pending = null;
    }
    const pax = new Map([...global, ...local]);
    let size = field('size', 124, 12, 0);
    if (pax.has('size') && !ext) size = Number(pax.get('size'));
    if ('SMV'.includes(type)) throw new Error(`${at} is a GNU ${{ S: 'sparse file', M: 'multi-volume continuation', V: 'volume label' }[type]}, which readTar does not read`);
    let [file, slash] = ['', false];
    if (!ext) {
      const prefix = String.fromCharCode(...h.subarray(257, 263)) === 'ustar\0' ? cstring(h.subarray(345, 500)) : new Uint8Array(0);
      file = pax.get('path') ?? longName ?? decode(prefix.length ? Uint8Array.from([...prefix, 0x2f, ...cstring(h.subarray(0, 100))]) : cstring(h.subarray(0, 100)), at);
      // as GNU tar: trailing slashes mark a directory, leading ones are dropped, '.' stands for an empty name
      slash = file.length > 1 && file.endsWith('/');
      file = file.replace(/(.)\/+$/, '$1').replace(/^\/+/, '') || '.';
    }
    const start = off + 512;
    const padded = Math.ceil(size / 512) * 512; // GNU tar reads whole blocks: a cut in the padding is a truncation too
    if (padded > bytes.length - start) {
      throw new Error(`readTar: ${name} is truncated inside ${ext ? `the '${type}' extended header` : file} (the header at byte ${off} declares ${size} bytes, padded to ${padded}; ${bytes.length - start} remain)`);
    }
    const data = bytes.subarray(start, start + size);
    off = start + padded;
    if (type === 'x') pending = { data, where: `${at} (pax)` };
    if (type === 'g') for (const [k, v] of paxRecords(data, `${at} (pax)`)) global.set(k, v);
    if (type === 'L') longName = decode(cstring(data), at);
    if (ext) continue;
    [local, longName] = [new Map(), null];
    if (file.split('/').includes('..')) throw new Error(`${at}: member name ${JSON.stringify(file)} contains '..'`);
    // '0', '\0' and '7' are files unless named with a trailing slash; unknown types are files (POSIX, GNU tar)
    const dir = type === '5' || ('0\x007'.includes(type) && slash);
    if ((dir || type === '1') && size > 0) throw new Error(`${at}: ${JSON.stringify(file)} is a ${dir ? 'directory' : 'hard link'} with ${size} bytes of data`);
    const regular = !dir && !'12346D'.includes(type);
    if (regular) out.push({ name: file, data: data.slice() });
  }
  return out;
}

function decode(b: Uint8Array, at: string): string {
  try {
    return utf8.decode(b);
  } catch {
    throw new Error(`${at} has a member name that is not UTF-8`);
  }
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
    put('0000000\0', off + 108);
    put('0000000\0', off + 116);
    put(e.data.length.toString(8).padStart(11, '0') + '\0', off + 124);
    put('00000000000\0', off + 136);
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
