// Reverse-mode automatic differentiation.
//
// Every op that produces a tensor from inputs that require grad calls `record`, which remembers the
// inputs and a closure that turns the output's gradient into the inputs' gradients (the chain rule
// for that one op). `backward` walks that graph from the loss back to the leaves in reverse
// topological order, summing the gradients that meet at a tensor, and leaves the totals in the
// leaves' `.grad`, adding to what is already there, as PyTorch does.
//
// Like PyTorch, a backward frees the graph it ran through: each node drops its closure (and with it
// the values it saved for the gradient) once it has run, unless backward was given retainGraph.
// A second backward that reaches a freed node throws, before touching any gradient. PyTorch throws
// only at nodes that saved tensors (`x.sum()` or `x + 1` may be backpropagated twice there, while
// `x * 2`, `x.exp()` or `x.relu()` may not); typegrad's closures do not say what they saved, so here
// every op's node counts as freed: a graph of leaves alone can still be backpropagated again.

import { formatShape, sameShape } from './shape.js';
import type { Tensor } from './tensor.js';

/** Maps the output's gradient to one gradient per input (null where an input needs none). */
export type BackwardFn = (gradOutput: Tensor) => ReadonlyArray<Tensor | null | undefined>;

export interface GradNode {
  readonly op: string;
  readonly inputs: ReadonlyArray<Tensor | null | undefined>;
  /** null once a backward without retainGraph has run through this node (the graph is freed) */
  backward: BackwardFn | null;
}

/** The options of tensor.backward, PyTorch's keyword arguments. */
export interface BackwardOptions {
  /** keep the graph so that it can be backpropagated through again (retain_graph; default false) */
  retainGraph?: boolean;
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
 * Hears of every op a forward pass runs, in grad mode or not: how an exporter (onnx/) traces a model,
 * as torch.onnx traces one. `attributes` are what the op's inputs and output shapes do not say (its
 * kernel params, a dim); they may hold tensors the op reads outside its inputs (batch norm's running
 * statistics). Inner ops of a composite report first, the composite last: the last report of a tensor wins.
 */
export type OpTracer = (out: Tensor, op: string, inputs: ReadonlyArray<Tensor | null | undefined>, attributes: object) => void;

let opTracer: OpTracer | null = null;
/** The attributes of an op that has none: one shared object, not a fresh one per op. */
const noAttributes: object = Object.freeze({});

/** Installs (or, with null, removes) the op tracer; returns the one it replaces. */
export function setOpTracer(tracer: OpTracer | null): OpTracer | null {
  const previous = opTracer;
  opTracer = tracer;
  return previous;
}

/** Reports a composite op (made of other recorded ops) to the tracer as one op. Returns `out`. */
export function traced(out: Tensor, op: string, inputs: ReadonlyArray<Tensor | null | undefined>, attributes: object = noAttributes): Tensor {
  opTracer?.(out, op, inputs, attributes);
  return out;
}

/**
 * Attaches `backward` to `out` if grad mode is on and any input requires grad. Returns `out`.
 * The closure runs later under noGrad, so it may use ordinary tensor ops. `attributes` go to the
 * op tracer only (see OpTracer).
 */
export function record(
  out: Tensor,
  op: string,
  inputs: ReadonlyArray<Tensor | null | undefined>,
  backward: BackwardFn,
  attributes: object = noAttributes,
): Tensor {
  opTracer?.(out, op, inputs, attributes);
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

/**
 * backward(root, gradient?, options?) or backward(root, options): a plain object where the
 * gradient would be is taken as the options, so `loss.backward({ retainGraph: true })` reads like
 * PyTorch's `loss.backward(retain_graph=True)`.
 */
export function backward(
  root: Tensor,
  gradientOrOptions: Tensor | BackwardOptions | undefined,
  options: BackwardOptions | undefined,
  makeOnes: (like: Tensor) => Tensor,
): void {
  let gradient = gradientOrOptions as Tensor | undefined;
  if (options === undefined && isPlainObject(gradientOrOptions) && !('shape' in gradientOrOptions)) {
    options = gradientOrOptions as BackwardOptions;
    gradient = undefined;
  }
  const retainGraph = checkOptions(options);
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

  const order = reverseTopologicalOrder(root);
  const freed = order.find((t) => t.gradNode !== null && t.gradNode.backward === null);
  if (freed) {
    throw new Error(
      `backward: trying to backward through the graph a second time: ${freed.gradNode!.op} (output ${formatShape(freed.shape)}) and the ops before it ` +
        'were freed by a previous backward, which released what they saved for their gradients. Pass { retainGraph: true } to that backward ' +
        "to backward through the graph again (PyTorch's retain_graph=True), or run the forward pass again.",
    );
  }

  const grads = new Map<Tensor, Tensor>([[root, gradient]]);
  noGrad(() => {
    for (const tensor of order) {
      const g = grads.get(tensor);
      grads.delete(tensor); // free intermediate gradients as soon as they are used
      if (g === undefined) continue;
      const node = tensor.gradNode;
      if (node === null || tensor.retainsGrad) accumulateIntoLeaf(tensor, g);
      if (node === null) continue;
      const inputGrads = node.backward!(g);
      if (!retainGraph) node.backward = null; // free the closure and what it saved, as PyTorch frees saved tensors
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

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function checkOptions(options: BackwardOptions | undefined): boolean {
  if (options === undefined) return false;
  if (!isPlainObject(options)) throw new TypeError(`backward: options must be an object like { retainGraph: true }, got ${typeof options}`);
  for (const key of Object.keys(options)) {
    if (key !== 'retainGraph') throw new TypeError(`backward: unknown option '${key}' (the options are: retainGraph)`);
  }
  const { retainGraph = false } = options;
  if (typeof retainGraph !== 'boolean') throw new TypeError(`backward: retainGraph must be true or false, got ${String(retainGraph)}`);
  return retainGraph;
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
