import { describe, it } from 'vitest';

import { realHost, realHostMissing } from './hosts';
import { endToEndSuite } from './suite';

/**
 * The end-to-end suite under the real Functions host: `npm start` with tools/functions-host/func
 * (the open-source host's func-start) first on PATH. Without the host's folder it is skipped, and
 * says why; in CI (CI=true) it must run, so there a missing host fails the run.
 */
const missing = realHostMissing();
if (missing === null) {
  endToEndSuite(realHost);
} else if (process.env.CI === 'true') {
  describe('npm start under the real host', () => {
    it('has the Functions host to run under', () => {
      throw new Error(`CI=true, and the real-host suite cannot run: ${missing}`);
    });
  });
} else {
  console.warn(`The real-host suite is skipped: ${missing}.`);
  describe.skip(`npm start under the real host (skipped: ${missing})`, () => {
    it('runs the end-to-end suite under the real host', () => undefined);
  });
}
