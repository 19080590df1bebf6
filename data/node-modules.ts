// Reaching Node's built-ins and the CommonJS codec packages without a static import, so the package
// entry still bundles and loads in a browser (where only the functions that need Node throw, clearly).

import { nodeBuiltin as builtinOrUndefined } from '../engine/node.js';

/** A Node built-in ('node:fs', 'node:path', 'node:zlib', …), or a clear error outside Node. */
export function nodeBuiltin<T>(name: string, op: string): T {
  const mod = builtinOrUndefined<T>(name);
  if (!mod) throw new Error(`${op}: needs Node (>= 20.16) for ${name}; in a browser pass bytes or use the async browser decoders`);
  return mod as T;
}

/** require() for a CommonJS package this module depends on (jpeg-js, pngjs), in Node only. */
export function nodeRequire<T>(pkg: string, op: string): T {
  const { createRequire } = nodeBuiltin<{ createRequire(url: string): (id: string) => unknown }>('node:module', op);
  return createRequire(import.meta.url)(pkg) as T;
}

export interface Fs {
  readFileSync(path: string): Uint8Array;
  writeFileSync(path: string, data: Uint8Array | string): void;
  readdirSync(path: string, options: { withFileTypes: true }): { name: string; isDirectory(): boolean; isFile(): boolean }[];
  existsSync(path: string): boolean;
  mkdirSync(path: string, options: { recursive: true }): void;
  promises: { readFile(path: string): Promise<Uint8Array> };
}

export interface Path {
  join(...p: string[]): string;
  extname(p: string): string;
  basename(p: string, ext?: string): string;
}

export const fs = (op: string) => nodeBuiltin<Fs>('node:fs', op);
export const path = (op: string) => nodeBuiltin<Path>('node:path', op);
