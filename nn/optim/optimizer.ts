// The Optimizer base: parameter groups with their hyperparameters, per-parameter state, zeroGrad,
// and a state dict shaped like PyTorch's ({ state: {index: {...}}, paramGroups: [{..., params: [index]}] }).
// Updates run as one kernel per parameter on the active backend (engine/kernels.ts: sgdStep, adamStep,
// rmspropStep) and write into the parameter and its state tensors in place, so modules keep pointing at them.

import { Tensor, noGrad, unknownOptionError } from '../../engine/index.js';

export type Hyper = Record<string, number | boolean>;

/** A group of parameters with its own hyperparameters (any not given fall back to the optimizer's). */
export interface ParamGroupSpec {
  params: Iterable<Tensor>;
  [option: string]: unknown;
}

export interface ParamGroup {
  params: Tensor[];
  lr: number;
  [option: string]: number | boolean | Tensor[];
}

/** Per-parameter state: moment buffers as tensors of the parameter's shape, the step count as a number. */
export type ParamState = Record<string, Tensor | number>;

export interface OptimizerStateDict {
  state: Record<number, Record<string, number | number[]>>;
  paramGroups: Array<Record<string, number | boolean | number[]>>;
}

export abstract class Optimizer {
  readonly paramGroups: ParamGroup[] = [];
  readonly state = new Map<Tensor, ParamState>();
  readonly defaults: Hyper;

  constructor(params: Iterable<Tensor> | Iterable<ParamGroupSpec>, defaults: Hyper) {
    this.defaults = defaults;
    const list = [...(params as Iterable<Tensor | ParamGroupSpec>)];
    if (list.length === 0) throw new RangeError(`${new.target.name}: got an empty parameter list`);
    const groups: ParamGroupSpec[] = list.every((p) => p instanceof Tensor) ? [{ params: list as Tensor[] }] : (list as ParamGroupSpec[]);
    for (const g of groups) this.addParamGroup(g);
  }

  addParamGroup(spec: ParamGroupSpec): void {
    const name = this.constructor.name;
    if (!spec || typeof spec !== 'object' || !('params' in spec)) throw new TypeError(`${name}: a parameter group must be an object with params`);
    const params = [...spec.params];
    params.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new TypeError(`${name}: parameter ${i} of a group is not a Tensor`);
      if (p.gradNode) throw new RangeError(`${name}: parameter ${i} is not a leaf tensor (it was computed from others); optimize leaves only`);
    });
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    if (params.some((p) => seen.has(p))) throw new RangeError(`${name}: some parameters appear in more than one parameter group`);
    const group: ParamGroup = { ...this.defaults, params } as ParamGroup;
    for (const [k, v] of Object.entries(spec)) {
      if (k === 'params') continue;
      if (k === 'betas' && Array.isArray(v) && 'beta1' in this.defaults) {
        [group.beta1, group.beta2] = v as [number, number]; // Adam's pair, kept flat
        continue;
      }
      if (!(k in this.defaults)) {
        const known = Object.keys(this.defaults).flatMap((d) => (d === 'beta1' ? ['betas'] : d === 'beta2' ? [] : [d]));
        throw unknownOptionError(`${name}: parameter group`, k, known);
      }
      group[k] = v as number | boolean;
    }
    this.paramGroups.push(group);
  }

  /** Clears every parameter's gradient (to null, like PyTorch's set_to_none default). */
  zeroGrad(): void {
    for (const g of this.paramGroups) for (const p of g.params) p.grad = null;
  }

  /** One update of every parameter that has a gradient. */
  step(): void {
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) {
          if (p.grad === null) continue;
          let s = this.state.get(p);
          if (!s) this.state.set(p, (s = {}));
          this.update(p, p.grad, s, group);
        }
      }
    });
  }

  /** The update rule for one parameter: change `param` in place from `grad` and its state (a kernel call). */
  protected abstract update(param: Tensor, grad: Tensor, state: ParamState, group: ParamGroup): void;

  /** The state entries a parameter of this group has after its first step (checked by loadStateDict). */
  protected abstract stateKeys(group: ParamGroup): string[];

  /** A moment buffer of the parameter's shape, created (zeroed) on first use. */
  protected buffer(state: ParamState, key: string, param: Tensor): Tensor {
    let b = state[key];
    if (!(b instanceof Tensor)) state[key] = b = new Tensor(new Float32Array(param.size), param.shape);
    return b;
  }

  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const paramGroups = this.paramGroups.map((g) => {
      const { params, ...hyper } = g;
      return { ...(hyper as Hyper), params: params.map((p) => (index.has(p) ? index.get(p)! : (index.set(p, index.size), index.size - 1))) };
    });
    const state: OptimizerStateDict['state'] = {};
    for (const [p, s] of this.state) {
      const entry: Record<string, number | number[]> = {};
      for (const [k, v] of Object.entries(s)) entry[k] = v instanceof Tensor ? Array.from(v.data) : v;
      state[index.get(p)!] = entry;
    }
    return { state, paramGroups };
  }

  /**
   * Loads a state dict from stateDict() (here or in a saved run). Everything is checked before anything
   * changes: the groups and their hyperparameters (same names and types as this optimizer's), and for
   * every parameter with state exactly the entries its update keeps, each buffer of the parameter's size.
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const name = this.constructor.name;
    const fail = (why: string): never => {
      throw new RangeError(`${name}.loadStateDict: ${why}`);
    };
    if (!sd || typeof sd.state !== 'object' || sd.state === null || !Array.isArray(sd.paramGroups)) fail('expected { state, paramGroups } from stateDict()');
    if (sd.paramGroups.length !== this.paramGroups.length) fail(`expected ${this.paramGroups.length} parameter groups, got ${sd.paramGroups.length}`);
    const byIndex = new Map<number, { param: Tensor; group: ParamGroup; saved: OptimizerStateDict['paramGroups'][number] }>();
    sd.paramGroups.forEach((g, i) => {
      const own = this.paramGroups[i];
      const ids = g?.params;
      if (!Array.isArray(ids) || ids.length !== own.params.length) fail(`group ${i} has ${own.params.length} parameters, the state dict ${Array.isArray(ids) ? ids.length : 'none'}`);
      (ids as number[]).forEach((id, j) => {
        if (!Number.isInteger(id) || byIndex.has(id)) fail(`group ${i} lists parameter ${id} (expected distinct integer indices)`);
        byIndex.set(id, { param: own.params[j], group: own, saved: g });
      });
      for (const [k, v] of Object.entries(g)) {
        if (k === 'params') continue;
        const mine = own[k];
        if (!(k in own) || typeof v !== typeof mine) fail(`group ${i}'s '${k}' is ${JSON.stringify(v)}; this optimizer has ${k in own ? `a ${typeof mine}` : `no option '${k}'`}`);
        if (typeof v === 'number' && !Number.isFinite(v)) fail(`group ${i}'s '${k}' is ${v}`);
      }
    });
    const loaded = new Map<Tensor, ParamState>();
    for (const [id, entry] of Object.entries(sd.state)) {
      const owner = byIndex.get(Number(id));
      if (!owner) fail(`state for parameter ${id}, which no group lists`);
      const { param, group, saved } = owner!;
      // the entries the saved hyperparameters imply (amsgrad, momentum...), checked above to be this optimizer's
      const want = this.stateKeys({ ...group, ...saved } as ParamGroup);
      const have = Object.keys(entry ?? {});
      const missing = want.filter((k) => !have.includes(k));
      const extra = have.filter((k) => !want.includes(k));
      if (missing.length || extra.length) fail(`parameter ${id} has state [${have.join(', ')}], expected [${want.join(', ')}]`);
      const s: ParamState = {};
      for (const [k, v] of Object.entries(entry ?? {})) {
        if (Array.isArray(v)) {
          if (v.length !== param.size) fail(`state '${k}' of parameter ${id} has ${v.length} values, the parameter ${param.size}`);
          s[k] = new Tensor(Float32Array.from(v), param.shape);
        } else if (k === 'step' && !(Number.isInteger(v) && v >= 1)) {
          fail(`state 'step' of parameter ${id} is ${v}, expected a positive integer`);
        } else if (typeof v === 'number' && k !== 'step') {
          fail(`state '${k}' of parameter ${id} is the number ${v}, expected ${param.size} values`);
        } else s[k] = v;
      }
      loaded.set(param, s);
    }
    this.state.clear();
    for (const [p, s] of loaded) this.state.set(p, s);
    sd.paramGroups.forEach((g, i) => {
      for (const [k, v] of Object.entries(g)) if (k !== 'params') this.paramGroups[i][k] = v as number | boolean;
    });
  }
}
