// The receptive field of a stack of layers: how many input pixels (along one side) one output sees.
// The course's recurrence from the top layer down: r(l−1) = s·r(l) + k_eff − s, r(top) = 1,
// with k_eff = d·(k − 1) + 1 for a dilated kernel. Layers without a window (activations,
// batchnorm, dropout) leave it unchanged.

import { Module, type AnyModule } from '../module.js';
import { Conv2d } from '../layers/conv.js';
import { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, AdaptiveMaxPool2d } from '../layers/pooling.js';
import { Linear, LazyLinear } from '../layers/linear.js';
import { Flatten } from '../layers/basic.js';

/** A layer given by its window: kernel size, stride, dilation (square). */
export interface ReceptiveFieldLayer {
  kernelSize: number;
  stride?: number;
  dilation?: number;
}

function windowOf(m: AnyModule): ReceptiveFieldLayer | null {
  if (m instanceof Conv2d) return { kernelSize: m.kernelSize[0], stride: m.stride[0], dilation: m.dilation[0] };
  if (m instanceof MaxPool2d) return { kernelSize: m.kernelSize[0], stride: m.stride[0], dilation: m.dilation[0] };
  if (m instanceof AvgPool2d) return { kernelSize: m.kernelSize[0], stride: m.stride[0] };
  if (m instanceof AdaptiveAvgPool2d || m instanceof AdaptiveMaxPool2d || m instanceof Linear || m instanceof LazyLinear || m instanceof Flatten) {
    throw new RangeError(`receptiveField: ${m.constructor.name} mixes every position; give the layers before it (e.g. model.features)`);
  }
  return null;
}

/** The leaf layers of a model in forward order (Sequentials flattened). */
function leaves(m: AnyModule): AnyModule[] {
  // a side branch (a residual block's shortcut) runs beside the main path, which alone sets the field
  const side = new Set(m.sideBranches());
  const kids = [...m.children()].filter((k) => !side.has(k));
  if (kids.length === 0) return [m];
  return kids.flatMap(leaves);
}

/** Receptive field (in input pixels, along one side) of the last layer's outputs. */
export function receptiveField(layers: AnyModule | Iterable<AnyModule | ReceptiveFieldLayer>): number {
  const list: Array<AnyModule | ReceptiveFieldLayer> = layers instanceof Module ? leaves(layers) : [...layers];
  let r = 1;
  for (const layer of list.reverse()) {
    const w = layer instanceof Module ? windowOf(layer) : layer;
    if (!w) continue;
    const s = w.stride ?? 1;
    const k = (w.dilation ?? 1) * (w.kernelSize - 1) + 1;
    r = s * r + k - s;
  }
  return r;
}
