// A small page as a typegrad user writes it for a bundler: gpu.js from npm handed to the gl backend.
// production-builds.spec.ts bundles it with Vite, webpack and esbuild in production mode (minified)
// and runs it in Chromium (as index.html?seed=<the fast-check seed of the run>): every GL kernel against
// js (the equivalence suite, tests/helpers/equivalence.js), a CNN training step on both, and the digits
// loadMNIST fetches (the bundler copies them as assets; an iife bundle finds them beside its script).
// Publishes { log, failures, facts } as window.__results.

import * as tg from 'typegrad';
import { GPU } from 'gpu.js';
import fc from 'fast-check';
import { checkCnnStep, checkKernels, useSeedOfPage } from '../../helpers/equivalence.js';
import { randomValues } from '../../helpers/values.js';

const log = [];

async function run() {
  useSeedOfPage(fc, location.search);
  await tg.setBackend('js');
  const reference = tg.kernels();
  await tg.configureGlBackend({ GPU });
  await tg.setBackend('gl');
  const gl = tg.kernels();
  // NaN stays out of the inputs: the shaders do not carry it (tests/backends/equivalence.test.ts)
  const failures = await checkKernels({ fc, Tensor: tg.Tensor, kernels: gl, reference, kernelNames: tg.kernelNames, numRuns: 12, nan: false, log: (line) => log.push(line) });
  failures.push(...(await checkCnnStep({ tg, backend: 'gl' })));
  // a GL result that is a texture was computed by a WebGL shader, not by gpu.js's CPU fallback
  const y = gl.relu(new tg.Tensor(randomValues(64, 1), [64]));
  const { train, test } = await tg.data.loadMNIST();
  return { log, failures, facts: { glMode: tg.glBackendInfo()?.mode, resultOnGpu: y.deviceStorage('gl') !== null, digits: [train.length, test.length] } };
}

window.__results = run().catch((e) => ({ log, failures: [`threw: ${e?.stack ?? e}`], facts: {} }));
