import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Files run in parallel: the e2e lab gives each test file its own namespaces and nftables tables.
    fileParallelism: true,
    pool: 'forks',
  },
});
