import { beforeAll, describe, expect, it } from 'vitest';

import { relayCost, type RelayCost } from '../../bench/outboxRelay';
import { appFor, freshTable } from '../support/storage';

/**
 * What it costs to deliver the events a dead publisher left, against how much history the table
 * holds: the checks read the rows of the tasks they name, so 50,000 history rows around the 100
 * pending ones cost the same requests as none.
 */

const PENDING = 100;
const HISTORY = 50_000;
const FAST = { checkDelaySeconds: 1, leaseSeconds: 1 };

async function costWith(history: number): Promise<RelayCost> {
  const { table } = await freshTable();
  return relayCost(table, await appFor(table, { timing: FAST }), history, PENDING);
}

describe('delivering what dead publishers left, at any size of history', () => {
  let empty: RelayCost;
  let full: RelayCost;
  beforeAll(async () => {
    [empty, full] = [await costWith(0), await costWith(HISTORY)];
  }, 300_000);

  it(`costs as many requests with ${HISTORY.toLocaleString('en')} history rows as with none`, () => {
    expect(empty.events).toBe(PENDING);
    expect(full.events).toBe(PENDING);
    // Per pending event: two looks at its check (the second after a lease), a claim, the send, a
    // read of the task for its ETag, the mark, and the check sent again after the lease.
    expect(empty.requests).toBeGreaterThanOrEqual(PENDING * 6);
    expect(empty.requests).toBeLessThanOrEqual(PENDING * 8);
    expect(full.requests / empty.requests).toBeGreaterThan(0.9);
    expect(full.requests / empty.requests).toBeLessThan(1.1);
  });
});
