// Text for the pictures: DejaVu Sans (matplotlib's default font) from a pre-rendered anti-aliased glyph
// atlas (font/dejavu-sans.ts, made by font/make_atlas.py). Measuring and drawing use the same advances,
// so a label's box in a layout is the box its pixels land in, and SVG <text> in the same font lines up.

import { DEJAVU_SANS } from './font/dejavu-sans.js';

export const FONT_FAMILY = "'DejaVu Sans', 'Bitstream Vera Sans', Verdana, sans-serif";

export interface Glyph {
  /** pen advance in px */
  advance: number;
  x: number;
  /** top of the bitmap relative to the baseline (negative: above it) */
  y: number;
  w: number;
  h: number;
  /** coverage 0..255, w·h bytes */
  bitmap: Uint8Array;
}

export interface Face {
  size: number;
  ascent: number;
  descent: number;
  glyphs: Map<number, Glyph>;
}

const SIZES = Object.keys(DEJAVU_SANS).map(Number);
const faces = new Map<number, Face>();

function decodeBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The face nearest to `size` px (the atlas has a few sizes; decoded on first use). */
export function face(size: number): Face {
  const s = SIZES.reduce((best, c) => (Math.abs(c - size) < Math.abs(best - size) ? c : best));
  let f = faces.get(s);
  if (!f) {
    const { ascent, descent, glyphs, bitmaps } = DEJAVU_SANS[s];
    const bytes = decodeBase64(bitmaps);
    const map = new Map<number, Glyph>();
    let at = 0;
    for (let i = 0; i < glyphs.length; i += 6) {
      const [code, advance, x, y, w, h] = glyphs.slice(i, i + 6);
      map.set(code, { advance: advance / 16, x, y, w, h, bitmap: bytes.subarray(at, at + w * h) });
      at += w * h;
    }
    faces.set(s, (f = { size: s, ascent, descent, glyphs: map }));
  }
  return f;
}

/** A character the atlas lacks is drawn as '?', so a label never silently loses a letter's width. */
export function glyph(f: Face, ch: string): Glyph {
  return f.glyphs.get(ch.codePointAt(0)!) ?? f.glyphs.get(63)!;
}

export function textWidth(s: string, size: number): number {
  const f = face(size);
  let w = 0;
  for (const ch of s) w += glyph(f, ch).advance;
  return w;
}

/** The height of a line of text: ascent + descent. */
export function lineHeight(size: number): number {
  const f = face(size);
  return f.ascent + f.descent;
}

/** `s` cut with an ellipsis to fit `width` px. */
export function fitText(s: string, size: number, width: number): string {
  if (textWidth(s, size) <= width) return s;
  const chars = [...s];
  while (chars.length > 0 && textWidth(chars.join('') + '…', size) > width) chars.pop();
  return chars.length ? chars.join('') + '…' : '';
}
