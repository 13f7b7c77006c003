import { app } from '@azure/functions';
import { describe, expect, it, vi } from 'vitest';

import { SETTING } from '../../src/config';
import { azuriteConnectionString } from '../support/storage';

/**
 * Idle is idle: with nothing to do, the app makes no storage request of its own, so a Flex
 * Consumption deployment can scale to zero. Its background work (termination sweeps, outbox
 * checks, retention) waits on queues the host's listener watches; nothing polls on a timer.
 */
const IDLE_MS = Number(process.env.IDLE_TEST_SECONDS ?? '3') * 1000;

describe('an idle app', () => {
  it(`registers no timer, and makes no storage request over ${IDLE_MS / 1000} s after loading`, async () => {
    vi.stubEnv(SETTING.connectionString, azuriteConnectionString());
    vi.spyOn(app, 'http').mockImplementation(() => undefined);
    vi.spyOn(app, 'storageQueue').mockImplementation(() => undefined);
    const timers = vi.spyOn(app, 'timer').mockImplementation(() => undefined);
    const { storageRequestsSoFar } = await import('../../src/storage/requestMeter');
    await import('../../src/main');
    const before = storageRequestsSoFar();
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    expect(timers).not.toHaveBeenCalled();
    expect(storageRequestsSoFar() - before).toBe(0);
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });
});
