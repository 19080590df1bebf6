// Per-channel mean and standard deviation in one streaming pass (the CIFAR lab's get_stats): sums of x
// and x² per channel over every batch, then σ = sqrt(E[x²] − E[x]²). The sums are float64 so millions of
// pixels do not lose the digits that the subtraction needs.

import { Tensor } from '../engine/index.js';

export interface ChannelStats {
  mean: number[];
  std: number[];
  /** values seen per channel */
  count: number;
}

/** Accumulates batches [N, C, H, W] (or single images [C, H, W]) one at a time. */
export class StatsAccumulator {
  #sum: Float64Array | null = null;
  #sumSq: Float64Array | null = null;
  #count = 0;

  add(x: Tensor): this {
    if (!(x instanceof Tensor) || x.ndim < 3) throw new RangeError(`computeStats: expected image batches [N, C, H, W] or images [C, H, W], got ${x instanceof Tensor ? `shape [${x.shape}]` : typeof x}`);
    const [c, h, w] = x.shape.slice(-3);
    if (this.#sum && this.#sum.length !== c) throw new RangeError(`computeStats: a batch has ${c} channels but earlier ones had ${this.#sum.length}`);
    this.#sum ??= new Float64Array(c);
    this.#sumSq ??= new Float64Array(c);
    const plane = h * w;
    const d = x.data;
    for (let base = 0; base < d.length; base += c * plane) {
      for (let k = 0; k < c; k++) {
        let s = 0;
        let s2 = 0;
        for (let p = base + k * plane, end = p + plane; p < end; p++) {
          s += d[p];
          s2 += d[p] * d[p];
        }
        this.#sum[k] += s;
        this.#sumSq![k] += s2;
      }
    }
    this.#count += (d.length / c);
    return this;
  }

  result(): ChannelStats {
    if (!this.#sum || this.#count === 0) throw new RangeError('computeStats: no images seen');
    const n = this.#count;
    const mean = [...this.#sum].map((s) => s / n);
    const std = [...this.#sumSq!].map((s2, k) => Math.sqrt(Math.max(0, s2 / n - mean[k] ** 2)));
    return { mean, std, count: n };
  }
}

type Batches = Iterable<Tensor | readonly [Tensor, ...unknown[]]> | AsyncIterable<Tensor | readonly [Tensor, ...unknown[]]>;

/** Mean and population std per channel over a loader's batches ([x, y] pairs or bare image tensors). */
export async function computeStats(batches: Batches): Promise<ChannelStats> {
  const acc = new StatsAccumulator();
  for await (const b of batches as AsyncIterable<Tensor | readonly [Tensor]>) acc.add(b instanceof Tensor ? b : b[0]);
  return acc.result();
}

/** computeStats for a synchronous source (a DataLoader over an in-memory dataset). */
export function computeStatsSync(batches: Iterable<Tensor | readonly [Tensor, ...unknown[]]>): ChannelStats {
  const acc = new StatsAccumulator();
  for (const b of batches) acc.add(b instanceof Tensor ? b : b[0]);
  return acc.result();
}
