// PyTorch-style constructor arguments: positional arguments in PyTorch's order, then an optional options
// object holding the keyword arguments in camelCase, as `new nn.Conv2d(3, 16, 3, { padding: 1 })`. Unknown
// option keys are rejected, naming the nearest known one (`weight_decay` → `weightDecay`), so a Python
// habit never passes silently. Every constructor of nn/ and data/ parses its arguments here.

import { Tensor } from './tensor.js';

/** What a positional argument may be: one or more of these, joined with '|' ('integer|array'). */
export type ArgKind = 'number' | 'integer' | 'boolean' | 'string' | 'array' | 'tensor' | 'null' | 'function';

/**
 * The positional parameters of a constructor in PyTorch's order, each with the kinds of value it takes:
 * `{ inChannels: 'integer', kernelSize: 'integer|array', padding: 'integer|array|string' }`.
 */
export type PositionalSpec = Readonly<Record<string, string>>;

/** A plain `{ ... }` object (not an array, tensor, or other class instance): the options argument. */
export function isOptionsObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

const kindOk: Record<ArgKind, (v: unknown) => boolean> = {
  number: (v) => typeof v === 'number',
  integer: (v) => Number.isInteger(v),
  boolean: (v) => typeof v === 'boolean',
  string: (v) => typeof v === 'string',
  array: (v) => Array.isArray(v),
  tensor: (v) => v instanceof Tensor,
  null: (v) => v === null,
  function: (v) => typeof v === 'function',
};

const kindName: Record<ArgKind, string> = {
  number: 'a number', integer: 'an integer', boolean: 'a boolean', string: 'a string', array: 'an array',
  tensor: 'a Tensor', null: 'null', function: 'a function',
};

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `the array ${short(v)}`;
  if (v instanceof Tensor) return 'a Tensor';
  if (isOptionsObject(v)) return 'an options object';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  if (typeof v === 'number' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
  if (typeof v === 'object') return `a ${(v as object).constructor?.name ?? 'object'}`;
  return typeof v;
}

function short(v: unknown): string {
  try {
    const s = JSON.stringify(v);
    return s.length > 40 ? `${s.slice(0, 37)}...` : s;
  } catch {
    return String(v);
  }
}

/** Levenshtein distance (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

/** `weight_decay`, `WeightDecay`, `weight-decay` and `weightDecay` all normalise to `weightdecay`. */
const normalise = (k: string) => k.replace(/[_\-\s]/g, '').toLowerCase();

/**
 * The known name nearest to `key` by edit distance after normalising case and snake_case, or undefined
 * when none is close (more than a third of the name's letters, and more than 2, would have to change).
 */
export function nearestName(key: string, known: readonly string[]): string | undefined {
  const k = normalise(key);
  let best: string | undefined;
  let bestD = Infinity;
  for (const name of known) {
    const d = editDistance(k, normalise(name));
    if (d < bestD) [best, bestD] = [name, d];
  }
  return bestD <= Math.max(2, Math.floor(k.length / 3)) ? best : undefined;
}

/** `Adam: unknown option 'weight_decay' (did you mean 'weightDecay'?)`. */
export function unknownOptionError(owner: string, key: string, known: readonly string[]): TypeError {
  const near = nearestName(key, known);
  const hint = near !== undefined ? `did you mean '${near}'?` : known.length ? `known options: ${known.join(', ')}` : 'it takes no options';
  return new TypeError(`${owner}: unknown option '${key}' (${hint})`);
}

/**
 * Throws unless every key of `options` is one of `known`. For any constructor or function that takes an
 * options object (DataLoader's `{ batch_size: 4 }` → did you mean 'batchSize'?).
 */
export function checkOptions(owner: string, options: unknown, known: readonly string[]): void {
  if (options === undefined || options === null) return;
  if (!isOptionsObject(options)) throw new TypeError(`${owner}: expected an options object, got ${describe(options)}`);
  for (const key of Object.keys(options)) if (!known.includes(key)) throw unknownOptionError(owner, key, known);
}

/**
 * Merges PyTorch-style arguments into one options record: `args` are the positional arguments in the
 * order of `positional`, optionally followed by one options object with keyword arguments (any name of
 * `positional` or `keywordOnly`). An undefined positional argument counts as left out. Throws, naming
 * `owner` and the parameter, on too many positional arguments, a positional argument of the wrong kind,
 * a parameter given both ways, or an unknown option key. Values are not range-checked here.
 */
export function parseArgs(owner: string, args: readonly unknown[], positional: PositionalSpec, keywordOnly: readonly string[] = []): Record<string, unknown> {
  const names = Object.keys(positional);
  const known = [...names, ...keywordOnly];
  const last = args[args.length - 1];
  const hasOptions = args.length > 0 && (isOptionsObject(last) || (last === undefined && args.length > names.length));
  const pos = hasOptions ? args.slice(0, -1) : args;
  const options = (hasOptions ? last ?? {} : {}) as Record<string, unknown>;
  if (pos.length > names.length) {
    const list = names.length ? ` (${names.join(', ')})` : '';
    throw new TypeError(`${owner}: takes ${names.length ? `at most ${names.length}` : 'no'} positional argument${names.length === 1 ? '' : 's'}${list}, got ${pos.length}` +
      (keywordOnly.length ? `; ${keywordOnly.join(', ')} only in the options object` : ''));
  }
  checkOptions(owner, options, known);
  // an option set to undefined counts as left out too (so it never overrides a default in a spread)
  const out: Record<string, unknown> = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  pos.forEach((v, i) => {
    if (v === undefined) return;
    const name = names[i];
    const kinds = positional[name].split('|').map((s) => s.trim()) as ArgKind[];
    if (!kinds.some((k) => kindOk[k](v))) {
      const hint = isOptionsObject(v) ? ' (an options object goes last)' : '';
      throw new TypeError(`${owner}: argument ${i + 1} (${name}) must be ${kinds.map((k) => kindName[k]).join(' or ')}, got ${describe(v)}${hint}`);
    }
    if (options[name] !== undefined) throw new TypeError(`${owner}: got ${name} twice, as argument ${i + 1} and in the options`);
    out[name] = v;
  });
  return out;
}

/** All the prefixes of a tuple type: [] | [A] | [A, B] | … */
export type Prefixes<T extends readonly unknown[]> = T extends readonly [...infer Init, unknown] ? T | Prefixes<Init> : [];

/**
 * A constructor's argument list, PyTorch style: the required positional arguments `Req`, any prefix of
 * the optional ones `Opt`, then optionally the options object `O`.
 */
export type PyArgs<Req extends readonly unknown[], Opt extends readonly unknown[], O> = [...Req, ...Prefixes<Opt>] | [...Req, ...Prefixes<Opt>, O];
