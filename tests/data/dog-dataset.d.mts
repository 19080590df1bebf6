import type * as tg from '../../dist/index.js';

export interface DogSpec {
  keys: string[];
  labels: number[];
  imgRoot: string;
  train: boolean;
  size?: number;
}
export function dogTransforms(train: boolean, size?: number): tg.data.transforms.Compose;
export class DogBreedDataset extends tg.data.Dataset<tg.Tensor, number> {
  constructor(spec: DogSpec);
  readonly spec: DogSpec;
  get length(): number;
  get(idx: number): [tg.Tensor, number];
  toWorker(): { module: string; data: DogSpec };
}
export function createDataset(data: DogSpec | { kind: 'threads'; n: number } | { kind: 'broken'; imgRoot: string }): tg.data.Dataset<tg.Tensor, number>;
