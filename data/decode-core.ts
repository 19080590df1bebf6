// The decoding that decodeImage (codecs.ts) and the DataLoader's decode workers (decode-pool.ts) share.
// Self-contained on purpose: these functions use nothing but their arguments and each other, because
// decode-pool.ts sends their source text (CORE_SOURCE) to each worker thread: no imports and no
// module-level values inside them.
//
// Bounded: the declared size (PNG IHDR, JPEG SOF) is read by a pre-scan and checked against maxPixels
// before any decoder allocates. Strict PNG: every chunk's CRC (ancillary ones too, where libpng would
// only warn), IHDR fields, chunk order, at least one IDAT, IEND, and image data that inflates to exactly
// the size IHDR implies, with nothing after the zlib stream: then pngjs decodes a stream known to be good.
// Bytes after IEND are ignored (as libpng and PIL do). JPEG: scanJpeg checks the size at the frame
// header, then walks every segment and the entropy-coded data (see there) before jpeg-js (not tolerant,
// with its own pixel and memory limits set from maxPixels) decodes the file.

/** Decoded pixels: 8-bit, interleaved, 3 (RGB) or 4 (RGBA) channels. */
export interface CoreImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

/** What the core needs from Node and the codec packages (passed in: the worker has no imports). */
export interface CoreDeps {
  zlib: {
    inflateSync(buf: Uint8Array, opts: { maxOutputLength: number; info: true }): { buffer: Uint8Array; engine: { bytesWritten: number } };
    crc32(data: Uint8Array): number;
  };
  pngjs: { PNG: { sync: { read(data: Uint8Array, opts: { skipRescale: boolean; checkCRC: boolean }): { width: number; height: number; data: Uint8Array | Uint16Array } } } };
  jpeg: { decode(data: Uint8Array, opts: object): { width: number; height: number; data: Uint8Array } };
}

/**
 * Decodes PNG or JPEG bytes. Throws an Error whose message says what is wrong (the caller adds the file
 * name); `limit: true` on it when the declared size is over maxPixels.
 */
export function decodeCore(bytes: Uint8Array, maxPixels: number, deps: CoreDeps, format: 'png' | 'jpeg'): CoreImage {
  const fail = (msg: string): never => {
    throw new Error(msg);
  };
  const u32 = (p: number) => ((bytes[p] << 24) | (bytes[p + 1] << 16) | (bytes[p + 2] << 8) | bytes[p + 3]) >>> 0;
  const u16 = (p: number) => (bytes[p] << 8) | bytes[p + 1];
  const checkSize = (w: number, h: number) => checkPixels(w, h, maxPixels);

  if (format === 'jpeg') {
    const frame = scanJpeg(bytes, maxPixels);
    // Memory jpeg-js may ask for: coefficients (4 bytes per sample, <= 4 components), lines and output.
    const maxMemoryUsageInMB = Math.ceil((maxPixels * 24) / 2 ** 20) + 16;
    const d = deps.jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: false, // a truncated JPEG is an error, as in PIL, instead of a silently grey bottom half
      maxResolutionInMP: maxPixels / 1e6,
      maxMemoryUsageInMB,
      ...(frame.rgb ? { colorTransform: false } : {}),
    });
    if (d.width !== frame.w || d.height !== frame.h || d.data.length !== d.width * d.height * 3) fail(`jpeg-js returned ${d.width}x${d.height} with ${d.data.length} bytes, the header declares ${frame.w}x${frame.h}`);
    return { data: d.data, width: d.width, height: d.height, channels: 3 };
  }

  // PNG: walk the chunks, checking each CRC and the rules libpng enforces, before decoding anything.
  const SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 8 || SIG.some((v, i) => bytes[i] !== v)) fail('damaged PNG signature');
  let p = 8;
  let ihdr: { w: number; h: number; depth: number; type: number; interlace: number } | null = null;
  let plte: Uint8Array | null = null;
  let trns: Uint8Array | null = null;
  const idat: Uint8Array[] = [];
  const keep: Uint8Array[] = [bytes.subarray(0, 8)]; // the chunks handed on to pngjs
  let idatEnded = false;
  for (;;) {
    if (p + 12 > bytes.length) fail(p === bytes.length ? 'truncated: no IEND chunk' : `truncated: ${bytes.length - p} bytes at offset ${p} are not a whole chunk`);
    const len = u32(p);
    const type = String.fromCharCode(bytes[p + 4], bytes[p + 5], bytes[p + 6], bytes[p + 7]);
    if (!/^[A-Za-z]{4}$/.test(type)) fail(`invalid chunk type at offset ${p} (bytes ${[...bytes.subarray(p + 4, p + 8)].join(' ')})`);
    if (len > 0x7fffffff || p + 12 + len > bytes.length) fail(`truncated: ${type} chunk at offset ${p} declares ${len} bytes, the file has ${Math.max(0, bytes.length - p - 12)} left`);
    const crc = deps.zlib.crc32(bytes.subarray(p + 4, p + 8 + len)) >>> 0;
    if (crc !== u32(p + 8 + len)) fail(`bad CRC in the ${type} chunk at offset ${p}`);
    const start = p;
    const body = bytes.subarray(p + 8, p + 8 + len);
    const whole = bytes.subarray(p, p + 12 + len);
    p += 12 + len;
    if (!ihdr && type !== 'IHDR') fail(`the first chunk is ${type}, not IHDR`);
    if (type !== 'IDAT' && idat.length > 0) idatEnded = true;
    if (type === 'IHDR') {
      if (ihdr) fail('more than one IHDR chunk');
      if (len !== 13) fail(`IHDR chunk of ${len} bytes (13 expected)`);
      const w = u32(start + 8);
      const h = u32(start + 12);
      const [depth, ctype, compression, filter, interlace] = body.subarray(8, 13);
      if (w === 0 || h === 0 || w > 0x7fffffff || h > 0x7fffffff) fail(`IHDR declares ${w}x${h} pixels`);
      const depths: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
      if (!depths[ctype]?.includes(depth)) fail(`IHDR: colour type ${ctype} with bit depth ${depth} is not a PNG format`);
      if (compression !== 0 || filter !== 0 || interlace > 1) fail(`IHDR: compression ${compression}, filter ${filter}, interlace ${interlace} (0, 0 and 0 or 1 expected)`);
      checkSize(w, h);
      ihdr = { w, h, depth, type: ctype, interlace };
      keep.push(whole);
    } else if (type === 'PLTE') {
      if (plte || idat.length) fail(plte ? 'more than one PLTE chunk' : 'PLTE chunk after the image data');
      if (len % 3 !== 0 || len === 0 || len > 768) fail(`PLTE chunk of ${len} bytes`);
      if (ihdr!.type === 0 || ihdr!.type === 4) fail(`PLTE chunk in a grey image`);
      plte = body;
      if (ihdr!.type === 3) keep.push(whole); // a suggested palette of an RGB image is not needed
    } else if (type === 'tRNS') {
      if (trns || idat.length) fail(trns ? 'more than one tRNS chunk' : 'tRNS chunk after the image data');
      const t = ihdr!.type;
      if (t === 3 && (!plte || len > plte.length / 3)) fail(plte ? `tRNS chunk with ${len} entries for ${plte.length / 3} palette colours` : 'tRNS chunk before PLTE');
      if ((t === 0 && len !== 2) || (t === 2 && len !== 6)) fail(`tRNS chunk of ${len} bytes`);
      trns = body; // (ignored for grey+alpha and RGBA, which have alpha already, as libpng and PIL do)
      if (t === 3) keep.push(whole); // for grey / RGB it is applied below (pngjs would black out the colour)
    } else if (type === 'IDAT') {
      if (idatEnded) fail('IDAT chunks are not consecutive');
      if (ihdr!.type === 3 && !plte) fail('palette image without a PLTE chunk before its image data');
      idat.push(body);
      keep.push(whole);
    } else if (type === 'IEND') {
      if (len !== 0) fail(`IEND chunk of ${len} bytes`);
      keep.push(whole);
      break; // anything after IEND is ignored, as libpng and PIL do
    } else if (!(bytes[start + 4] & 0x20)) fail(`unknown critical chunk ${type}`);
    // other ancillary chunks (text, gamma, colour profiles, ...): CRC-checked above, not used
  }
  if (idat.length === 0) fail('no IDAT chunk (no image data)');
  const { w, h, depth, type, interlace } = ihdr!;
  const bitsPerPixel = depth * ({ 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 } as Record<number, number>)[type];
  const rowBytes = (pw: number) => 1 + Math.ceil((pw * bitsPerPixel) / 8);
  let expected = 0;
  if (!interlace) expected = h * rowBytes(w);
  else {
    for (const [x0, y0, dx, dy] of [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]]) {
      const pw = Math.ceil((w - x0) / dx);
      const ph = Math.ceil((h - y0) / dy);
      if (pw > 0 && ph > 0) expected += ph * rowBytes(pw);
    }
  }
  if (expected > 2 ** 32 - 1 || w * h * 4 * (depth === 16 ? 2 : 1) > 2 ** 32 - 1) fail(`${w}x${h} pixels are too many to decode in one buffer`);
  let total = 0;
  for (const c of idat) total += c.length;
  const z = new Uint8Array(total);
  total = 0;
  for (const c of idat) z.set(c, total), (total += c.length);
  let inflated: { buffer: Uint8Array; engine: { bytesWritten: number } };
  try {
    inflated = deps.zlib.inflateSync(z, { maxOutputLength: expected, info: true });
  } catch (e) {
    const err = e as Error & { code?: string };
    fail(err.code === 'ERR_BUFFER_TOO_LARGE' ? `image data inflates to more than the ${expected} bytes IHDR implies` : `image data does not inflate (zlib: ${err.message})`);
  }
  if (inflated!.buffer.length !== expected) fail(`image data inflates to ${inflated!.buffer.length} bytes, IHDR implies ${expected}`);
  if (inflated!.engine.bytesWritten !== z.length) fail(`${z.length - inflated!.engine.bytesWritten} bytes after the end of the compressed image data`);
  for (let y = 0, q = 0; !interlace && y < h; y++, q += rowBytes(w)) {
    if (inflated!.buffer[q] > 4) fail(`row ${y} has filter type ${inflated!.buffer[q]} (0-4 expected)`);
  }

  let stream = new Uint8Array(keep.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of keep) stream.set(c, at), (at += c.length);
  const d = deps.pngjs.PNG.sync.read(Buffer.from(stream.buffer, 0, stream.length), { skipRescale: depth === 16, checkCRC: false }); // pngjs reads through Buffer methods
  stream = new Uint8Array(0);
  if (d.width !== w || d.height !== h || d.data.length !== w * h * 4) fail(`pngjs returned ${d.width}x${d.height} with ${d.data.length} samples`);
  const src = d.data;
  // 16-bit samples: the high byte, as PIL reads them; 8-bit ones are pngjs's own buffer
  const out = depth === 16 ? Uint8Array.from(src, (v) => v >> 8) : new Uint8Array(src.buffer, src.byteOffset, src.length);
  if (trns && (type === 0 || type === 2)) {
    // grey / RGB transparency: the colour's alpha is 0, its RGB stays (PIL's convert('RGBA'))
    const scale = depth < 8 ? 255 / (2 ** depth - 1) : 1;
    const key = type === 0 ? [u16At(trns, 0), u16At(trns, 0), u16At(trns, 0)] : [u16At(trns, 0), u16At(trns, 2), u16At(trns, 4)];
    for (let i = 0; i < out.length; i += 4) {
      if (src[i] === key[0] * scale && src[i + 1] === key[1] * scale && src[i + 2] === key[2] * scale) out[i + 3] = 0;
    }
  }
  return { data: out, width: w, height: h, channels: 4 };

  function u16At(b: Uint8Array, k: number) {
    return (b[k] << 8) | b[k + 1];
  }
}

/** Throws the maxPixels error (marked `limit: true`) when w x h is over the limit. */
export function checkPixels(w: number, h: number, maxPixels: number): void {
  if (w * h > maxPixels) {
    const e = new Error(`declares ${w}x${h} pixels (${(w * h).toLocaleString('en-US')}), over the limit of ${maxPixels.toLocaleString('en-US')} (maxPixels)`);
    (e as Error & { limit?: boolean }).limit = true;
    throw e;
  }
}

/**
 * Checks a whole JPEG without computing pixels, so that jpeg-js is given only files libjpeg reads
 * without complaint: the marker segments (tables, frame, scans, restart markers, EOI) and the
 * entropy-coded data, Huffman symbol by symbol. jpeg-js and libjpeg agree on good data, but each repairs
 * damaged data its own way (a coefficient index past 63, a marker or the end of the file inside a
 * scan, bytes left over after one, a wrong restart marker, a progression out of order, IDCT output out
 * of the range libjpeg clamps correctly, a quantization table redefined after use): those are refused
 * here, as are 12-bit, lossless, arithmetic-coded and DNL files (jpeg-js has none). CMYK / YCCK (4
 * components, Adobe marker) use jpeg-js's CMYK -> RGB (within 1 level of PIL's on a PIL-written file).
 * Returns the frame size (checked against maxPixels as soon as the frame header is read) and whether the
 * samples are RGB rather than YCbCr (libjpeg's rule: Adobe transform 0, or component ids R, G, B).
 */
export function scanJpeg(b: Uint8Array, maxPixels: number): { w: number; h: number; rgb: boolean } {
  const fail = (msg: string): never => {
    throw new Error(msg);
  };
  const u16 = (p: number) => (b[p] << 8) | b[p + 1];
  const name = (m: number) => '0xFF' + m.toString(16).toUpperCase().padStart(2, '0');
  type Huff = { maxcode: Int32Array; valptr: Int32Array; mincode: Int32Array; vals: Uint8Array; lut: Uint16Array };
  const huff: (Huff | undefined)[] = []; // class * 4 + id
  const quant: (Uint16Array | undefined)[] = []; // zigzag order, as in the file
  const latched: boolean[] = [];
  // q: the quantization table a component's first scan latched (libjpeg's rule; jpeg-js takes the last
  // one defined, so a table redefined after use is refused); coef: a progressive component's coefficients
  type Comp = { id: number; h: number; v: number; tq: number; bpl: number; bpc: number; coefBits: Int8Array; q: Uint16Array | null; coef: Int16Array | null; scanned: boolean };
  // zigzag index -> natural (row-major) index, and the orthonormal 1-D IDCT basis
  const ZZ = [0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63];
  const COS = Float64Array.from({ length: 64 }, (_, i) => (i % 8 === 0 ? Math.SQRT1_2 / 2 : 0.5) * Math.cos(((2 * (i >> 3) + 1) * (i % 8) * Math.PI) / 16));
  const F = new Float64Array(64);
  const T = new Float64Array(64);
  /**
   * A block's samples must stay within [-512, 511] around 128 (libjpeg's range-limit table wraps beyond,
   * where jpeg-js clamps): F holds its dequantized coefficients (natural order). Cheap bound first
   * (|DC| / 8 + the AC coefficients' L2 norm, the basis being orthonormal), the IDCT only above it.
   */
  const checkRange = (ac2: number, what: string) => {
    if (Math.abs(F[0]) / 8 + Math.sqrt(ac2) <= 500) return;
    for (let r = 0; r < 8; r++) for (let x = 0; x < 8; x++) {
      let t = 0;
      for (let u = 0; u < 8; u++) t += COS[x * 8 + u] * F[r * 8 + u];
      T[r * 8 + x] = t;
    }
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) {
      let t = 0;
      for (let v = 0; v < 8; v++) t += COS[y * 8 + v] * T[v * 8 + x];
      if (Math.abs(t) > 508) fail(`${what} decodes to samples far out of range (${Math.round(t + 128)}): damaged image data or quantization table`);
    }
  };
  const extend = (v: number, n: number) => (n === 0 ? 0 : v < 1 << (n - 1) ? v - (1 << n) + 1 : v);
  let frame: { w: number; h: number; progressive: boolean; comps: Comp[]; mcusX: number; mcusY: number } | null = null;
  let restart = 0;
  let jfif = false;
  let adobe = -1;
  let scans = 0;
  let p = 2;
  // The entropy-coded data's bit reader: up to 24 bits ahead in `acc`. At a marker or the end of the file
  // it goes on with zero bits (`fake`), and fails only if those are used, as libjpeg would pad them.
  let pos = 0;
  let acc = 0;
  let nacc = 0;
  let fake = 0;
  let stopped = false;
  let fetched = 0;
  const ring = new Int32Array(4); // where the last few bytes read began (a stuffed 0xFF takes two)
  const begin = (at: number) => {
    pos = at;
    acc = nacc = fake = fetched = 0;
    stopped = false;
  };
  const fill = () => {
    while (nacc <= 16) {
      let byte = 0;
      if (!stopped && pos < b.length && (b[pos] !== 0xff || b[pos + 1] === 0)) {
        ring[fetched++ & 3] = pos;
        byte = b[pos];
        pos += byte === 0xff ? 2 : 1;
      } else {
        stopped = true;
        fake += 8;
      }
      acc = (acc << 8) | byte;
      nacc += 8;
    }
  };
  const ranOut = (): never => fail(pos >= b.length - 1 ? 'truncated: the file ends inside the image data' : `marker ${name(b[pos + 1])} at byte ${pos}, inside the image data (damaged or truncated data)`);
  const consume = (n: number) => {
    nacc -= n;
    if (nacc < fake) ranOut();
    acc &= (1 << nacc) - 1;
  };
  const receive = (n: number) => {
    if (n === 0) return 0;
    if (nacc < n) fill();
    const v = acc >>> (nacc - n);
    consume(n);
    return v;
  };
  const bit = () => receive(1);
  const decode = (t: Huff): number => {
    if (nacc < 16) fill();
    const look = t.lut[acc >>> (nacc - 9)];
    if (look) {
      consume(look >> 8);
      return look & 255;
    }
    for (let l = 10; l <= 16; l++) {
      const code = acc >>> (nacc - l);
      if (code <= t.maxcode[l]) {
        consume(l);
        return t.vals[t.valptr[l] + code - t.mincode[l]];
      }
    }
    return fake ? ranOut() : fail(`invalid Huffman code in the image data near byte ${pos}`);
  };
  /** Drops the bits left in the current byte; `pos` is then the first byte not read. */
  const align = () => {
    const whole = (nacc - fake) >> 3;
    if (whole > 0) pos = ring[(fetched - whole) & 3];
    acc = nacc = fake = fetched = 0;
    stopped = false;
  };

  for (;;) {
    if (p + 2 > b.length) fail(scans ? 'truncated: no EOI marker at the end' : `truncated at byte ${p}, before the image data`);
    if (b[p] !== 0xff) fail(`expected a marker at byte ${p}, found 0x${b[p].toString(16)}${scans ? ' (bytes left over after the image data)' : ''}`);
    const m = b[p + 1];
    if (m === 0xff) {
      p++; // fill byte
      continue;
    }
    if (m === 0xd9) {
      if (!frame || scans === 0) fail('EOI marker before any image data');
      break; // anything after EOI is ignored, as libjpeg and PIL do
    }
    if (m >= 0xd0 && m <= 0xd7 && scans > 0) {
      p += 2; // a stray restart marker between segments: libjpeg skips it
      continue;
    }
    if (m === 0xd8 || (m >= 0xd0 && m <= 0xd7) || m === 0x01 || m === 0x00) fail(`unexpected marker ${name(m)} at byte ${p}`);
    if (p + 4 > b.length) fail(`truncated at byte ${p}, in marker ${name(m)}`);
    const len = u16(p + 2);
    if (len < 2 || p + 2 + len > b.length) fail(`marker ${name(m)} at byte ${p} has length ${len}; the file has ${b.length - p - 2} bytes left`);
    const end = p + 2 + len;
    let q = p + 4;
    if (m === 0xc4) {
      // DHT: Huffman tables, canonical codes; an over-full code space is refused as libjpeg does
      while (q < end) {
        const tc = b[q] >> 4;
        const th = b[q] & 15;
        if (tc > 1 || th > 3) fail(`Huffman table class ${tc} id ${th}`);
        if (q + 17 > end) fail('truncated Huffman table');
        let total = 0;
        for (let l = 1; l <= 16; l++) total += b[q + l];
        if (total > 256 || q + 17 + total > end) fail(`Huffman table of ${total} codes in a ${len}-byte segment`);
        const t: Huff = { maxcode: new Int32Array(17).fill(-1), valptr: new Int32Array(17), mincode: new Int32Array(17), vals: b.slice(q + 17, q + 17 + total), lut: new Uint16Array(512) };
        let code = 0;
        let k = 0;
        for (let l = 1; l <= 16; l++) {
          const n = b[q + l];
          t.valptr[l] = k;
          t.mincode[l] = code;
          code += n;
          k += n;
          if (n) {
            if (code >= 2 ** l) fail('bad Huffman table (over-full code space)');
            t.maxcode[l] = code - 1;
            // codes of up to 9 bits: (length << 8) | symbol for every 9-bit string they begin
            for (let c = code - n; l <= 9 && c < code; c++) t.lut.fill((l << 8) | t.vals[t.valptr[l] + c - t.mincode[l]], c << (9 - l), (c + 1) << (9 - l));
          }
          code <<= 1;
        }
        huff[tc * 4 + th] = t;
        q += 17 + total;
      }
      if (q !== end) fail('damaged Huffman table segment');
    } else if (m === 0xdb) {
      // DQT
      while (q < end) {
        const pq = b[q] >> 4;
        const tq = b[q] & 15;
        if (pq > 1 || tq > 3) fail(`quantization table precision ${pq} id ${tq}`);
        if (q + 1 + 64 * (pq + 1) > end) fail('truncated quantization table');
        if (latched[tq]) fail(`quantization table ${tq} redefined after a scan used it`);
        quant[tq] = Uint16Array.from({ length: 64 }, (_, k) => (pq ? u16(q + 1 + 2 * k) : b[q + 1 + k]));
        q += 1 + 64 * (pq + 1);
      }
      if (q !== end) fail('damaged quantization table segment');
    } else if (m === 0xdd) {
      if (len !== 4) fail(`DRI segment of ${len} bytes`);
      restart = u16(p + 4);
    } else if (m === 0xdc) {
      fail('DNL marker (height defined after the image data) is not supported');
    } else if (m === 0xe0 && len >= 7 && b[p + 4] === 0x4a && b[p + 5] === 0x46 && b[p + 6] === 0x49 && b[p + 7] === 0x46 && b[p + 8] === 0) {
      jfif = true;
    } else if (m === 0xee && len >= 14 && String.fromCharCode(b[p + 4], b[p + 5], b[p + 6], b[p + 7], b[p + 8]) === 'Adobe') {
      adobe = b[p + 15];
    } else if (m >= 0xc0 && m <= 0xcf && m !== 0xc8 && m !== 0xcc) {
      if (frame) fail('more than one frame header (SOF)');
      if (m !== 0xc0 && m !== 0xc1 && m !== 0xc2) fail(`unsupported JPEG coding (SOF${m - 0xc0}: only baseline, extended and progressive Huffman)`);
      if (len < 8) fail(`frame header (SOF) of ${len} bytes`);
      const h = u16(p + 5);
      const w = u16(p + 7);
      const nf = b[p + 9];
      if (b[p + 4] !== 8) fail(`${b[p + 4]}-bit samples (only 8-bit JPEG is supported)`);
      if (w === 0 || h === 0) fail(`frame header declares ${w}x${h} pixels`);
      if (nf !== 1 && nf !== 3 && nf !== 4) fail(`${nf} colour components (grey, YCbCr/RGB and CMYK/YCCK JPEGs are supported)`);
      if (len !== 8 + 3 * nf) fail(`frame header (SOF) of ${len} bytes for ${nf} components`);
      checkPixels(w, h, maxPixels);
      const comps: Comp[] = [];
      for (let c = 0; c < nf; c++) {
        const o = p + 10 + 3 * c;
        const hv = b[o + 1];
        if (hv >> 4 < 1 || hv >> 4 > 4 || (hv & 15) < 1 || (hv & 15) > 4) fail(`component ${c} has sampling factors ${hv >> 4}x${hv & 15}`);
        if (b[o + 2] > 3) fail(`component ${c} uses quantization table ${b[o + 2]}`);
        if (comps.some((k) => k.id === b[o])) fail(`two components with id ${b[o]}`);
        comps.push({ id: b[o], h: hv >> 4, v: hv & 15, tq: b[o + 2], bpl: 0, bpc: 0, coefBits: new Int8Array(64).fill(-1), q: null, coef: null, scanned: false });
      }
      const hmax = Math.max(...comps.map((c) => c.h));
      const vmax = Math.max(...comps.map((c) => c.v));
      for (const c of comps) {
        c.bpl = Math.ceil(Math.ceil((w * c.h) / hmax) / 8);
        c.bpc = Math.ceil(Math.ceil((h * c.v) / vmax) / 8);
      }
      frame = { w, h, progressive: m === 0xc2, comps, mcusX: Math.ceil(w / (8 * hmax)), mcusY: Math.ceil(h / (8 * vmax)) };
    } else if (m === 0xda) {
      // SOS: the scan header, then its entropy-coded data, walked symbol by symbol
      if (!frame) fail('image data (SOS) before the frame header (SOF)');
      const f = frame!;
      const ns = b[p + 4];
      if (ns < 1 || ns > 4 || len !== 6 + 2 * ns) fail(`scan header (SOS) of ${len} bytes for ${ns} components`);
      const sc: { c: Comp; dc: Huff | undefined; ac: Huff | undefined; pred: number }[] = [];
      for (let k = 0; k < ns; k++) {
        const c = f.comps.find((x) => x.id === b[p + 5 + 2 * k]);
        if (!c || sc.some((x) => x.c === c)) fail(`scan component ${b[p + 5 + 2 * k]} is not a frame component (or repeats)`);
        const td = b[p + 6 + 2 * k] >> 4;
        const ta = b[p + 6 + 2 * k] & 15;
        if (td > 3 || ta > 3) fail(`scan uses Huffman tables ${td}/${ta}`);
        if (!c!.q && !quant[c!.tq]) fail(`quantization table ${c!.tq} is not defined`);
        c!.q ??= quant[c!.tq]!;
        latched[c!.tq] = true;
        sc.push({ c: c!, dc: huff[td], ac: huff[4 + ta], pred: 0 });
      }
      const ss = b[p + 5 + 2 * ns];
      const se = b[p + 6 + 2 * ns];
      const ah = b[p + 7 + 2 * ns] >> 4;
      const al = b[p + 7 + 2 * ns] & 15;
      if (!f.progressive) {
        if (ss !== 0 || se !== 63 || ah !== 0 || al !== 0) fail(`sequential scan with Ss=${ss} Se=${se} Ah=${ah} Al=${al}`);
      } else {
        if (ss === 0 ? se !== 0 : se < ss || se > 63 || ns !== 1) fail(`progressive scan with Ss=${ss} Se=${se} for ${ns} components`);
        if ((ah !== 0 && al !== ah - 1) || al > 13) fail(`progressive scan with Ah=${ah} Al=${al}`);
        for (const { c } of sc) {
          if (ss > 0 && c.coefBits[0] < 0) fail(`AC scan of component ${c.id} before its DC scan`);
          for (let k = ss; k <= se; k++) {
            if (ah !== Math.max(0, c.coefBits[k])) fail(`progressive scans out of order (component ${c.id}, coefficient ${k}: Ah=${ah})`);
            c.coefBits[k] = al;
          }
        }
      }
      const dcFirst = !f.progressive || (ss === 0 && ah === 0);
      const needAc = !f.progressive || ss > 0;
      for (const x of sc) {
        if ((dcFirst && ss === 0 && !x.dc) || (needAc && !x.ac)) fail(`scan uses a Huffman table that is not defined`);
        if (dcFirst && ss === 0 && x.dc!.vals.some((v) => v > 15)) fail('bad DC Huffman table (a symbol over 15)'); // as libjpeg
        x.c.scanned = true;
        if (f.progressive && !x.c.coef) x.c.coef = new Int16Array(x.c.bpl * x.c.bpc * 64);
      }
      if (ns > 1 && sc.reduce((n, x) => n + x.c.h * x.c.v, 0) > 10) fail('sampling factors too large for an interleaved scan');
      scans++;
      // one block of scan component k; blk: its index in the component's blocks (-1: MCU padding)
      let eobrun = 0;
      let nblock = 0;
      const store = (c: Comp, at: number, v: number) => {
        if (v > 32767 || v < -32768) fail(`coefficient ${v} out of the 16-bit range: damaged image data`);
        c.coef![at] = v;
      };
      const block = (k: number, blk: number) => {
        const x = sc[k];
        if (!f.progressive) {
          const t = decode(x.dc!);
          if (t > 11) fail(`DC difference of ${t} bits`);
          x.pred += extend(receive(t), t);
          const q = x.c.q!;
          F.fill(0);
          F[0] = x.pred * q[0];
          let ac2 = 0;
          for (let i = 1; i < 64; ) {
            const rs = decode(x.ac!);
            const s = rs & 15;
            const r = rs >> 4;
            if (s === 0) {
              if (r < 15) break;
              i += 16;
              continue;
            }
            i += r;
            if (i > 63 || s > 10) fail(`damaged block (coefficient ${i}, ${s} bits)`);
            const v = extend(receive(s), s) * q[i];
            F[ZZ[i]] = v;
            ac2 += v * v;
            i++;
          }
          checkRange(ac2, `block ${nblock++} of component ${x.c.id}`);
          return;
        }
        const c = x.c;
        const at = blk * 64;
        if (ss === 0) {
          if (ah === 0) {
            const t = decode(x.dc!);
            if (t > 11) fail(`DC difference of ${t} bits`);
            x.pred += extend(receive(t), t);
            if (blk >= 0) store(c, at, x.pred * 2 ** al);
          } else if (bit() && blk >= 0) c.coef![at] |= 1 << al;
          return;
        }
        const coef = c.coef!;
        let i = ss;
        if (ah === 0) {
          if (eobrun > 0) {
            eobrun--;
            return;
          }
          while (i <= se) {
            const rs = decode(x.ac!);
            const s = rs & 15;
            const r = rs >> 4;
            if (s === 0) {
              if (r < 15) {
                eobrun = (1 << r) - 1 + receive(r);
                break;
              }
              i += 16;
              continue;
            }
            i += r;
            if (i > se || s > 10) fail(`damaged block (coefficient ${i}, ${s} bits)`);
            store(c, at + i, extend(receive(s), s) * 2 ** al);
            i++;
          }
          return;
        }
        // refinement (libjpeg's decode_mcu_AC_refine): correction bits for non-zero coefficients
        const p1 = 1 << al;
        const correct = (j: number) => {
          if (bit() && (coef[j] & p1) === 0) coef[j] += coef[j] >= 0 ? p1 : -p1;
        };
        if (eobrun === 0) {
          for (; i <= se; i++) {
            const rs = decode(x.ac!);
            const s = rs & 15;
            let r = rs >> 4;
            let value = 0;
            if (s) {
              if (s !== 1) fail(`refinement scan with a ${s}-bit value`);
              value = bit() ? p1 : -p1;
            } else if (r !== 15) {
              eobrun = (1 << r) + receive(r);
              break;
            }
            for (; i <= se; i++) {
              if (coef[at + i] !== 0) correct(at + i);
              else if (r-- === 0) break;
            }
            if (value) {
              if (i > se) fail('damaged refinement scan (a new coefficient past the band)');
              coef[at + i] = value;
            }
          }
        }
        if (eobrun > 0) {
          for (; i <= se; i++) if (coef[at + i] !== 0) correct(at + i);
          eobrun--;
        }
      };
      const units = ns > 1 ? f.mcusX * f.mcusY : sc[0].c.bpl * sc[0].c.bpc;
      begin(end);
      for (let u = 0, rst = 0; u < units; ) {
        if (ns > 1) {
          const mx = u % f.mcusX;
          const my = (u / f.mcusX) | 0;
          for (let k = 0; k < ns; k++) {
            const c = sc[k].c;
            for (let v = 0; v < c.v; v++) for (let h = 0; h < c.h; h++) {
              const row = my * c.v + v;
              const col = mx * c.h + h;
              block(k, row < c.bpc && col < c.bpl ? row * c.bpl + col : -1);
            }
          }
        } else block(0, u);
        u++;
        if (restart && u % restart === 0 && u < units) {
          align();
          if (b[pos] !== 0xff || b[pos + 1] !== 0xd0 + (rst % 8)) fail(`expected restart marker RST${rst % 8} at byte ${pos}`);
          begin(pos + 2);
          rst++;
          eobrun = 0;
          for (const x of sc) x.pred = 0;
        }
      }
      align();
      // after the last block: padding bytes of one bits (FF 00, which jpeg-js's encoder writes when the
      // data ends on a byte boundary) are skipped, as both decoders do; any other byte is left-over data,
      // refused although libjpeg only warns ("extraneous bytes before marker"): a frame header edited to
      // other sampling factors leaves data over, and then jpeg-js and libjpeg disagree (the fuzz set)
      while (b[pos] === 0xff && b[pos + 1] === 0) pos += 2;
      if (pos < b.length && b[pos] !== 0xff) fail(`bytes left over after the image data at byte ${pos}`);
      p = pos;
      continue;
    }
    // APPn, COM and the rest: skipped
    p = end;
  }
  if (!frame) fail('no frame header (SOF)');
  const f = frame!;
  const missing = f.comps.find((c) => !c.scanned);
  if (missing) fail(`component ${missing.id} has no image data`);
  for (const c of f.comps) {
    if (!c.coef) continue; // progressive: each block's final coefficients, range-checked as above
    for (let n = 0; n < c.bpl * c.bpc; n++) {
      let ac2 = 0;
      for (let k = 0; k < 64; k++) {
        const v = c.coef[n * 64 + k] * c.q![k];
        F[ZZ[k]] = v;
        if (k) ac2 += v * v;
      }
      checkRange(ac2, `block ${n} of component ${c.id}`);
    }
  }
  const ids = f.comps.map((c) => c.id).join(',');
  const rgb = f.comps.length === 3 && !jfif && (adobe === 0 || (adobe < 0 && ids === '82,71,66'));
  return { w: f.w, h: f.h, rgb };
}

/**
 * The width and height a PNG's IHDR or a JPEG's frame header declares, or null where none is found:
 * the size check alone, for decoders that do not go through decodeCore (the browser's).
 */
export function declaredSize(b: Uint8Array): { w: number; h: number } | null {
  const u16 = (p: number) => (b[p] << 8) | b[p + 1];
  if (b.length >= 24 && b[0] === 0x89 && b[1] === 0x50 && String.fromCharCode(b[12], b[13], b[14], b[15]) === 'IHDR') {
    return { w: ((b[16] << 24) | (b[17] << 16) | (b[18] << 8) | b[19]) >>> 0, h: ((b[20] << 24) | (b[21] << 16) | (b[22] << 8) | b[23]) >>> 0 };
  }
  if (b[0] !== 0xff || b[1] !== 0xd8) return null;
  for (let p = 2; p + 9 <= b.length; ) {
    if (b[p] !== 0xff) return null;
    const m = b[p + 1];
    if (m === 0xff) p++;
    else if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) return { w: u16(p + 7), h: u16(p + 5) };
    else if (m === 0xda || m === 0xd9) return null;
    else p += 2 + u16(p + 2);
  }
  return null;
}

/** The source text of the functions above, for the decode workers. */
export const CORE_SOURCE = [checkPixels, scanJpeg, decodeCore].map(String).join('\n');
