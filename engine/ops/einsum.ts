// torch.einsum, composed: every subscript letter names a dim, and
//   out[output letters] = Σ over the other letters of Π operands[their letters]
// is worked out one operand pair at a time, from the left:
//   1. a letter repeated within one operand takes its diagonal ('ii->i'): the two dims, moved last
//      and merged into n², read at positions k·(n + 1) (one indexSelect);
//   2. a letter that neither the other operand, a later operand nor the output has is summed out;
//   3. the pair becomes one batched matmul: A permuted to [batch, A's own, shared], B to [batch, shared,
//      B's own], where batch letters are in both and still needed, shared letters are in both and summed;
//      the product has the letters batch + A's own + B's own.
// What remains is summed over the letters the output lacks and permuted into the output's order.
// Gradients come from the ops used (indexSelect, sum, permute, reshape, matmul). Without '->' the output
// is the ellipsis's dims, then every letter that appears once, in alphabetical order, as in PyTorch; '...'
// stands for the dims no letter names (aligned from the right, and summed when the output has no '...'),
// and a dim of size 1 broadcasts against a longer one with the same letter.

import { formatShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { matmul } from './matmul.js';
import { expand, indexSelect, permute, reshape } from './movement.js';
import { sum } from './reduce.js';

/** An operand with one letter per dim. */
interface Term {
  t: Tensor;
  letters: string[];
}

/** torch.einsum(equation, *operands), or einsum(equation, [operands]). */
export function einsum(equation: string, ...operands: Tensor[] | [readonly Tensor[]]): Tensor {
  const list = (operands.length === 1 && Array.isArray(operands[0]) ? operands[0] : operands) as Tensor[];
  if (typeof equation !== 'string') throw new TypeError(`einsum: the equation must be a string, got ${typeof equation}`);
  list.forEach((t, k) => {
    if (!(t instanceof Tensor)) throw new TypeError(`einsum: operand ${k} is not a Tensor`);
  });
  const { inputs, output } = parse(equation, list);
  // each letter's size: the operands' sizes agree, or are 1 and broadcast (expanded here, as PyTorch does)
  const sizes = new Map<string, number>();
  list.forEach((t, k) => inputs[k].forEach((letter, i) => {
    const known = sizes.get(letter);
    if (known !== undefined && known !== t.shape[i] && known !== 1 && t.shape[i] !== 1) {
      throw new RangeError(`einsum: ${describe(letter)} is ${known} long in one place and ${t.shape[i]} in operand ${k} (shape ${formatShape(t.shape)}) of '${equation}'`);
    }
    sizes.set(letter, Math.max(known ?? 0, t.shape[i]));
  }));
  let terms: Term[] = list.map((t, k) => {
    const full = inputs[k].map((letter) => sizes.get(letter)!);
    return diagonals({ t: full.every((n, i) => n === t.shape[i]) ? t : expand(t, full, 'einsum'), letters: inputs[k] });
  });
  let result = terms[0];
  terms = terms.slice(1);
  while (terms.length > 0) {
    const [next, ...rest] = terms;
    const needed = new Set([...output, ...rest.flatMap((r) => r.letters)]);
    result = contract(result, next, needed, sizes);
    terms = rest;
  }
  result = sumOut(result, new Set(output));
  const order = output.map((letter) => result.letters.indexOf(letter));
  return order.every((d, i) => d === i) ? result.t : permute(result.t, order);
}

// The dims under an ellipsis get names of their own, aligned from the right across the operands (as
// broadcasting aligns them): the k-th of E ellipsis dims is ellipsisDim(k), a character no subscript uses.
const ELLIPSIS_BASE = 0x2460;
const ellipsisDim = (k: number) => String.fromCharCode(ELLIPSIS_BASE + k);
const describe = (letter: string) => (letter.charCodeAt(0) >= ELLIPSIS_BASE ? `dim ${letter.charCodeAt(0) - ELLIPSIS_BASE} of '...'` : `'${letter}'`);

/** The letters of each operand and of the output (the ellipsis's dims named by ellipsisDim), checked. */
function parse(equation: string, operands: readonly Tensor[]): { inputs: string[][]; output: string[] } {
  const compact = equation.replace(/\s+/g, '');
  const [lhs, rhs, extra] = compact.split('->');
  if (extra !== undefined) throw new RangeError(`einsum: an equation has at most one '->', got '${equation}'`);
  const bad = compact.replace(/->|,|\.\.\./g, '').match(/[^a-zA-Z]/);
  if (bad) throw new RangeError(`einsum: subscripts must be letters a-z, A-Z or one '...' per operand, got '${bad[0]}' in '${equation}'`);
  const terms = lhs.split(',');
  if (terms.length !== operands.length) throw new RangeError(`einsum: '${equation}' has ${terms.length} operand(s), got ${operands.length} tensor(s)`);
  const split = (term: string) => {
    const parts = term.split('...');
    if (parts.length > 2) throw new RangeError(`einsum: '${term}' has more than one '...' in '${equation}'`);
    return parts.map((p) => [...p]);
  };
  const ranks = terms.map((term, k) => {
    const parts = split(term);
    const named = parts.flat().length;
    const t = operands[k];
    if (parts.length === 1 ? named !== t.ndim : named > t.ndim) {
      throw new RangeError(`einsum: '${term}' names ${named} dims for operand ${k}, which has shape ${formatShape(t.shape)}`);
    }
    return parts.length === 1 ? 0 : t.ndim - named;
  });
  const ellipsisRank = Math.max(0, ...ranks);
  const ellipsis = (rank: number) => Array.from({ length: rank }, (_, i) => ellipsisDim(ellipsisRank - rank + i));
  const inputs = terms.map((term, k) => {
    const parts = split(term);
    return parts.length === 1 ? parts[0] : [...parts[0], ...ellipsis(ranks[k]), ...parts[1]];
  });
  const counts = new Map<string, number>();
  for (const letter of inputs.flat()) counts.set(letter, (counts.get(letter) ?? 0) + 1);
  // implicit output: the ellipsis's dims, then every letter that appears once, alphabetically
  const output = rhs === undefined
    ? [...ellipsis(ellipsisRank), ...[...counts.keys()].filter((l) => counts.get(l) === 1 && l.charCodeAt(0) < ELLIPSIS_BASE).sort()]
    : (() => {
        const parts = split(rhs);
        return parts.length === 1 ? parts[0] : [...parts[0], ...ellipsis(ellipsisRank), ...parts[1]];
      })();
  output.forEach((letter, i) => {
    if (!counts.has(letter) && letter.charCodeAt(0) < ELLIPSIS_BASE) throw new RangeError(`einsum: output subscript '${letter}' of '${equation}' is in no operand`);
    if (output.indexOf(letter) !== i) throw new RangeError(`einsum: output subscript '${letter}' appears twice in '${equation}'`);
  });
  return { inputs, output };
}

/** Step 1: a letter that appears twice in one operand becomes one dim, its diagonal. */
function diagonals(term: Term): Term {
  const letter = term.letters.find((l, i) => term.letters.indexOf(l) !== i);
  if (letter === undefined) return term;
  const [first, second] = [term.letters.indexOf(letter), term.letters.indexOf(letter, term.letters.indexOf(letter) + 1)];
  const others = term.letters.map((_, i) => i).filter((i) => i !== first && i !== second);
  const moved = permute(term.t, [...others, first, second]);
  const n = term.t.shape[first];
  const merged = reshape(moved, [...others.map((i) => term.t.shape[i]), n * n], 'einsum');
  const diagonal = indexSelect(merged, others.length, new Tensor(Float32Array.from({ length: n }, (_, k) => k * (n + 1)), [n]));
  return diagonals({ t: diagonal, letters: [...others.map((i) => term.letters[i]), letter] });
}

/** Step 2: sums out the letters not in `keep`. */
function sumOut(term: Term, keep: Set<string>): Term {
  const dims = term.letters.map((_, i) => i).filter((i) => !keep.has(term.letters[i]));
  if (dims.length === 0) return term;
  return { t: sum(term.t, dims), letters: term.letters.filter((l) => keep.has(l)) };
}

/** Step 3: a and b as one batched matmul; `needed` are the letters the output or a later operand has. */
function contract(a: Term, b: Term, needed: Set<string>, sizes: Map<string, number>): Term {
  a = sumOut(a, new Set([...needed, ...b.letters]));
  b = sumOut(b, new Set([...needed, ...a.letters]));
  const batch = a.letters.filter((l) => b.letters.includes(l) && needed.has(l));
  const shared = a.letters.filter((l) => b.letters.includes(l) && !needed.has(l));
  const ownA = a.letters.filter((l) => !b.letters.includes(l));
  const ownB = b.letters.filter((l) => !a.letters.includes(l));
  const size = (letters: string[]) => letters.reduce((n, l) => n * sizes.get(l)!, 1);
  const arrange = (term: Term, letters: string[], shape: number[]) => {
    const order = letters.map((l) => term.letters.indexOf(l));
    return reshape(order.every((d, i) => d === i) ? term.t : permute(term.t, order), shape, 'einsum');
  };
  const left = arrange(a, [...batch, ...ownA, ...shared], [size(batch), size(ownA), size(shared)]);
  const right = arrange(b, [...batch, ...shared, ...ownB], [size(batch), size(shared), size(ownB)]);
  const letters = [...batch, ...ownA, ...ownB];
  return { t: reshape(matmul(left, right), letters.map((l) => sizes.get(l)!), 'einsum'), letters };
}
