// ConvNetJS as a peer: the same CNN, trained image by image with its SGD trainer (batch_size 32, so a
// weight update every 32 images). It has no types, hence the untyped dynamic import.

import { randomValues } from './common.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
export async function convnetjsCnn(batch = 32): Promise<{ step(): void } | null> {
  let cnj: any;
  try {
    const specifier: string = 'convnetjs';
    const mod: any = await import(specifier);
    cnj = mod.default ?? mod;
  } catch {
    return null;
  }
  const net = new cnj.Net();
  net.makeLayers([
    { type: 'input', out_sx: 32, out_sy: 32, out_depth: 3 },
    { type: 'conv', sx: 3, filters: 32, stride: 1, pad: 1, activation: 'relu' },
    { type: 'conv', sx: 3, filters: 32, stride: 1, pad: 1, activation: 'relu' },
    { type: 'pool', sx: 2, stride: 2 },
    { type: 'conv', sx: 3, filters: 64, stride: 1, pad: 1, activation: 'relu' },
    { type: 'conv', sx: 3, filters: 64, stride: 1, pad: 1, activation: 'relu' },
    { type: 'pool', sx: 2, stride: 2 },
    { type: 'softmax', num_classes: 10 }, // a fully connected layer (4096 → 10) and softmax + cross-entropy
  ]);
  const trainer = new cnj.SGDTrainer(net, { method: 'sgd', learning_rate: 0.01, momentum: 0, batch_size: batch, l2_decay: 0 });
  const images = Array.from({ length: batch }, (_, i) => {
    const v = new cnj.Vol(32, 32, 3, 0);
    v.w.set(randomValues(32 * 32 * 3, 50 + i));
    return v;
  });
  return {
    step() {
      for (let i = 0; i < batch; i++) trainer.train(images[i], (i * 7) % 10);
    },
  };
}
