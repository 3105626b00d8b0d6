import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['properties/**/*.test.ts'],
    // Property suites run many schedules; give them room but keep a bound.
    testTimeout: 120_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
