// Every fast-check property in `npm test` runs from one fixed seed, so that CI sees the same cases on
// every run and a failure can be replayed; FC_SEED=<n> (or FC_SEED=random) explores other cases.

import fc from 'fast-check';

const seed = process.env.FC_SEED;
if (seed !== 'random') fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: seed === undefined ? 20_261_122 : Number(seed) });
