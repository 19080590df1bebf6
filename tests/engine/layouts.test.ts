// Kernel parameter layouts are declared once (conv2dLayout, pool2dLayout in engine/kernels.ts). The
// AssemblyScript classes read their fields by declaration order and the GL shaders by index, neither
// of which can import them: this test checks both sources against the declarations.

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
