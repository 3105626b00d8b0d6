import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Examples import the package by name, as a user would; inside the repository that is src/.
    alias: [
      { find: /^consensus-harness\/vitest$/, replacement: fileURLToPath(new URL('./src/vitest.ts', import.meta.url)) },
      { find: /^consensus-harness$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['properties/**/*.test.ts', 'examples/**/*.test.ts'],
    // Property suites run many schedules; give them room but keep a bound.
    testTimeout: 120_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
