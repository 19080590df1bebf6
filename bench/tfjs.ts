// tfjs with its WASM backend (XNNPACK) as a peer. As shipped it cannot train a CNN on that backend
// (`Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'`), so, as issue 3 prescribes, the
// step below writes the gradients by hand: the weight gradient as one conv2d over the transposed input
// and output gradient, the input gradient as a conv2d with the flipped filter, and explicit transposes
// before matMul (much faster than its transposeA). Layout NHWC, tfjs's native one.

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-wasm';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { randomValues } from './common.js';

export async function tfjsReady(threads = 1): Promise<string> {
  setThreadsCount(threads);
  await tf.setBackend('wasm');
  await tf.ready();
  return tf.getBackend();
}

export function tfjsGemm(m: number, n: number, k: number): { run(): void; dispose(): void } {
  const a = tf.tensor2d(randomValues(m * k, 1), [m, k]);
  const b = tf.tensor2d(randomValues(k * n, 2), [k, n]);
  return {
    run() {
      const c = tf.matMul(a, b);
      c.dataSync();
      c.dispose();
    },
    dispose() {
      a.dispose();
      b.dispose();
    },
  };
}

export function tfjsCnn(batch = 32): { step(): number } {
  const rnd = (shape: number[], fanIn: number, seed: number) => tf.tensor(randomValues(shape.reduce((a, b) => a * b, 1), seed, 1 / Math.sqrt(fanIn)), shape);
  let convs = [
    [3, 32],
    [32, 32],
    [32, 64],
    [64, 64],
  ].map(([ci, co], i) => ({ w: rnd([3, 3, ci, co], ci * 9, 10 + i) as tf.Tensor4D, b: rnd([co], ci * 9, 20 + i) as tf.Tensor1D }));
  let fcW = rnd([4096, 10], 4096, 30) as tf.Tensor2D;
  let fcB = rnd([10], 4096, 31) as tf.Tensor1D;
  const x = tf.tensor4d(randomValues(batch * 32 * 32 * 3, 40), [batch, 32, 32, 3]);
  const labels = tf.cast(tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => (i * 7) % 10), 'int32'), 10), 'float32') as tf.Tensor2D;
  const lr = 0.01;

  // 2x nearest-neighbour upsampling of NHWC, to route max-pool gradients through an equality mask
  const up2 = (t: tf.Tensor4D): tf.Tensor4D => {
    const [n, h, w, c] = t.shape;
    return tf.reshape(tf.tile(tf.reshape(t, [n, h, 1, w, 1, c]), [1, 1, 2, 1, 2, 1]), [n, 2 * h, 2 * w, c]) as tf.Tensor4D;
  };

  return {
    step() {
      const result = tf.tidy(() => {
        // forward, keeping what backward needs
        const inputs: tf.Tensor4D[] = [];
        const acts: tf.Tensor4D[] = [];
        const pools: Array<{ before: tf.Tensor4D; after: tf.Tensor4D } | null> = [];
        let h: tf.Tensor4D = x;
        convs.forEach((c, i) => {
          inputs.push(h);
          const a = tf.relu(tf.add(tf.conv2d(h, c.w, 1, 'same'), c.b)) as tf.Tensor4D;
          acts.push(a);
          h = a;
          if (i % 2 === 1) {
            const p = tf.maxPool(a, 2, 2, 'valid');
            pools.push({ before: a, after: p });
            h = p;
          } else pools.push(null);
        });
        const flat = tf.reshape(h, [batch, 4096]) as tf.Tensor2D;
        const logits = tf.add(tf.matMul(flat, fcW), fcB) as tf.Tensor2D;
        const logp = tf.logSoftmax(logits);
        const loss = tf.div(tf.neg(tf.sum(tf.mul(logp, labels))), batch);
        // backward
        const dLogits = tf.div(tf.sub(tf.exp(logp), labels), batch) as tf.Tensor2D;
        const dFcW = tf.matMul(tf.transpose(flat), dLogits);
        const dFcB = tf.sum(dLogits, 0);
        let g = tf.reshape(tf.matMul(dLogits, tf.transpose(fcW)), h.shape) as tf.Tensor4D;
        const grads: Array<{ w: tf.Tensor; b: tf.Tensor }> = [];
        for (let i = convs.length - 1; i >= 0; i--) {
          const pool = pools[i];
          if (pool) g = tf.mul(up2(g), tf.cast(tf.equal(pool.before, up2(pool.after as tf.Tensor4D)), 'float32')) as tf.Tensor4D;
          const dz = tf.mul(g, tf.step(acts[i])) as tf.Tensor4D;
          const input = inputs[i];
          // dW[kh,kw,ci,co] = Σ_n,h,w x[n,h+kh−1,w+kw−1,ci]·dz[n,h,w,co]: a conv with ci as batch and n as channels
          const xT = tf.transpose(input, [3, 1, 2, 0]) as tf.Tensor4D;
          const dzT = tf.transpose(dz, [1, 2, 0, 3]) as tf.Tensor4D;
          const dW = tf.transpose(tf.conv2d(xT, dzT, 1, 1), [1, 2, 0, 3]);
          const dB = tf.sum(dz, [0, 1, 2]);
          grads[i] = { w: dW, b: dB };
          if (i > 0) {
            const flipped = tf.transpose(tf.reverse(convs[i].w, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
            g = tf.conv2d(dz, flipped, 1, 'same');
          }
        }
        // SGD
        const next = convs.map((c, i) => ({ w: tf.sub(c.w, tf.mul(grads[i].w, lr)) as tf.Tensor4D, b: tf.sub(c.b, tf.mul(grads[i].b, lr)) as tf.Tensor1D }));
        const nextFcW = tf.sub(fcW, tf.mul(dFcW, lr)) as tf.Tensor2D;
        const nextFcB = tf.sub(fcB, tf.mul(dFcB, lr)) as tf.Tensor1D;
        return { next, nextFcW, nextFcB, loss };
      });
      for (const c of convs) tf.dispose([c.w, c.b]);
      tf.dispose([fcW, fcB]);
      convs = result.next;
      fcW = result.nextFcW;
      fcB = result.nextFcB;
      const loss = result.loss.dataSync()[0];
      result.loss.dispose();
      return loss;
    },
  };
}
