// The package as a user installs it: `npm pack` of the built package (dist/, from `npm run build`),
// and that tarball installed into a fresh project with production dependencies only. Used by the
// consumer test (tests/package) and by the page builds of the browser tests.

import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '../..');

export interface PackedFile {
  path: string;
  size: number;
}
/** What `npm pack --json` says of the tarball. */
export interface Packed {
  filename: string;
  size: number;
  unpackedSize: number;
  files: PackedFile[];
}

export const run = (cmd: string, args: string[], cwd: string) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Packs typegrad into `project` (made if missing) and installs the tarball there; the package is then at project/node_modules/typegrad. */
export function installPackedTarball(project: string): Packed {
  mkdirSync(project, { recursive: true });
  const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', project], root)) as Packed[];
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }));
  // from npm's cache where it can (as CI after npm ci); the registry for anything missing
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--omit=dev', join(project, packed.filename)], project);
  return packed;
}
