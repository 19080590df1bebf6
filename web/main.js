// The demo: the course's CNN learns the bundled MNIST digits in this tab. Training yields to the
// browser after every batch (a setTimeout turn), so the page stays responsive while it learns.
// window.__demo exposes progress for the end-to-end test (tests/browser/).

import * as tg from 'typegrad';
import { GPU } from 'gpu.js';

const $ = (id) => document.getElementById(id);
const BATCH = 32;
// glMode: what gpu.js runs the gl backend on ('webgl2' or 'webgl'), once gl is chosen
const demo = { batches: 0, accuracy: 0, losses: [], accuracies: [], prediction: null, backend: '', glMode: null, webgpuAdapter: null };
window.__demo = demo;

// ---- backend: wasm where WebAssembly SIMD runs (the fastest on a CPU); webgpu and gl on the GPU; js everywhere ----
// Picked explicitly rather than left to the entry's default choice. (package.json's "sideEffects" lists the
// entry and the two backends' index files, so a bundler keeps their registration either way.)
// `?backend=webgpu` (or gl, js, wasm) in the address starts on that backend instead. Every result is read
// with `await t.dataAsync()` / `itemAsync()`, so that the page runs on webgpu, which cannot read synchronously.
if (tg.wasmSimdSupported()) {
  await tg.configureWasmBackend();
  await tg.setBackend('wasm');
}
const backendSelect = $('backend');
for (const name of ['wasm', 'webgpu', 'gl', 'js']) backendSelect.add(new Option(name, name));

async function useBackend(name) {
  try {
    if (name === 'gl') await tg.configureGlBackend({ GPU });
    await tg.setBackend(name);
  } catch (e) {
    alert(e.message);
  }
  backendSelect.value = demo.backend = tg.getBackend();
  demo.glMode = tg.glBackendInfo()?.mode ?? null;
  demo.webgpuAdapter = tg.webgpuBackendInfo()?.adapter ?? null;
}
backendSelect.onchange = () => useBackend(backendSelect.value);
await tg.ready(); // the WASM kernels compile asynchronously in a page: until now ops ran on js
await useBackend(new URLSearchParams(location.search).get('backend') ?? tg.getBackend());

// ---- data and model ----
$('status').textContent = 'loading digits…';
const { train, test } = await tg.data.loadMNIST();
$('status').textContent = `${train.length} training and ${test.length} test digits`;
tg.manualSeed(0);
const model = new tg.nn.CNN({ inSize: [1, 28, 28], outClasses: 10, channels: [8, 16], poolEvery: 1, hiddenDims: [64] });
const optimizer = new tg.optim.Adam(model.parameters(), { lr: 2e-3 });
const firstConv = model.featureExtractor.at(0);

const images = (set, start, count) => new tg.Tensor(set.images.data.slice(start * 784, (start + count) * 784), [count, 1, 28, 28]);

async function trainBatch() {
  const start = (demo.batches * BATCH) % (train.length - BATCH);
  model.train();
  const loss = tg.crossEntropy(model.forward(images(train, start, BATCH)), Array.from(train.labels.subarray(start, start + BATCH)));
  optimizer.zeroGrad();
  loss.backward();
  optimizer.step();
  const value = await loss.itemAsync();
  // counted once its loss is in: a device backend reads it a moment later (window.__demo is watched)
  demo.batches++;
  demo.losses.push(value);
}

/** Accuracy on the first 500 test digits. */
async function evaluate() {
  model.eval();
  const n = 500;
  const logits = await tg.noGrad(() => model.forward(images(test, 0, n))).dataAsync();
  let right = 0;
  for (let i = 0; i < n; i++) {
    const row = logits.subarray(i * 10, i * 10 + 10);
    if (row.indexOf(Math.max(...row)) === test.labels[i]) right++;
  }
  return right / n;
}

// ---- training loop: one batch per turn of the event loop ----
let running = false;
$('train').onclick = async () => {
  running = true;
  $('train').disabled = true;
  $('stop').disabled = false;
  while (running) {
    await trainBatch();
    if (demo.batches % 10 === 0) {
      demo.accuracy = await evaluate();
      demo.accuracies.push([demo.batches, demo.accuracy]);
      await drawFeatureMaps();
      await predict();
    }
    drawCurves();
    await new Promise((r) => setTimeout(r, 0));
  }
  $('train').disabled = false;
  $('stop').disabled = true;
};
$('stop').onclick = () => {
  running = false;
};

function drawCurves() {
  const c = $('curves').getContext('2d');
  const { width: w, height: h } = c.canvas;
  c.clearRect(0, 0, w, h);
  const xs = (i) => (i / Math.max(1, demo.batches)) * (w - 10) + 5;
  const line = (points, color, scale) => {
    c.strokeStyle = color;
    c.lineWidth = 2;
    c.beginPath();
    points.forEach(([x, y], i) => (i ? c.lineTo : c.moveTo).call(c, xs(x), h - 5 - Math.min(1, y / scale) * (h - 10)));
    c.stroke();
  };
  line(demo.losses.map((l, i) => [i + 1, l]), '#1f77b4', 2.5);
  line(demo.accuracies, '#ff7f0e', 1);
  $('stats').textContent = `— batch ${demo.batches}, loss ${demo.losses.at(-1)?.toFixed(3) ?? '–'}, accuracy ${(demo.accuracy * 100).toFixed(1)}%`;
}

/** The first convolution's output on a test digit, one small grey image per channel. */
async function drawFeatureMaps() {
  const maps = tg.noGrad(() => firstConv.forward(images(test, 0, 1)));
  const [, channels, height, width] = maps.shape;
  const values = await maps.dataAsync();
  const box = $('maps');
  while (box.children.length < channels) box.append(Object.assign(document.createElement('canvas'), { width, height }));
  for (let ch = 0; ch < channels; ch++) {
    const plane = values.subarray(ch * height * width, (ch + 1) * height * width);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of plane) (lo = Math.min(lo, v)), (hi = Math.max(hi, v));
    const ctx = box.children[ch].getContext('2d');
    const img = ctx.createImageData(width, height);
    plane.forEach((v, i) => {
      const g = ((v - lo) / (hi - lo || 1)) * 255;
      img.data.set([g, g, g, 255], i * 4);
    });
    ctx.putImageData(img, 0, 0);
  }
}

// ---- drawing pad: 224×224 strokes, shrunk to 28×28 like MNIST ----
const pad = $('pad');
const pen = pad.getContext('2d');
let drawing = false;
const clearPad = () => {
  pen.fillStyle = '#000';
  pen.fillRect(0, 0, pad.width, pad.height);
};
clearPad();
const at = (e) => {
  const r = pad.getBoundingClientRect();
  return [((e.clientX - r.left) / r.width) * pad.width, ((e.clientY - r.top) / r.height) * pad.height];
};
pad.onpointerdown = (e) => {
  drawing = true;
  pen.beginPath();
  pen.moveTo(...at(e));
};
pad.onpointermove = (e) => {
  if (!drawing) return;
  pen.lineTo(...at(e));
  pen.strokeStyle = '#fff';
  pen.lineWidth = 18;
  pen.lineCap = pen.lineJoin = 'round';
  pen.stroke();
};
pad.onpointerup = pad.onpointerleave = () => {
  if (drawing) predict();
  drawing = false;
};
$('clear').onclick = () => {
  clearPad();
  $('prediction').textContent = 'draw, then see the prediction';
  $('probs').textContent = '';
  demo.prediction = null;
};

async function predict() {
  const small = Object.assign(document.createElement('canvas'), { width: 28, height: 28 }).getContext('2d');
  small.drawImage(pad, 0, 0, 28, 28);
  const rgba = small.getImageData(0, 0, 28, 28).data;
  const pixels = new Float32Array(784);
  let ink = 0;
  for (let i = 0; i < 784; i++) ink += pixels[i] = rgba[i * 4] / 255;
  if (ink < 1) return; // nothing drawn yet
  model.eval();
  const probs = await tg.noGrad(() => tg.softmax(model.forward(new tg.Tensor(pixels, [1, 1, 28, 28])), 1)).dataAsync();
  const best = probs.indexOf(Math.max(...probs));
  demo.prediction = { digit: best, probabilities: Array.from(probs) };
  $('prediction').textContent = `prediction: ${best}`;
  $('probs').replaceChildren(...Array.from(probs, (p, d) => Object.assign(document.createElement('div'), { textContent: `${d} ${'█'.repeat(Math.round(p * 30)).padEnd(30, '·')} ${(p * 100).toFixed(1)}%` })));
}

drawCurves();
