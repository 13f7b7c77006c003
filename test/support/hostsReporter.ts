import path from 'node:path';

import type { Reporter, TestModule } from 'vitest/node';

/** The end-to-end suite's files, one per host it runs under. */
const SUITES: Record<string, string> = {
  'localHost.test.ts': 'the local host (npm start)',
  'realHost.test.ts': 'the real host (npm start with func-start as func)',
};

/**
 * After the run, one line per host: how many end-to-end tests ran under it and how they ended, so
 * that a run's output says whether the real-host suite ran at all.
 */
export default class HostsReporter implements Reporter {
  onTestRunEnd(testModules: readonly TestModule[]): void {
    const lines: string[] = [];
    for (const [file, host] of Object.entries(SUITES)) {
      const module = testModules.find((candidate) => candidate.moduleId.endsWith(path.join('test', 'e2e', file)));
      if (module === undefined) continue;
      const states = { passed: 0, failed: 0, skipped: 0, pending: 0 };
      for (const test of module.children.allTests()) states[test.result().state] += 1;
      const ran = states.passed + states.failed;
      lines.push(`end-to-end under ${host}: ${ran} ran (${states.passed} passed, ${states.failed} failed), ${states.skipped + states.pending} skipped`);
    }
    if (lines.length > 0) process.stdout.write(`\n${lines.join('\n')}\n`);
  }
}
