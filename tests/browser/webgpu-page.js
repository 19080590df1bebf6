// Runs in headless Chromium (loaded by webgpu.spec.ts through an import map, unbundled, as /?seed=<the
// fast-check seed of the run>): the 'webgpu' backend on navigator.gpu (SwiftShader's adapter) against
// 'js' — every kernel, a CNN training step, what a step reads back, and that .data refuses to read
// synchronously. Publishes { log, failures, facts } as window.__results.

import * as tg from 'typegrad';
import fc from 'fast-check';
import { pageReport } from './page-report.js';
import { checkCnnStep, checkKernels, useSeedOfPage } from '../helpers/equivalence.js';
import { difference, randomValues } from '../helpers/values.js';

const { failures, facts, say, expect, publish } = pageReport();

async function run() {
  facts.seed = useSeedOfPage(fc, location.search);
  await tg.ready();
  await tg.setBackend('js');
  const reference = tg.kernels();
  await tg.setBackend('webgpu');
  facts.info = tg.webgpuBackendInfo();
  say(`webgpu adapter: ${facts.info?.adapter}`);

  // 1. every kernel against js on random shapes
  failures.push(...(await checkKernels({ fc, Tensor: tg.Tensor, reference, kernelNames: tg.kernelNames, kernels: tg.kernels(), numRuns: 15, log: (line) => say(`webgpu ${line}`) })));

  // 2. a result stays on the GPU: .data throws, naming dataAsync, which reads it
  await tg.setBackend('webgpu');
  const y = tg.tensor([-1, 2, 3]).relu();
  let message = '';
  try {
    void y.data;
  } catch (e) {
    message = e.message;
  }
  expect('.data on a webgpu tensor throws, naming dataAsync', /dataAsync/.test(message), message);
  expect('dataAsync reads it', (await y.dataAsync()).join(',') === '0,2,3');

  // 3. the course's CNN: one training step on webgpu has js's loss and gradients
  const cnnFailures = await checkCnnStep({ tg, backend: 'webgpu' });
  expect("a CNN training step on webgpu has js's loss and gradients", cnnFailures.length === 0, cnnFailures.join('; '));

  // 3b. VGG-small (16x16 RGB, batch 2): one step has js's loss and gradients
  const vggStep = async (backend) => {
    await tg.setBackend(backend);
    tg.manualSeed(5);
    const model = tg.nn.vggSmall({ numClasses: 4 });
    const loss = tg.crossEntropy(model.forward(new tg.Tensor(randomValues(2 * 3 * 256, 2), [2, 3, 16, 16])), [1, 3]);
    loss.backward();
    const grads = model.parameters().map((p) => p.grad);
    await Promise.all(grads.map((g) => g.dataAsync()));
    return { loss: new tg.Tensor(Float32Array.of(await loss.itemAsync()), [1]), grads };
  };
  const vggWant = await vggStep('js');
  const vggGot = await vggStep('webgpu');
  const vggProblems = [difference('VGG-small loss', vggGot.loss, vggWant.loss), ...vggGot.grads.map((g, i) => difference(`VGG-small gradient ${i}`, g, vggWant.grads[i]))].filter(Boolean);
  expect("a VGG-small training step on webgpu has js's loss and gradients", vggProblems.length === 0, vggProblems.join('; '));

  // 4. a training step with the optimizer on the device reads back only the loss
  await tg.setBackend('webgpu');
  tg.manualSeed(3);
  const cnn = new tg.nn.CNN({ inSize: [1, 12, 12], outClasses: 10, channels: [4, 8], poolEvery: 1, hiddenDims: [16] });
  const optimizer = new tg.optim.SGD(cnn.parameters(), { lr: 0.1, momentum: 0.9 });
  const x = new tg.Tensor(randomValues(4 * 144, 5), [4, 1, 12, 12]);
  const readbacks = () => tg.webgpuBackendInfo().readbacks;
  const losses = [];
  let stepReadbacks = -1;
  for (let step = 0; step < 3; step++) {
    const start = readbacks();
    const loss = tg.crossEntropy(cnn.forward(x), [1, 7, 3, 0]);
    optimizer.zeroGrad();
    loss.backward();
    optimizer.step();
    losses.push(await loss.itemAsync());
    stepReadbacks = readbacks() - start;
  }
  facts.stepReadbacks = stepReadbacks;
  expect('a training step with SGD on the device reads back only the loss', stepReadbacks === 1, `${stepReadbacks} readbacks`);
  expect('and the loss falls', losses[2] < losses[0], losses.join(', '));
}

publish(run);
