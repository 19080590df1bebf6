// A small page as a typegrad user writes it for a bundler: gpu.js from npm handed to the gl backend.
// production-builds.spec.ts bundles it with Vite, webpack and esbuild in production mode (minified)
// and runs it in Chromium: every GL kernel against js (the properties of ../equivalence.js) and a CNN
// training step on both, and the digits loadMNIST fetches (the bundler copies them as assets; an iife
// bundle finds them beside its script). Publishes { log, failures, facts } as window.__results.

import * as tg from 'typegrad';
import { GPU } from 'gpu.js';
import fc from 'fast-check';
import { checkCnnStep, checkEquivalence, values } from '../equivalence.js';

const log = [];

async function run() {
  await tg.setBackend('js');
  const reference = tg.kernels();
  await tg.configureGlBackend({ GPU });
  await tg.setBackend('gl');
  const gl = tg.kernels();
  const failures = await checkEquivalence({ fc, Tensor: tg.Tensor, kernels: gl, reference, numRuns: 12, log: (line) => log.push(line) });
  failures.push(...(await checkCnnStep({ tg, backend: 'gl' })));
  // a GL result that is a texture was computed by a WebGL shader, not by gpu.js's CPU fallback
  const y = gl.relu(new tg.Tensor(values(64, 1), [64]));
  const { train, test } = await tg.data.loadMNIST();
  return { log, failures, facts: { glMode: tg.glBackendInfo()?.mode, resultOnGpu: y.deviceStorage('gl') !== null, digits: [train.length, test.length] } };
}

window.__results = run().catch((e) => ({ log, failures: [`threw: ${e?.stack ?? e}`], facts: {} }));
