// The decoding that decodeImage (codecs.ts) and the DataLoader's decode workers (decode-pool.ts) share.
// Self-contained on purpose: these functions use nothing but their arguments, because decode-pool.ts
// sends their source text to each worker thread (no imports, no module-level values inside them).
//
// Bounded: the declared size (PNG IHDR, JPEG SOF) is read by a pre-scan and checked against maxPixels
// before any decoder allocates. Strict PNG: every chunk's CRC (ancillary ones too, where libpng would
// only warn), IHDR fields, chunk order, at least one IDAT, IEND, and image data that inflates to exactly
// the size IHDR implies, with nothing after the zlib stream: then pngjs decodes a stream known to be good.
// Bytes after IEND are ignored (as libpng and PIL do). JPEG: the pre-scan reads the segments up to the
// first scan; jpeg-js (not tolerant, with its own pixel and memory limits set from maxPixels) does the rest.

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
  const checkSize = (w: number, h: number) => {
    if (w * h > maxPixels) {
      const e = new Error(`declares ${w}x${h} pixels (${(w * h).toLocaleString('en-US')}), over the limit of ${maxPixels.toLocaleString('en-US')} (maxPixels)`);
      (e as Error & { limit?: boolean }).limit = true;
      throw e;
    }
  };

  if (format === 'jpeg') {
    // Pre-scan: segments up to the first SOS, for the frame size; jpeg-js checks the rest.
    let p = 2;
    let frame: { w: number; h: number } | null = null;
    for (;;) {
      if (p + 4 > bytes.length) fail(`truncated JPEG header (at byte ${p} of ${bytes.length}, before the image data)`);
      if (bytes[p] !== 0xff) fail(`expected a marker at byte ${p}, found 0x${bytes[p].toString(16)}`);
      const m = bytes[p + 1];
      if (m === 0xff) {
        p++; // fill byte
        continue;
      }
      if (m === 0xd8 || m === 0xd9 || (m >= 0xd0 && m <= 0xd7) || m === 0x01 || m === 0x00) fail(`unexpected marker 0xFF${m.toString(16).toUpperCase()} at byte ${p}, before the image data`);
      const len = u16(p + 2);
      if (len < 2 || p + 2 + len > bytes.length) fail(`marker 0xFF${m.toString(16).toUpperCase()} at byte ${p} has length ${len}; the file has ${bytes.length - p - 2} bytes left`);
      if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
        if (frame) fail('more than one frame header (SOF)');
        if (m !== 0xc0 && m !== 0xc1 && m !== 0xc2) fail(`unsupported JPEG coding (SOF${m - 0xc0}: only baseline, extended and progressive Huffman)`);
        if (len < 8) fail(`frame header (SOF) of ${len} bytes`);
        const h = u16(p + 5);
        const w = u16(p + 7);
        const nf = bytes[p + 9];
        if (bytes[p + 4] !== 8) fail(`${bytes[p + 4]}-bit samples (only 8-bit JPEG is supported)`);
        if (w === 0 || h === 0) fail(`frame header declares ${w}x${h} pixels`);
        if (nf !== 1 && nf !== 3) fail(`${nf} colour components (only grey and YCbCr/RGB JPEGs are supported)`);
        if (len !== 8 + 3 * nf) fail(`frame header (SOF) of ${len} bytes for ${nf} components`);
        for (let c = 0; c < nf; c++) {
          const hv = bytes[p + 11 + 3 * c];
          if (hv >> 4 < 1 || hv >> 4 > 4 || (hv & 15) < 1 || (hv & 15) > 4) fail(`component ${c} has sampling factors ${hv >> 4}x${hv & 15}`);
          if (bytes[p + 12 + 3 * c] > 3) fail(`component ${c} uses quantization table ${bytes[p + 12 + 3 * c]}`);
        }
        checkSize(w, h);
        frame = { w, h };
      }
      if (m === 0xda) {
        if (!frame) fail('image data (SOS) before the frame header (SOF)');
        break;
      }
      p += 2 + len;
    }
    // Memory jpeg-js may ask for: coefficients (4 bytes per sample, <= 4 components), lines and output.
    const maxMemoryUsageInMB = Math.ceil((maxPixels * 24) / 2 ** 20) + 16;
    const d = deps.jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false, tolerantDecoding: false, maxResolutionInMP: maxPixels / 1e6, maxMemoryUsageInMB });
    if (d.width !== frame!.w || d.height !== frame!.h) fail(`decoded ${d.width}x${d.height} pixels, the header declares ${frame!.w}x${frame!.h}`);
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
      trns = body;
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
  const out = new Uint8Array(w * h * 4);
  const shift = depth === 16 ? 8 : 0; // 16-bit samples: the high byte, as PIL
  for (let i = 0; i < out.length; i++) out[i] = src[i] >> shift;
  if (trns && type !== 3) {
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
