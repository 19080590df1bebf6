// Embedding: a table of numEmbeddings rows of embeddingDim values, looked up by integer ids (tg.embedding).
// Ids are float32 tensors of integers (exact below 2^24). With maxNorm each forward first scales the
// looked-up rows above it down, in place, as PyTorch's.

import { Tensor, embedding, formatShape, parseArgs, type Generator, type PyArgs } from '../../engine/index.js';
import { checkedPaddingIdx } from '../../engine/ops/embedding.js';
import { Module } from '../module.js';
import { Parameter } from '../parameter.js';
import { normal } from '../init.js';
import { checkPositiveInt, checkTensor, pyFloat, zeroParameter } from './util.js';

export interface EmbeddingOptions {
  numEmbeddings: number;
  embeddingDim: number;
  /** this id's row starts at zero and gets no gradient (a negative id counts from the end) */
  paddingIdx?: number | null;
  /** PyTorch's max_norm: each forward scales the looked-up rows whose normType-norm exceeds it down to it, in place */
  maxNorm?: number | null;
  normType?: number;
  /** PyTorch's scale_grad_by_freq and sparse: only false */
  scaleGradByFreq?: boolean;
  sparse?: boolean;
  /** PyTorch's _weight: the table to use, [numEmbeddings, embeddingDim] (shared, not copied) */
  weight?: Tensor;
  generator?: Generator;
}

/** PyTorch's order: num_embeddings, embedding_dim, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse, _weight. */
const positional = { numEmbeddings: 'integer', embeddingDim: 'integer', paddingIdx: 'integer|null', maxNorm: 'number|null', normType: 'number', scaleGradByFreq: 'boolean', sparse: 'boolean', weight: 'tensor' } as const;

export type EmbeddingArgs =
  | [options: EmbeddingOptions]
  | PyArgs<
      [numEmbeddings: number, embeddingDim: number],
      [paddingIdx: number | null | undefined, maxNorm: number | null | undefined, normType: number | undefined, scaleGradByFreq: boolean | undefined, sparse: boolean | undefined, weight: Tensor | undefined],
      Partial<EmbeddingOptions>
    >;

export class Embedding extends Module {
  readonly numEmbeddings: number;
  readonly embeddingDim: number;
  readonly paddingIdx: number | null;
  readonly maxNorm: number | null;
  readonly normType: number;
  weight: Parameter;

  constructor(...args: EmbeddingArgs) {
    super();
    const name = 'Embedding';
    const o = parseArgs(name, args, positional, ['generator']) as unknown as EmbeddingOptions;
    this.numEmbeddings = checkPositiveInt(name, 'numEmbeddings', o.numEmbeddings);
    this.embeddingDim = checkPositiveInt(name, 'embeddingDim', o.embeddingDim);
    this.paddingIdx = o.paddingIdx == null ? null : checkedPaddingIdx(name, o.paddingIdx, this.numEmbeddings);
    if (o.maxNorm != null && (typeof o.maxNorm !== 'number' || Number.isNaN(o.maxNorm))) throw new RangeError(`${name}: maxNorm must be a number or null, got ${String(o.maxNorm)}`);
    if (o.normType !== undefined && (typeof o.normType !== 'number' || Number.isNaN(o.normType))) throw new RangeError(`${name}: normType must be a number, got ${String(o.normType)}`);
    this.maxNorm = o.maxNorm ?? null;
    if (o.scaleGradByFreq) throw new RangeError(`${name}: scaleGradByFreq true is not supported (only false)`);
    if (o.sparse) throw new RangeError(`${name}: sparse true is not supported (the gradient is dense)`);
    this.normType = o.normType ?? 2;
    const shape = [this.numEmbeddings, this.embeddingDim];
    if (o.weight !== undefined) {
      if (!(o.weight instanceof Tensor) || o.weight.ndim !== 2 || o.weight.shape[0] !== shape[0] || o.weight.shape[1] !== shape[1]) {
        throw new RangeError(`${name}: weight must have shape ${formatShape(shape)}, got ${o.weight instanceof Tensor ? formatShape(o.weight.shape) : typeof o.weight}`);
      }
      this.weight = new Parameter(o.weight);
    } else {
      // PyTorch's init: N(0, 1), the padding row zero
      this.weight = zeroParameter(shape, name);
      normal(this.weight, 0, 1, { generator: o.generator });
      const pad = this.paddingIdx;
      if (pad !== null) this.weight.data.fill(0, pad * this.embeddingDim, (pad + 1) * this.embeddingDim); // a new CPU tensor
    }
  }

  /**
   * PyTorch's Embedding.from_pretrained: a table holding `embeddings` [numEmbeddings, embeddingDim]
   * (shared), frozen (requiresGrad false) unless `freeze` is false.
   */
  static fromPretrained(
    embeddings: Tensor,
    ...args: PyArgs<[], [freeze: boolean | undefined, paddingIdx: number | null | undefined, maxNorm: number | null | undefined, normType: number | undefined], { freeze?: boolean; paddingIdx?: number | null; maxNorm?: number | null; normType?: number }>
  ): Embedding {
    const o = parseArgs('Embedding.fromPretrained', args, { freeze: 'boolean', paddingIdx: 'integer|null', maxNorm: 'number|null', normType: 'number' }) as { freeze?: boolean; paddingIdx?: number | null; maxNorm?: number | null; normType?: number };
    if (!(embeddings instanceof Tensor) || embeddings.ndim !== 2) {
      throw new RangeError(`Embedding.fromPretrained: embeddings must be a 2-D Tensor [numEmbeddings, embeddingDim], got ${embeddings instanceof Tensor ? formatShape(embeddings.shape) : typeof embeddings}`);
    }
    const [rows, dim] = embeddings.shape;
    const layer = new Embedding(rows, dim, { paddingIdx: o.paddingIdx ?? null, maxNorm: o.maxNorm ?? null, normType: o.normType, weight: embeddings });
    layer.weight.requiresGrad = !(o.freeze ?? true);
    return layer;
  }

  /** ids of any shape → ids.shape + [embeddingDim]. */
  forward(ids: Tensor): Tensor {
    checkTensor('Embedding', ids);
    return embedding(ids, this.weight, { paddingIdx: this.paddingIdx, maxNorm: this.maxNorm, normType: this.normType });
  }

  outputShape(input: readonly number[]): number[] {
    return [...input, this.embeddingDim];
  }

  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.paddingIdx !== null) s += `, padding_idx=${this.paddingIdx}`;
    if (this.maxNorm !== null) s += `, max_norm=${pyFloat(this.maxNorm)}`;
    if (this.normType !== 2) s += `, norm_type=${Number.isFinite(this.normType) ? pyFloat(this.normType) : this.normType > 0 ? 'inf' : '-inf'}`;
    return s;
  }
}
