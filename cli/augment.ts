// `--augment`: the course's augmentation list, by name, applied to each training image in order.
// The DataLoader runs each sample's transforms under the sample's own seed, so a resumed run sees the
// same augmented images as an uninterrupted one.

import * as tg from '../index.js';
import { UsageError } from './errors.js';

const T = () => tg.data.transforms;

/** name → (image size) → transform; `shift` is ±2 px (RandomCrop of the zero-padded image). */
const AUGMENTATIONS: Record<string, (inSize: number[]) => tg.data.transforms.Transform> = {
  shift: ([, h, w]) => new (T().RandomCrop)({ size: [h, w], padding: 2 }),
  flip: () => new (T().RandomHorizontalFlip)(),
  rotate: () => new (T().RandomRotation)({ degrees: 10 }),
  affine: () => new (T().RandomAffine)({ degrees: 10, translate: [0.1, 0.1], scale: [0.9, 1.1] }),
  color: () => new (T().ColorJitter)({ brightness: 0.2, contrast: 0.2 }),
  erase: () => new (T().RandomErasing)({ p: 0.25 }),
};

export const AUGMENT_NAMES = Object.keys(AUGMENTATIONS);

/** Parses 'shift,flip' (or 'none') into one transform, or null for no augmentation. */
export function makeAugment(list: string, inSize: number[]): tg.data.transforms.Compose | null {
  if (list === 'none' || list === '') return null;
  const names = list.split(',').map((s) => s.trim());
  const bad = names.find((n) => !(n in AUGMENTATIONS));
  if (bad !== undefined) throw new UsageError(`--augment: unknown augmentation '${bad}' (known: ${AUGMENT_NAMES.join(', ')}, or none)`);
  return new (T().Compose)(names.map((n) => AUGMENTATIONS[n](inSize)));
}
