// Kernel parameter layouts are declared once (conv2dLayout, pool2dLayout in engine/kernels.ts). The
// AssemblyScript classes read their fields by declaration order and the GL shaders by index, neither
// of which can import them: this test checks both sources against the declarations. Likewise the
// module's exports, which loader.ts (WasmExports) and threads.ts (taskExports) name by hand: checked
// against the built module, arity included.

import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { conv2dLayout, pool2dLayout } from '../../engine/index.js';
import * as shaders from '../../kernels-gl/shaders.js';

const source = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');

/** The field names of `@unmanaged class name { a: i32; b: i32; … }`, in order. */
function classFields(text: string, name: string): string[] {
  const body = text.match(new RegExp(`class ${name} \\{([^}]*)\\}`))?.[1];
  if (!body) throw new Error(`class ${name} not found`);
  return [...body.matchAll(/^\s*(\w+)\s*:\s*i32;/gm)].map((m) => m[1]);
}

test('the AssemblyScript parameter classes declare the fields of conv2dLayout and pool2dLayout, in order', () => {
  expect(classFields(source('kernels-wasm/assembly/conv.ts'), 'ConvParams')).toEqual([...conv2dLayout]);
  expect(classFields(source('kernels-wasm/assembly/pool.ts'), 'PoolParams')).toEqual([...pool2dLayout]);
});

// the shaders' short names for the fields (gpu.js kernels are written in a small JS subset)
const shortNames: Record<string, string> = {
  batch: 'batch', inC: 'inChannels', inH: 'inHeight', inW: 'inWidth', outC: 'outChannels', outH: 'outHeight', outW: 'outWidth',
  kH: 'kernelHeight', kW: 'kernelWidth', sH: 'strideHeight', sW: 'strideWidth', pT: 'padTop', pL: 'padLeft', pH: 'padHeight', pW: 'padWidth',
  dH: 'dilationHeight', dW: 'dilationWidth', groups: 'groups', includePad: 'countIncludePad',
};

test('every `name = P[i]` read in the GL shaders is field i of the layout its kernel is packed in', () => {
  const layouts: Array<[RegExp, readonly string[]]> = [[/^conv2d/, conv2dLayout], [/Pool/, pool2dLayout]];
  let reads = 0;
  for (const [exportName, text] of Object.entries(shaders)) {
    const layout = layouts.find(([pattern]) => pattern.test(exportName))?.[1];
    const found = [...String(text).matchAll(/(\w+) = P\[(\d+)\]/g)];
    if (found.length === 0) continue;
    expect(layout, `${exportName} reads P[i] but has no layout`).toBeDefined();
    for (const [, name, index] of found) {
      expect(shortNames[name], `${exportName}: unknown field name ${name}`).toBeDefined();
      expect(`${exportName}: ${name} = P[${index}]`).toBe(`${exportName}: ${name} = P[${layout!.indexOf(shortNames[name])}]`);
      reads++;
    }
  }
  expect(reads).toBeGreaterThan(50); // the shaders were found and read
});

/** The methods of `interface WasmExports { … }` in kernels-wasm/loader.ts, with their parameter counts. */
function hostExports(): Record<string, number> {
  const body = source('kernels-wasm/loader.ts').match(/export interface WasmExports \{([\s\S]*?)\n\}/)?.[1];
  if (!body) throw new Error('interface WasmExports not found in kernels-wasm/loader.ts');
  const methods = [...body.matchAll(/^\s*(\w+)\(([^)]*)\)\s*:/gm)];
  return Object.fromEntries(methods.map(([, name, params]) => [name, params.trim() === '' ? 0 : params.split(',').length]));
}

test("the host's WasmExports (loader.ts) and the worker threads' taskExports (threads.ts) name the module's exports, with their arities", async () => {
  const { taskExports } = await import('../../kernels-wasm/threads.js');
  // the plain SIMD build as npm run build makes it (kernels-wasm/build.mjs); every build exports the same
  const module = new WebAssembly.Module(readFileSync(new URL('../../kernels-wasm/build/kernels-simd.wasm', import.meta.url)));
  const { exports } = new WebAssembly.Instance(module, { env: { abort() {}, seed: () => 0 } }) as { exports: Record<string, unknown> };
  const arities = Object.fromEntries(Object.entries(exports).filter(([, f]) => typeof f === 'function').map(([name, f]) => [name, (f as (...a: number[]) => void).length]));
  expect(hostExports()).toEqual(arities);
  expect(taskExports.filter((name) => !(name in arities))).toEqual([]);
});
