// typegrad: the package entry. `import * as tg from 'typegrad'`.

export * from './engine/index.js';
