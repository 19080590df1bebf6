// Reverse-mode automatic differentiation.
//
// Every op that produces a tensor from inputs that require grad calls `record`, which remembers the
// inputs and a closure that turns the output's gradient into the inputs' gradients (the chain rule
// for that one op). `backward` walks that graph from the loss back to the leaves in reverse
// topological order, summing the gradients that meet at a tensor, and leaves the totals in the
// leaves' `.grad`, adding to what is already there, as PyTorch does.

import { formatShape, sameShape } from './shape.js';
import type { Tensor } from './tensor.js';

/** Maps the output's gradient to one gradient per input (null where an input needs none). */
export type BackwardFn = (gradOutput: Tensor) => ReadonlyArray<Tensor | null | undefined>;

export interface GradNode {
  readonly op: string;
  readonly inputs: ReadonlyArray<Tensor | null | undefined>;
  readonly backward: BackwardFn;
}

let gradEnabled = true;
let detectAnomaly = false;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs `fn` without recording a graph (inference, optimizer steps). Synchronous like torch.no_grad. */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}

/** Runs `fn` with recording switched back on, inside a noGrad. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}

function withGradMode<T>(enabled: boolean, fn: () => T): T {
  const previous = gradEnabled;
  gradEnabled = enabled;
  try {
    const result = fn();
    if (result instanceof Promise) {
      throw new TypeError(
        `${enabled ? 'enableGrad' : 'noGrad'}: the callback returned a Promise; grad mode cannot follow an await. ` +
          'Wrap the synchronous part (the forward pass) instead.',
      );
    }
    return result;
  } finally {
    gradEnabled = previous;
  }
}

/** When on, backward throws at the first op whose gradient holds NaN or Infinity, naming the op. */
export function setDetectAnomaly(on: boolean): void {
  detectAnomaly = on;
}

export function isAnomalyEnabled(): boolean {
  return detectAnomaly;
}

/**
 * Attaches `backward` to `out` if grad mode is on and any input requires grad. Returns `out`.
 * The closure runs later under noGrad, so it may use ordinary tensor ops.
 */
export function record(
  out: Tensor,
  op: string,
  inputs: ReadonlyArray<Tensor | null | undefined>,
  backward: BackwardFn,
): Tensor {
  if (!gradEnabled || !inputs.some((t) => t?.requiresGrad)) return out;
  out.requiresGrad = true;
  out.gradNode = { op, inputs, backward };
  return out;
}

/** Tensors reachable from `root` through grad nodes, each after every tensor that uses it. */
function reverseTopologicalOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const visited = new Set<Tensor>();
  // Iterative depth-first search: long graphs must not overflow the call stack.
  const stack: Array<{ tensor: Tensor; next: number }> = [{ tensor: root, next: 0 }];
  visited.add(root);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const inputs = top.tensor.gradNode?.inputs ?? [];
    if (top.next < inputs.length) {
      const input = inputs[top.next++];
      if (input?.requiresGrad && !visited.has(input)) {
        visited.add(input);
        stack.push({ tensor: input, next: 0 });
      }
    } else {
      order.push(top.tensor);
      stack.pop();
    }
  }
  return order.reverse();
}

export function backward(root: Tensor, gradient: Tensor | undefined, makeOnes: (like: Tensor) => Tensor): void {
  if (!root.requiresGrad) {
    throw new RangeError(
      'backward: this tensor does not require grad and has no grad graph (create inputs with { requiresGrad: true }, and do not call backward inside noGrad)',
    );
  }
  if (gradient === undefined) {
    if (root.size !== 1) {
      throw new RangeError(
        `backward: a gradient can be created implicitly only for a one-element output, but this tensor has shape ${formatShape(root.shape)}; pass backward(grad) with that shape`,
      );
    }
    gradient = makeOnes(root);
  } else if (typeof gradient !== 'object' || gradient === null || !('shape' in gradient) || !('data' in gradient)) {
    throw new TypeError(`backward: the gradient must be a Tensor of shape ${formatShape(root.shape)}, got ${Array.isArray(gradient) ? 'an array' : typeof gradient}`);
  } else if (!sameShape(gradient.shape, root.shape)) {
    throw new RangeError(`backward: grad has shape ${formatShape(gradient.shape)} but the tensor has shape ${formatShape(root.shape)}`);
  }

  const grads = new Map<Tensor, Tensor>([[root, gradient]]);
  noGrad(() => {
    for (const tensor of reverseTopologicalOrder(root)) {
      const g = grads.get(tensor);
      grads.delete(tensor); // free intermediate gradients as soon as they are used
      if (g === undefined) continue;
      const node = tensor.gradNode;
      if (node === null || tensor.retainsGrad) accumulateIntoLeaf(tensor, g);
      if (node === null) continue;
      const inputGrads = node.backward(g);
      node.inputs.forEach((input, i) => {
        const gi = inputGrads[i];
        if (!input?.requiresGrad || gi == null) return;
        if (!sameShape(gi.shape, input.shape)) {
          throw new Error(`backward of ${node.op}: gradient for input ${i} has shape ${formatShape(gi.shape)}, expected ${formatShape(input.shape)} (a bug in the op)`);
        }
        if (detectAnomaly) checkFinite(node.op, i, gi);
        const previous = grads.get(input);
        grads.set(input, previous ? previous.add(gi) : gi);
      });
    }
  });
}

/** Leaves (and tensors that called retainGrad) keep their total gradient in `.grad`. */
function accumulateIntoLeaf(leaf: Tensor, g: Tensor): void {
  // A copy, never the gradient object itself: one gradient tensor may flow to several leaves
  // (add passes it to both sides), and optimizers update .grad in place.
  leaf.grad = leaf.grad ? leaf.grad.add(g) : g.clone();
}

function checkFinite(op: string, inputIndex: number, g: Tensor): void {
  const data = g.data;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw new RangeError(
        `backward: anomaly detected: ${op} produced a non-finite gradient (${data[i]}) for its input ${inputIndex} of shape ${formatShape(g.shape)} at flat index ${i}`,
      );
    }
  }
}
