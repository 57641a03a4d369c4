import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The e2e lab owns network namespaces and global firewall state: never run two of its files at once.
    fileParallelism: true,
    pool: 'forks',
  },
});
