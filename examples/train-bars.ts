// A first training run with nothing but the engine: a tiny CNN learns to tell horizontal, vertical
// and diagonal bars apart in noisy 12x12 images. Parameters are plain tensors with requiresGrad,
// backward() fills their .grad, and the SGD-with-momentum update is a few tensor ops written into the
// parameters in place (copy_). Results are read with await itemAsync()/dataAsync(), so that it runs on
// every backend, GPUs included: `node dist/examples/train-bars.js webgpu` (default: the package's).


import * as tg from '../index.js';

const size = 12;
const classes = ['horizontal', 'vertical', 'diagonal'];

/** One noisy image of a bar of the given class at a random place. */
function drawBar(label: number, g: tg.Generator): Float32Array {
  const img = new Float32Array(size * size);
  for (let i = 0; i < img.length; i++) img[i] = 0.2 * g.uniform();
  const at = g.int(2, size - 2);
  const from = g.int(0, 4);
  const length = g.int(6, size - from + 1);
  for (let t = from; t < from + length && t < size; t++) {
    const [row, col] = label === 0 ? [at, t] : label === 1 ? [t, at] : [t, t];
    img[row * size + col] = 0.8 + 0.2 * g.uniform();
  }
  return img;
}

function makeDataset(count: number, g: tg.Generator): { x: tg.Tensor; y: number[] } {
  const images = new Float32Array(count * size * size);
  const labels: number[] = [];
  for (let i = 0; i < count; i++) {
    const label = g.int(0, classes.length);
    images.set(drawBar(label, g), i * size * size);
    labels.push(label);
  }
  return { x: tg.tensor(images, [count, 1, size, size]), y: labels };
}

/** He initialisation: keeps activations at a steady scale through ReLU layers. */
function param(shape: number[], fanIn: number): tg.Tensor {
  return tg.randn(shape).mul(Math.sqrt(2 / fanIn)).detach().setRequiresGrad();
}

const backend = process.argv[2];
if (backend) {
  if (!tg.hasBackend(backend)) throw new Error(`train-bars: unknown backend '${backend}' (registered: ${tg.listBackends().join(', ')})`);
  await tg.setBackend(backend);
}

tg.manualSeed(0);
const params = {
  conv1: param([8, 1, 3, 3], 9),
  bias1: tg.zeros([8], { requiresGrad: true }),
  conv2: param([16, 8, 3, 3], 72),
  bias2: tg.zeros([16], { requiresGrad: true }),
  fc: param([classes.length, 16], 16),
  fcBias: tg.zeros([classes.length], { requiresGrad: true }),
};

function forward(x: tg.Tensor): tg.Tensor {
  let h = tg.conv2d(x, params.conv1, params.bias1, { padding: 1 }).relu();
  h = tg.maxPool2d(h, 2); // 12x12 -> 6x6
  h = tg.conv2d(h, params.conv2, params.bias2, { padding: 1 }).relu();
  h = tg.adaptiveAvgPool2d(h, 1).flatten(1); // global average: [N, 16]
  return tg.linear(h, params.fc, params.fcBias);
}

const velocity = new Map<tg.Tensor, tg.Tensor>();
function sgdStep(lr: number, momentum: number): void {
  tg.noGrad(() => {
    for (const p of Object.values(params)) {
      // v = momentum·v + grad;  p = p − lr·v
      const v = velocity.has(p) ? velocity.get(p)!.mul(momentum).add(p.grad!) : p.grad!;
      velocity.set(p, v);
      p.copy_(p.sub(v.mul(lr)));
      p.grad = null;
    }
  });
}

async function accuracy(logits: tg.Tensor, labels: number[]): Promise<number> {
  const predicted = await logits.argmax(1).dataAsync();
  return labels.filter((y, i) => predicted[i] === y).length / labels.length;
}

const g = new tg.Generator(1);
const train = makeDataset(600, g);
const test = makeDataset(200, g);
const batchSize = 32;
console.log(`typegrad ${tg.getBackend()} backend: a tiny CNN on ${train.y.length} noisy bar images (${classes.join(' / ')})`);

for (let epoch = 1; epoch <= 6; epoch++) {
  const started = performance.now();
  let lossSum = 0;
  let batches = 0;
  for (let start = 0; start < train.y.length; start += batchSize) {
    const rows = Array.from({ length: Math.min(batchSize, train.y.length - start) }, (_, i) => start + i);
    const loss = tg.crossEntropy(forward(train.x.index(rows)), rows.map((i) => train.y[i]));
    loss.backward();
    sgdStep(0.05, 0.9);
    lossSum += await loss.itemAsync();
    batches++;
  }
  const testAccuracy = await accuracy(tg.noGrad(() => forward(test.x)), test.y);
  const seconds = (performance.now() - started) / 1000;
  console.log(`epoch ${epoch}  train loss ${(lossSum / batches).toFixed(4)}  test accuracy ${(100 * testAccuracy).toFixed(1)}%  (${seconds.toFixed(1)} s)`);
}
