// Strided walks for the WGSL kernels: a row-major index space (a shape) and, per operand, how far its
// position moves along each dim (its strides; 0 repeats an element). Binary's broadcasting, stridedCopy's
// views and reduce's kept and reduced dims are each one walk. A shader gets the walk's shape and strides
// in its params struct, as arrays as long as the walk's rank (a constant of the generated code, so the
// loop that turns a flat index into offsets unrolls), and has no rank limit.

import type { ParamField } from './device.js';

export interface Walk {
  /** the index space, row-major */
  shape: number[];
  /** per operand, its stride along each dim of shape */
  strides: number[][];
}

/**
 * The same walk with fewer dims: size-1 dims dropped, and a dim merged into the next where every
 * operand moves along the pair as along one dim (stride[d] = stride[d + 1] · shape[d + 1]). A
 * contiguous operand becomes rank 1, a scalar broadcast rank 1 with stride 0.
 */
export function simplifyWalk(shape: readonly number[], strides: readonly (readonly number[])[], kernel: string): Walk {
  for (const s of strides) {
    if (s.length !== shape.length) throw new RangeError(`webgpu ${kernel}: expected ${shape.length} strides for shape [${shape}], got [${s}]`);
    for (const v of s) if (!Number.isInteger(v) || v < 0) throw new RangeError(`webgpu ${kernel}: strides must be non-negative integers, got [${s}]`);
  }
  const out: Walk = { shape: [], strides: strides.map(() => []) };
  shape.forEach((size, d) => {
    if (size === 1) return;
    const last = out.shape.length - 1;
    if (last >= 0 && strides.every((s, k) => out.strides[k][last] === s[d] * size)) {
      out.shape[last] *= size;
      strides.forEach((s, k) => (out.strides[k][last] = s[d]));
    } else {
      out.shape.push(size);
      strides.forEach((s, k) => out.strides[k].push(s[d]));
    }
  });
  return out;
}

/** How many values operand `k` must have for the walk to stay inside it (from `offset`): its last position + 1. */
export function walkReach(walk: Walk, k: number, offset = 0): number {
  if (walk.shape.some((d) => d === 0)) return 0;
  return offset + walk.shape.reduce((reach, d, i) => reach + (d - 1) * walk.strides[k][i], 0) + 1;
}

/** the params field of an operand's strides in walk `name`: binary's walkAStrides */
const stridesField = (name: string, operand: string) => `${name}${operand[0].toUpperCase()}${operand.slice(1)}Strides`;

/** WGSL struct fields of a walk called `name`: its shape, then each operand's strides. */
export function walkFields(name: string, walk: Walk, operands: readonly string[]): string {
  const rank = walk.shape.length;
  if (rank === 0) return '';
  return [`${name}Shape: array<u32, ${rank}>,`, ...operands.map((o) => `${stridesField(name, o)}: array<u32, ${rank}>,`)].join(' ');
}

/** The values of walkFields, in its order. */
export function walkParams(walk: Walk): ParamField[] {
  return [...walk.shape, ...walk.strides.flat()];
}

/**
 * WGSL statements giving `${operand}Offset` (a var u32, from 0) for the flat row-major index `index`
 * of walk `name` (the params struct is `p`).
 */
export function walkOffsets(name: string, walk: Walk, operands: readonly string[], index: string): string {
  const declare = operands.map((o) => `var ${o}Offset = 0u;`).join(' ');
  if (walk.shape.length === 0) return declare;
  const steps = operands.map((o) => `${o}Offset += position * p.${stridesField(name, o)}[d];`).join(' ');
  return `${declare}
  {
    var rest = ${index};
    for (var d = ${walk.shape.length - 1}; d >= 0; d--) {
      let position = rest % p.${name}Shape[d];
      rest /= p.${name}Shape[d];
      ${steps}
    }
  }`;
}
