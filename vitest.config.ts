// Test runner settings: every suite starts its own twins on port 0, so files run in parallel.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'twins/**/*.test.ts', 'src/**/*.test.ts', 'scenarios/**/*.test.ts', 'harness/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // The fuzz suite runs here with a fixed seed and a bounded count; `npm run fuzz` runs it longer.
    exclude: ['**/node_modules/**'],
  },
});
