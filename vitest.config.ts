// Test runner settings: every suite starts its own twins on port 0, so files run in parallel.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'twins/**/*.test.ts', 'src/**/*.test.ts', 'scenarios/**/*.test.ts', 'harness/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // Known red, kept out of the CI gate until fixed (issue 9 phase B: the Slack store's plain-object records take
    // built-in names such as __proto__). Run it with `npm run fuzz`; it is NOT passing yet.
    exclude: process.env.TWINS_ALL_TESTS ? [] : ['test/fuzz/**', '**/node_modules/**'],
  },
});
