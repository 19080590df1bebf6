// The Chromium tests (tests/browser/*.spec.ts): `npm run test:browser`, after `npm run build`.
// Kept out of vitest.config.ts's `tests/**/*.test.ts` so that `npm test` does not start a browser.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/browser/**/*.spec.ts'],
    setupFiles: ['tests/helpers/fast-check-seed.ts'],
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
