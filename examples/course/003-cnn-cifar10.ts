// Course notebook 003, "Convolutions", in TypeScript.
//
// Why fully-connected layers do not scale to images; shapes step by step through a simple CNN
// (LeakyReLU, MaxPool2d); AdaptiveAvgPool2d so that any input size works; CIFAR-10 with per-channel
// mean and std computed in one streaming pass, then Normalize; AdamW with weight decay and the fit loop,
// written by hand as in the notebook, with its train / validation loss history; and the homework,
// 2D convolution from scratch with loops, checked against tg.conv2d.
//
//   node dist/examples/course/003-cnn-cifar10.js [--data DIR] [--tiny] [--out DIR] [--backend NAME]
//
// --data DIR: CIFAR-10 binary batches (data_batch_1.bin …, test_batch.bin, or their cifar-10-batches-bin
// folder); without it the program writes small CIFAR-format files of its own (cifar-files.ts).
// --tiny: small inputs and 2 epochs (the tests). --out DIR (default runs/course/003): pictures, results.json.
// --backend NAME: js, wasm, gl or webgpu (default: the package's, wasm). Results are read with
// `await t.itemAsync()` / `dataAsync()`, which every backend has and webgpu requires.

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tg from '../../index.js';
import { writeCifarFiles } from './cifar-files.js';

const { values: args } = parseArgs({
  options: {
    data: { type: 'string' },
    tiny: { type: 'boolean', default: false },
    out: { type: 'string', default: 'runs/course/003' },
    backend: { type: 'string' },
  },
});
mkdirSync(args.out, { recursive: true });
// a failed check or bad input ends the program with one line and exit code 1, not a stack trace
process.on('uncaughtException', (e) => {
  console.error(`003-cnn-cifar10: ${e.message}`);
  process.exit(1);
});
if (args.backend) {
  if (!tg.hasBackend(args.backend)) throw new Error(`--backend must be one of ${tg.listBackends().join(', ')}, got '${args.backend}'`);
  await tg.setBackend(args.backend);
}

// What the program measured and checked, written to results.json at the end.
const results = {
  backend: tg.getBackend(),
  checks: [] as { name: string; value: number | string; passed: boolean }[],
  shapes: [] as { layer: string; shape: number[] }[],
  stats: {} as Record<string, { mean: number[]; std: number[] }>,
  history: [] as { epoch: number; trainLoss: number; valLoss: number; valAccuracy: number; seconds: number }[],
  parameterCount: 0,
};

/** The notebook's sanity checks: prints the check, records it, and stops the program when it fails. */
function check(name: string, passed: boolean, value: number | string): void {
  results.checks.push({ name, value, passed });
  console.log(`${passed ? 'ok  ' : 'FAIL'} ${name}: ${value}`);
  if (!passed) throw new Error(`check failed: ${name} (got ${value})`);
}

const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((n, i) => n === b[i]);

// cell: 'The fully-connected layer problem' — 4096x4096 colour images into 100 classes
{
  const [c, h, w] = [3, 4096, 4096];
  const gib = (c * h * w * 100 * 4) / 1024 ** 3;
  console.log(`A logistic regression on ${c}x${h}x${w} images needs ${gib} GiB of weights (c*h*w*100*4 / 1024**3)`);
  check('c*h*w*100*4 / 1024**3 is 18.75 GiB', gib === 18.75, gib);
  try {
    // "this is supposed to crash!"
    new tg.nn.Linear(c * h * w, 100);
    check('nn.Linear(c*h*w, 100) is refused', false, 'it was created');
  } catch (e) {
    console.log(`nn.Linear(c*h*w, 100) -> ${(e as Error).message}`);
    check('nn.Linear(c*h*w, 100) is refused with a SizeLimitError', e instanceof tg.SizeLimitError, (e as Error).name);
  }
}

// cell: 'Simple CNN'
tg.manualSeed(0);
const net = new tg.nn.Sequential(
  new tg.nn.Conv2d(3, 16, 3, { stride: 1, padding: 1 }), // 1 pixel padding with a 3x3 kernel preserves resolution
  new tg.nn.LeakyReLU({ inplace: true }),
  new tg.nn.Conv2d(16, 16, 3, { stride: 1, padding: 1 }), // for a 5x5 kernel, padding=2 would preserve resolution
  new tg.nn.LeakyReLU({ inplace: true }),
  new tg.nn.MaxPool2d(2, { stride: 2 }),
  new tg.nn.Conv2d(16, 32, 3, { stride: 1, padding: 1 }),
  new tg.nn.LeakyReLU({ inplace: true }),
  new tg.nn.Conv2d(32, 32, 3, { stride: 1, padding: 1 }),
  new tg.nn.LeakyReLU({ inplace: true }),
  new tg.nn.MaxPool2d(2, { stride: 2 }),
);

// cell: 'Shapes step by step' — the notebook's batch is 16x3x256x256; --tiny uses 2x3x64x64
{
  const [n, side] = args.tiny ? [2, 64] : [16, 256];
  const xb = tg.randn([n, 3, side, side]);
  console.log(`\nxb.shape: [${xb.shape}]`);
  // what each layer gives: convs with padding 1 keep the size, each MaxPool2d(2) halves it
  const expected = [
    [n, 16, side, side], [n, 16, side, side], [n, 16, side, side], [n, 16, side, side], [n, 16, side / 2, side / 2],
    [n, 32, side / 2, side / 2], [n, 32, side / 2, side / 2], [n, 32, side / 2, side / 2], [n, 32, side / 2, side / 2], [n, 32, side / 4, side / 4],
  ];
  let o = xb;
  tg.noGrad(() => {
    for (let i = 0; i < net.length; i++) {
      o = net.at(i).forward(o);
      console.log(`o${i + 1} = net[${i}](o${i}): ${net.at(i)}  ->  [${o.shape}]`);
      results.shapes.push({ layer: `net[${i}] ${net.at(i)}`, shape: [...o.shape] });
      check(`o${i + 1}.shape`, sameShape(o.shape, expected[i]), `[${o.shape}]`);
    }
  });
  const out = tg.noGrad(() => net.forward(xb));
  check('net(xb).shape equals o10.shape', sameShape(out.shape, o.shape), `[${out.shape}]`);
}

// cell: 'Data' — CIFAR-10: the user's binary batches, or small ones made here
const dataDir = args.data ?? writeCifarFiles(mkdtempSync(join(tmpdir(), 'cifar-003-')), args.tiny ? { train: 256, test: 128 } : {});
console.log(`\nCIFAR-10 from ${dataDir}${args.data ? '' : ' (made by cifar-files.ts)'}`);
// tg.data.CIFAR10 gives [3, 32, 32] tensors in [0, 1]: what transforms.ToTensor() makes of the notebook's images
let trDs: tg.data.Dataset = tg.data.readCIFAR10(dataDir, { train: true });
let valDs: tg.data.Dataset = tg.data.readCIFAR10(dataDir, { train: false });
console.log(`train: ${trDs.length} images, validation: ${valDs.length} images`);
{
  // "without transform": the file's own bytes, 0 … 255, channel-major
  const raw = tg.data.readCIFAR10(dataDir, { train: false });
  console.log(`ds[0] without transform: label ${raw.labels[0]} (${tg.data.CIFAR10_CLASSES[raw.labels[0]]}), first red pixels ${[...raw.images.subarray(0, 5)]}`);
}

let trDl = new tg.data.DataLoader(trDs, { batchSize: 4, shuffle: true });
{
  const [xb] = trDl[Symbol.iterator]().next().value!;
  console.log(`xb.shape: [${xb.shape}]`);
  check('a training batch is [4, 3, 32, 32]', sameShape(xb.shape, [4, 3, 32, 32]), `[${xb.shape}]`);
  // show_img(xb[2]): saved as a picture instead of shown (saveImage reads .data: read it first)
  const shown = xb.index(2);
  await shown.dataAsync();
  tg.vis.saveImage(shown, join(args.out, 'sample.png'), { padding: 0 });
}

// cell: 'Standardisation' — the notebook's get_stats: one pass, sums of x and x² per channel, then
// σ = sqrt(E[x²] − E[x]²). Written out as in the notebook, and compared with tg.data.computeStats.
async function getStats(dl: Iterable<[tg.Tensor, tg.Tensor]>): Promise<{ mean: number[]; std: number[] }> {
  let cnt = 0;
  const csum = [0, 0, 0];
  const csumSq = [0, 0, 0]; // 3 because 3 colour channels
  for (const [xb] of dl) {
    cnt += xb.shape[0] * xb.shape[2] * xb.shape[3]; // number of pixels per channel
    const s = await xb.sum([0, 2, 3]).dataAsync(); // 3 numbers: the sums of pixel intensities per colour channel
    const s2 = await xb.pow(2).sum([0, 2, 3]).dataAsync();
    for (let k = 0; k < 3; k++) {
      csum[k] += s[k];
      csumSq[k] += s2[k];
    }
  }
  const mean = csum.map((s) => s / cnt);
  const std = csumSq.map((s2, k) => Math.sqrt(s2 / cnt - mean[k] ** 2));
  return { mean, std };
}

const dataStats = await getStats(trDl);
console.log(`\ndata_stats: mean [${dataStats.mean.map((v) => v.toFixed(4))}], std [${dataStats.std.map((v) => v.toFixed(4))}]`);
{
  const library = tg.data.computeStatsSync(trDl);
  results.stats.train = dataStats;
  const gap = Math.max(...library.mean.map((m, k) => Math.abs(m - dataStats.mean[k])), ...library.std.map((s, k) => Math.abs(s - dataStats.std[k])));
  check('get_stats agrees with tg.data.computeStats (max difference < 1e-5)', gap < 1e-5, gap);
}

// transforms.Compose([ToTensor(), Normalize(*data_stats)])
const transf = new tg.data.transforms.Compose([new tg.data.transforms.ToTensor(), new tg.data.transforms.Normalize(dataStats.mean, dataStats.std)]);
trDs = tg.data.readCIFAR10(dataDir, { train: true }).map(transf);
valDs = tg.data.readCIFAR10(dataDir, { train: false }).map(transf);

const bs = 8;
trDl = new tg.data.DataLoader(trDs, { batchSize: bs, shuffle: true });
const valDl = new tg.data.DataLoader(valDs, { batchSize: 2 * bs, shuffle: false });

// sanity checks: the training set is now 0-mean, 1-std per channel (the validation set nearly)
{
  const tr = await getStats(trDl);
  const val = await getStats(valDl);
  results.stats.normalizedTrain = tr;
  results.stats.normalizedVal = val;
  console.log(`normalised: train mean [${tr.mean.map((v) => v.toFixed(4))}] std [${tr.std.map((v) => v.toFixed(4))}]; validation mean [${val.mean.map((v) => v.toFixed(4))}] std [${val.std.map((v) => v.toFixed(4))}]`);
  const worst = Math.max(...tr.mean.map(Math.abs), ...tr.std.map((s) => Math.abs(s - 1)));
  check('normalised training set: |mean| and |std - 1| < 1e-4 per channel', worst < 1e-4, worst);
}
{
  const [xb] = trDl[Symbol.iterator]().next().value!;
  const x0 = xb.index(0);
  const [min, max, mean, std] = await Promise.all([x0.min(), x0.max(), x0.mean(), x0.std()].map((t) => t.itemAsync()));
  console.log(`xb[0]: min ${min.toFixed(3)}, max ${max.toFixed(3)}, mean ${mean.toFixed(3)}, std ${std.toFixed(3)}`);
}

// cell: 'Network architecture' — input [bs, 3, h, w]: this network accepts *any* input resolution
{
  const [xb] = trDl[Symbol.iterator]().next().value!;
  const o = tg.noGrad(() => net.forward(xb));
  check('net(xb).shape for CIFAR-10 batches is [8, 32, 8, 8]', sameShape(o.shape, [bs, 32, 8, 8]), `[${o.shape}]`);
}

// net1: all of net's layers but the last MaxPool2d, then AdaptiveAvgPool2d((4, 4))
const net1 = new tg.nn.Sequential(...net.slice(0, -1), new tg.nn.AdaptiveAvgPool2d([4, 4]));
console.log(`\nnet1 = ${net1}`);
{
  // the notebook's dummy batches are 16x3x256x256, 16x3x128x128 and 16x3x256x128; --tiny uses quarter sides
  const [n, big, small] = args.tiny ? [2, 64, 32] : [16, 256, 128];
  for (const [h, w] of [[big, big], [small, small], [big, small]]) {
    const dummy = tg.randn([n, 3, h, w]);
    const [a, b] = tg.noGrad(() => [net.forward(dummy), net1.forward(dummy)]);
    console.log(`dummy [${dummy.shape}]: net -> [${a.shape}], net1 -> [${b.shape}]`);
    check(`net on ${h}x${w} gives [${n}, 32, ${h / 4}, ${w / 4}]`, sameShape(a.shape, [n, 32, h / 4, w / 4]), `[${a.shape}]`);
    check(`net1 on ${h}x${w} gives [${n}, 32, 4, 4] whatever the input size`, sameShape(b.shape, [n, 32, 4, 4]), `[${b.shape}]`);
  }
}

// final network with classification head
const net2 = new tg.nn.Sequential(...net.slice(0, -1), new tg.nn.AdaptiveAvgPool2d([4, 4]), new tg.nn.Flatten(), new tg.nn.Linear(32 * 4 * 4, 10));
results.parameterCount = net2.parameters().reduce((s, p) => s + p.size, 0);
{
  const dummy = tg.randn(args.tiny ? [2, 3, 64, 32] : [16, 3, 256, 128]);
  const out = tg.noGrad(() => net2.forward(dummy));
  check('net2(dummy).shape is [N, 10]', sameShape(out.shape, [dummy.shape[0], 10]), `[${out.shape}]`);
}

// cell: 'Training loop' — the notebook's fit(). Its GradScaler / autocast (mixed precision on CUDA) have
// no counterpart: typegrad computes in float32 throughout, so the loss is backpropagated as it is.
async function fit(net: tg.nn.Module, trDl: tg.data.DataLoader, valDl: tg.data.DataLoader, loss = new tg.nn.CrossEntropyLoss(), epochs = 3, lr = 3e-3, wd = 1e-3): Promise<[number[], number[]]> {
  const LtrHist: number[] = [];
  const LvalHist: number[] = [];
  const opt = new tg.optim.AdamW(net.parameters(), { lr, weightDecay: wd });
  const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const started = performance.now();
    const L: number[] = [];
    let [seen, correct] = [0, 0];
    net.train();
    const bar = new tg.nn.ProgressBar(`epoch ${epoch + 1}/${epochs}`, trDl.length); // tqdm(dl, leave=False)
    for (const [xb, yb] of trDl) {
      const y_ = net.forward(xb);
      const l = loss.forward(y_, yb);
      opt.zeroGrad();
      l.backward();
      opt.step();
      L.push(await l.itemAsync());
      seen += xb.shape[0];
      correct += await y_.argmax(1).eq(yb).sum().itemAsync(); // for the progress bar only
      bar.update(L.length, { loss: mean(L), accuracy: correct / seen, imagesPerSecond: seen / ((performance.now() - started) / 1000) });
    }
    bar.finish();

    const Lval: number[] = [];
    const Aval: number[] = [];
    net.eval();
    for (const [xb, yb] of valDl) {
      // torch.no_grad() around each batch, as noGrad runs no async function
      const [y_, l] = tg.noGrad(() => {
        const y_ = net.forward(xb);
        return [y_, loss.forward(y_, yb)];
      });
      Lval.push(await l.itemAsync());
      Aval.push(await y_.argmax(1).eq(yb).mean().itemAsync()); // (y_.max(dim=1)[1] == yb).float().mean()
    }

    LtrHist.push(mean(L));
    LvalHist.push(mean(Lval));
    const seconds = (performance.now() - started) / 1000;
    results.history.push({ epoch: epoch + 1, trainLoss: mean(L), valLoss: mean(Lval), valAccuracy: mean(Aval), seconds });
    console.log(`training loss: ${mean(L).toFixed(4)}\tvalidation loss: ${mean(Lval).toFixed(4)}\tvalidation accuracy: ${mean(Aval).toFixed(2)}\t(${seconds.toFixed(1)} s)`);
  }
  return [LtrHist, LvalHist];
}

tg.manualSeed(1);
console.log(`\nfit(net2, trDl, valDl, epochs=${args.tiny ? 2 : 10}): ${results.parameterCount} parameters, AdamW lr 3e-3, weight decay 1e-3`);
const [LtrHist, LvalHist] = await fit(net2, trDl, valDl, new tg.nn.CrossEntropyLoss(), args.tiny ? 2 : 10);
check('the training loss fell (last epoch < first)', LtrHist[LtrHist.length - 1] < LtrHist[0], `${LtrHist[0].toFixed(4)} -> ${LtrHist[LtrHist.length - 1].toFixed(4)}`);

// the loss plot: training and validation loss per epoch
{
  const spec: tg.vis.AxesSpec = {
    title: 'Loss per epoch', xlabel: 'Epoch', ylabel: 'Loss', x: LtrHist.map((_, i) => i + 1),
    series: [{ label: 'training loss', color: tg.vis.TAB10[0], values: LtrHist }, { label: 'validation loss', color: tg.vis.TAB10[1], values: LvalHist }],
  };
  const fig = new tg.vis.Figure(960, 320);
  tg.vis.drawAxes(fig, spec, tg.vis.axesLayout(spec, { x: 0, y: 0, w: 960, h: 320 }));
  writeFileSync(join(args.out, 'loss.png'), fig.png());
  writeFileSync(join(args.out, 'loss.svg'), fig.svg());
}

// cell: 'Homework — for volunteers: implement 2D convolution from scratch using loops.'
// x [N, C, H, W], weight [K, C, kh, kw], bias [K]: every output pixel is the sum, over the input channels
// and the kernel window, of input × weight (cross-correlation, as nn.Conv2d: the kernel is not flipped).
function conv2dLoops(x: tg.Tensor, weight: tg.Tensor, bias: tg.Tensor, stride: number, padding: number): tg.Tensor {
  const [N, C, H, W] = x.shape;
  const [K, , kh, kw] = weight.shape;
  const Ho = Math.floor((H + 2 * padding - kh) / stride) + 1;
  const Wo = Math.floor((W + 2 * padding - kw) / stride) + 1;
  const X = x.data;
  const Wt = weight.data;
  const out = new Float32Array(N * K * Ho * Wo);
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) {
      for (let i = 0; i < Ho; i++) {
        for (let j = 0; j < Wo; j++) {
          let acc = bias.data[k];
          for (let c = 0; c < C; c++) {
            for (let u = 0; u < kh; u++) {
              for (let v = 0; v < kw; v++) {
                const row = i * stride - padding + u;
                const col = j * stride - padding + v;
                if (row < 0 || row >= H || col < 0 || col >= W) continue; // zero padding
                acc += X[((n * C + c) * H + row) * W + col] * Wt[((k * C + c) * kh + u) * kw + v];
              }
            }
          }
          out[((n * K + k) * Ho + i) * Wo + j] = acc;
        }
      }
    }
  }
  return tg.tensor(out, [N, K, Ho, Wo]);
}

{
  tg.manualSeed(3);
  const x = tg.randn([2, 3, 11, 9]);
  const weight = tg.randn([4, 3, 3, 5]);
  const bias = tg.randn([4]);
  for (const [stride, padding] of [[1, 0], [1, 1], [2, 1], [3, 2]]) {
    const mine = conv2dLoops(x, weight, bias, stride, padding);
    const theirs = tg.conv2d(x, weight, bias, { stride, padding });
    const diff = await mine.sub(theirs).abs().max().itemAsync();
    check(`conv2d with loops = tg.conv2d (stride ${stride}, padding ${padding}, output [${mine.shape}]): max difference < 1e-4`, sameShape(mine.shape, theirs.shape) && diff < 1e-4, diff);
  }
}

writeFileSync(join(args.out, 'results.json'), JSON.stringify(results, null, 2));
console.log(`\nall ${results.checks.length} checks passed; pictures and results.json in ${args.out}`);
