import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/globalSetup.ts'],
    // The default report, then one line per host of the end-to-end suite: how many tests ran under it.
    reporters: ['default', './test/support/hostsReporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // A function file registers itself with the host when it loads, and the queue trigger reads its
    // queue's name from the settings then: tests that import one need valid settings (they build
    // clients, never used, for the standard Azurite ports; every test brings a table of its own).
    env: { TASKS_STORAGE: 'UseDevelopmentStorage=true' },
    // Outside the host, `@azure/functions` says once per registration that it is in test mode.
    onConsoleLog: (log) => !log.includes('"@azure/functions" package'),
  },
});
