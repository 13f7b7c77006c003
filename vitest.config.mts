import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/globalSetup.ts'],
    // The default report, then one line per host of the end-to-end suite: how many tests ran under it.
    reporters: ['default', './test/support/hostsReporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
