// Module: the base of every layer and model, with torch.nn.Module's bookkeeping.
//
// Like PyTorch's __setattr__, a module finds its parts by looking at its own properties, in the order
// they were assigned: Parameters are parameters, Modules are children, and tensors named with
// registerBuffer are buffers. So `this.conv = new Conv2d(...)` is all a user writes, and state-dict keys
// come out in PyTorch's order (per module: parameters, then buffers, then each child's keys).

import { Tensor, noGrad, formatShape } from '../engine/index.js';
import { Parameter } from './parameter.js';

export type ForwardHook = (module: AnyModule, input: unknown[], output: unknown) => unknown;
export type ForwardPreHook = (module: AnyModule, input: unknown[]) => unknown[] | void;

/** Any module, whatever its forward takes and returns (what containers, hooks and traversals hold). */
export type AnyModule = Module<never[], unknown>;

export interface HookHandle {
  remove(): void;
}

export interface LoadStateDictOptions {
  /** every key must match, with the same shape (default true) */
  strict?: boolean;
}

export interface LoadStateDictResult {
  missingKeys: string[];
  unexpectedKeys: string[];
}

export type StateDict = Record<string, Tensor>;

// Properties the base class owns: never parts of the model.
const OWN_FIELDS = new Set(['training', 'forward']);

/**
 * A layer or model. `In` and `Out` type forward: by default one tensor in, one out (every layer and
 * model here), so `model.forward(x)` is a Tensor; losses are `Module<[Tensor, Target]>`.
 */
export abstract class Module<In extends unknown[] = [Tensor], Out = Tensor> {
  /** Whether the module is in training mode (dropout active, batchnorm uses batch statistics). */
  training = true;
  #bufferNames: string[] = [];
  #nonPersistent = new Set<string>();
  #forwardHooks = new Map<number, ForwardHook>();
  #preHooks = new Map<number, ForwardPreHook>();
  static #nextHookId = 0;

  constructor() {
    // Wrap the subclass's forward (already on the prototype chain) so hooks run however it is called.
    const inner = this.forward;
    Object.defineProperty(this, 'forward', {
      value: (...args: unknown[]) => this.#callForward(inner, args),
      enumerable: false,
      writable: true,
      configurable: true,
    });
  }

  abstract forward(...args: In): Out;

  #callForward(inner: (...args: any[]) => unknown, args: unknown[]): unknown {
    for (const hook of this.#preHooks.values()) {
      const replaced = hook(this, args);
      if (replaced !== undefined) args = Array.isArray(replaced) ? replaced : [replaced];
    }
    let output = inner.apply(this, args);
    for (const hook of this.#forwardHooks.values()) {
      const replaced = hook(this, args, output);
      if (replaced !== undefined) output = replaced;
    }
    return output;
  }

  /** Calls hook(module, input, output) after every forward; a returned value replaces the output. */
  registerForwardHook(hook: ForwardHook): HookHandle {
    return addHook(this.#forwardHooks, hook, () => Module.#nextHookId++);
  }

  /** Calls hook(module, input) before every forward; a returned array replaces the input. */
  registerForwardPreHook(hook: ForwardPreHook): HookHandle {
    return addHook(this.#preHooks, hook, () => Module.#nextHookId++);
  }

  // ---- registration ----

  /** A tensor that is part of the state (saved, loaded) but not trained, e.g. running_mean. */
  registerBuffer(name: string, tensor: Tensor | null, options: { persistent?: boolean } = {}): void {
    if (!this.#bufferNames.includes(name)) this.#bufferNames.push(name);
    if (options.persistent === false) this.#nonPersistent.add(name);
    (this as unknown as Record<string, unknown>)[name] = tensor;
  }

  /** Sets a parameter (or null: a declared but absent one, like a bias=False layer's bias). */
  registerParameter(name: string, param: Parameter | null): void {
    (this as unknown as Record<string, unknown>)[name] = param;
  }

  /** Adds a child module under a name (what `this.name = module` does too). */
  addModule(name: string, module: AnyModule | null): void {
    (this as unknown as Record<string, unknown>)[name] = module;
  }

  #entries(): Array<[string, unknown]> {
    return Object.entries(this).filter(([k]) => !OWN_FIELDS.has(k));
  }

  // ---- traversal ----

  *namedChildren(): Generator<[string, AnyModule]> {
    for (const [k, v] of this.#entries()) if (v instanceof Module) yield [k, v];
  }

  *children(): Generator<AnyModule> {
    for (const [, m] of this.namedChildren()) yield m;
  }

  /**
   * Children that run beside the main path and are merged back into it, such as a residual block's
   * shortcut: tools that follow one path through a model (receptiveField) leave them out. None by
   * default; a block with a side branch overrides it (`override sideBranches() { return [this.shortcut]; }`).
   */
  sideBranches(): AnyModule[] {
    return [];
  }

  /** This module and every descendant, depth first, with dotted names ('' for this one). */
  *namedModules(prefix = ''): Generator<[string, AnyModule]> {
    const seen = new Set<AnyModule>();
    const walk = function* (m: AnyModule, p: string): Generator<[string, AnyModule]> {
      if (seen.has(m)) return;
      seen.add(m);
      yield [p, m];
      for (const [k, c] of m.namedChildren()) yield* walk(c, p ? `${p}.${k}` : k);
    };
    yield* walk(this, prefix);
  }

  *modules(): Generator<AnyModule> {
    for (const [, m] of this.namedModules()) yield m;
  }

  /** Own parameters (not children's), in assignment order. */
  *#ownParameters(): Generator<[string, Parameter]> {
    for (const [k, v] of this.#entries()) if (v instanceof Parameter && !this.#bufferNames.includes(k)) yield [k, v];
  }

  *#ownBuffers(): Generator<[string, Tensor]> {
    const self = this as unknown as Record<string, unknown>;
    for (const k of this.#bufferNames) {
      const v = self[k];
      if (v instanceof Tensor) yield [k, v];
    }
  }

  /** Every parameter with its dotted name; shared parameters appear once, as in PyTorch. */
  *namedParameters(prefix = ''): Generator<[string, Parameter]> {
    const seen = new Set<Tensor>();
    for (const [path, m] of this.namedModules(prefix)) {
      for (const [k, p] of m.#ownParameters()) {
        if (seen.has(p)) continue;
        seen.add(p);
        yield [path ? `${path}.${k}` : k, p];
      }
    }
  }

  parameters(): Parameter[] {
    return [...this.namedParameters()].map(([, p]) => p);
  }

  *namedBuffers(prefix = ''): Generator<[string, Tensor]> {
    for (const [path, m] of this.namedModules(prefix)) {
      for (const [k, b] of m.#ownBuffers()) yield [path ? `${path}.${k}` : k, b];
    }
  }

  buffers(): Tensor[] {
    return [...this.namedBuffers()].map(([, b]) => b);
  }

  // ---- state ----

  /** Parameters and persistent buffers by dotted key, ordered like PyTorch's state_dict(). Shares storage. */
  stateDict(): StateDict {
    const out: StateDict = {};
    // like PyTorch, a module used in two places is saved under both names
    const walk = (m: AnyModule, path: string) => {
      const key = (k: string) => (path ? `${path}.${k}` : k);
      for (const [k, p] of m.#ownParameters()) out[key(k)] = p.detach();
      for (const [k, b] of m.#ownBuffers()) if (!m.#nonPersistent.has(k)) out[key(k)] = b.detach();
      for (const [k, c] of m.namedChildren()) walk(c, key(k));
    };
    walk(this, '');
    return out;
  }

  /**
   * Copies values into this module's tensors (in place, so optimizers keep working). In strict mode
   * (the default) any missing, unexpected or wrong-shaped key throws one error listing them all,
   * before anything is copied.
   */
  loadStateDict(stateDict: StateDict, options: LoadStateDictOptions = {}): LoadStateDictResult {
    const strict = options.strict ?? true;
    const own = this.stateDict();
    // own keys only: `'constructor' in own` is true for any object, and a file may name a tensor so
    const has = (record: object, k: string) => Object.hasOwn(record, k);
    const missingKeys = Object.keys(own).filter((k) => !has(stateDict, k));
    const unexpectedKeys = Object.keys(stateDict).filter((k) => !has(own, k));
    const wrongShape: string[] = [];
    for (const [k, t] of Object.entries(stateDict)) {
      if (!has(own, k)) continue;
      if (!(t instanceof Tensor)) wrongShape.push(`${k}: expected a Tensor, got ${typeof t}`);
      else if (t.shape.length !== own[k].shape.length || t.shape.some((n, i) => n !== own[k].shape[i])) {
        wrongShape.push(`${k}: the model has shape ${formatShape(own[k].shape)}, the state dict ${formatShape(t.shape)}`);
      }
    }
    // a wrong shape is an error even when not strict, as in PyTorch
    if (wrongShape.length > 0 || (strict && (missingKeys.length > 0 || unexpectedKeys.length > 0))) {
      const parts: string[] = [];
      if (missingKeys.length > 0) parts.push(`missing keys: ${missingKeys.join(', ')}`);
      if (unexpectedKeys.length > 0) parts.push(`unexpected keys: ${unexpectedKeys.join(', ')}`);
      if (wrongShape.length > 0) parts.push(`wrong shapes: ${wrongShape.join('; ')}`);
      throw new RangeError(`loadStateDict (${this.constructor.name}): ${parts.join('\n  ')}`);
    }
    noGrad(() => {
      for (const [k, t] of Object.entries(stateDict)) if (has(own, k)) own[k].copy_(t);
    });
    return { missingKeys, unexpectedKeys };
  }

  // ---- modes and gradients ----

  /** Sets training mode on this module and every descendant. */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Freezes (false) or unfreezes (true) every parameter of this subtree: PyTorch's requires_grad_(). */
  requiresGrad_(on = true): this {
    for (const p of this.parameters()) p.requiresGrad = on;
    return this;
  }

  /** requiresGrad_ under its earlier name. */
  requiresGrad(on = true): this {
    return this.requiresGrad_(on);
  }

  /** Clears every parameter's gradient (to null, as PyTorch 2's set_to_none default). */
  zeroGrad(): void {
    for (const p of this.parameters()) p.grad = null;
  }

  /** Calls fn on every descendant, then on this module (children first, as PyTorch's apply). */
  apply(fn: (m: AnyModule) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  // ---- printing ----

  /** The part inside the parentheses of this module's print, e.g. `3, 16, kernel_size=(3, 3)`. */
  extraRepr(): string {
    return '';
  }

  /** PyTorch's module print: name(extra) or a tree of (child): ... lines. */
  toString(): string {
    const kids = [...this.namedChildren()];
    const extra = this.extraRepr();
    if (kids.length === 0) return `${this.constructor.name}(${extra})`;
    const lines = extra ? [extra] : [];
    for (const [k, c] of kids) lines.push(`(${k}): ${c.toString().replace(/\n/g, '\n  ')}`);
    return `${this.constructor.name}(\n  ${lines.join('\n  ')}\n)`;
  }
}

function addHook<H>(hooks: Map<number, H>, hook: H, nextId: () => number): HookHandle {
  if (typeof hook !== 'function') throw new TypeError('registerForwardHook: the hook must be a function');
  const id = nextId();
  hooks.set(id, hook);
  return { remove: () => void hooks.delete(id) };
}
