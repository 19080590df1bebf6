// Sequential and ModuleList: children named 0, 1, 2, … (the keys in state dicts: `features.0.weight`).

import type { Tensor } from '../../engine/index.js';
import { Module, type AnyModule } from '../module.js';

function normIndex(i: number, n: number, what: string): number {
  if (!Number.isInteger(i) || i < -n || i >= n) throw new RangeError(`${what}: index ${i} is out of range for ${n} modules`);
  return i < 0 ? i + n : i;
}

/** Modules of type M under the keys 0, 1, 2, …; In and Out type the container's own forward. */
abstract class ModuleArray<M extends AnyModule, In extends unknown[] = [Tensor], Out = Tensor> extends Module<In, Out> implements Iterable<M> {
  constructor(modules: Iterable<M>) {
    super();
    let i = 0;
    for (const m of modules) {
      if (!(m instanceof Module)) throw new TypeError(`${new.target.name}: item ${i} is not a Module (got ${m === null ? 'null' : typeof m})`);
      this.addModule(String(i++), m);
    }
  }

  get length(): number {
    return [...this.namedChildren()].length;
  }

  /** The i-th module; negative counts from the end. */
  at(i: number): M {
    const kids = [...this] as M[];
    return kids[normIndex(i, kids.length, `${this.constructor.name}.at`)];
  }

  [Symbol.iterator](): Iterator<M> {
    return this.children() as Iterator<M>; // the constructor and append add only Ms
  }

  /** Appends a module under the next index. */
  append(m: M): this {
    if (!(m instanceof Module)) throw new TypeError(`${this.constructor.name}.append: expected a Module`);
    this.addModule(String(this.length), m);
    return this;
  }
}

/** Runs its modules in order, each on the previous one's output. */
export class Sequential extends ModuleArray<Module> {
  constructor(...modules: Module[] | [Iterable<Module>]) {
    const list = modules.length === 1 && !(modules[0] instanceof Module) ? [...(modules[0] as Iterable<Module>)] : (modules as Module[]);
    super(list);
  }

  forward(x: Tensor): Tensor {
    for (const m of this) x = m.forward(x);
    return x;
  }

  /** A Sequential of modules start … end − 1 (Python slice rules: negatives count from the end). Shares them. */
  slice(start = 0, end?: number): Sequential {
    return new Sequential([...this].slice(start, end));
  }

  outputShape(input: readonly number[]): number[] {
    let shape = [...input];
    for (const m of this.children()) {
      const f = (m as { outputShape?: (s: readonly number[]) => number[] }).outputShape;
      if (typeof f !== 'function') throw new TypeError(`Sequential.outputShape: ${m.constructor.name} cannot compute its output shape`);
      shape = f.call(m, shape);
    }
    return shape;
  }
}

/** A list of modules that registers them (for state dicts, parameters) but has no forward of its own. */
export class ModuleList<M extends AnyModule = Module> extends ModuleArray<M, [], never> {
  forward(): never {
    throw new TypeError('ModuleList: has no forward; iterate over it and call its modules');
  }
}
