// typegrad: the package entry. `import * as tg from 'typegrad'`.

export * from './engine/index.js';

// nn toolkit (nn/), optimizers (nn/optim/), file formats (io/); save/load reach node:fs only when called.
export * as nn from './nn/index.js';
export * as optim from './nn/optim/index.js';
export * as io from './io/index.js';
export { save, load } from './io/node.js';
