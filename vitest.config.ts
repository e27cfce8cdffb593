// Test runner settings: every suite starts its own twins on port 0, so files run in parallel.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'twins/**/*.test.ts', 'src/**/*.test.ts', 'scenarios/**/*.test.ts', 'harness/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // Vitest's default is one worker fewer than the cores: a single worker on a 2-core CI machine, running files
    // one after another. Most end-to-end files wait (on apps, patience windows, child processes), so two workers
    // overlap their waits; timeouts in those files are generous for the shared cores.
    maxWorkers: 2,
    // The fuzz suite runs here with a fixed seed and a bounded count; `npm run fuzz` runs it longer.
    exclude: ['**/node_modules/**'],
  },
});
