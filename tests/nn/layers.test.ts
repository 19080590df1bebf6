// Every layer against PyTorch (tests/fixtures/nn/layers.json): output, input gradient, parameter
// gradients and running statistics, in train and eval mode where they differ.

import { describe, expect, it } from 'vitest';
import { build, checkModuleCase, loadCases } from './helpers.js';

const cases = loadCases('layers.json');

describe('layers match PyTorch', () => {
  it('has the fixture cases', () => expect(cases.length).toBe(32));
  for (const c of cases) {
    it(c.name, () => {
      const m = build(c.ctor, c.options);
      checkModuleCase(c, m);
      if (c.repr) expect(m.toString()).toBe(c.repr);
    });
  }
});
