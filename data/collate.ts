// Turning a list of samples into one batch, as torch.utils.data's default_collate: tensors of one shape
// are stacked along a new first dim, numbers become a 1-d tensor, tuples are collated field by field.

import { Tensor } from '../engine/index.js';

export type Collate<S, B> = (samples: S[]) => B;

/** Stacks same-shape tensors into one [N, ...shape] tensor (a plain copy: no autograd graph). */
export function stackSamples(tensors: readonly Tensor[], what = 'collate'): Tensor {
  const shape = tensors[0].shape;
  const n = tensors[0].size;
  const out = new Float32Array(n * tensors.length);
  tensors.forEach((t, k) => {
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new RangeError(`${what}: sample ${k} has shape [${t.shape}] but sample 0 has [${shape}]; resize or crop images to one size before batching`);
    }
    out.set(t.data, k * n);
  });
  return new Tensor(out, [tensors.length, ...shape]);
}

function collateField(values: unknown[], what: string): unknown {
  const first = values[0];
  if (first instanceof Tensor) return stackSamples(values as Tensor[], what);
  if (typeof first === 'number') return new Tensor(Float32Array.from(values as number[]), [values.length]);
  if (Array.isArray(first)) return first.map((_, k) => collateField(values.map((v) => (v as unknown[])[k]), `${what}[${k}]`));
  return values; // strings and other objects stay a plain list, as PyTorch does
}

/** The default collate: `[x, y][]` → `[X, Y]` with X = stacked inputs and Y = stacked targets. */
export function defaultCollate<S>(samples: S[]): unknown {
  if (samples.length === 0) throw new RangeError('collate: cannot make a batch of 0 samples');
  return collateField(samples, 'collate');
}
