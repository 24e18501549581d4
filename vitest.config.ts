import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    // Generous: embedded PostgreSQL starts in WebAssembly, slow on a loaded 2-core machine.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // End-to-end tests spawn real server processes; the machine has 2 cores.
    maxWorkers: 2,
  },
});
