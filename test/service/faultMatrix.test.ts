import { randomUUID } from 'node:crypto';

import { beforeAll, describe, it, type ExpectStatic } from 'vitest';

import { Deadline } from '../../src/service/deadline';
import { reactivateTask, type ReactivateTaskCommand } from '../../src/service/reactivateTask';
import type { RetryStats } from '../../src/service/retryLoop';
import type { FixtureTable } from '../../src/storage/fixtureLoader';
import { answerStatus, isCommit, isJobRead, isTaskRead, resetAfterSend, resetBeforeSend, slowResponse, type FaultOptions, type FaultPolicy } from '../support/faults';
import { aFailedTask, aJob } from '../support/fixtures';
import { appFor, freshTable, tableWith, uniqueId, type TestApp } from '../support/storage';

/**
 * Every storage fault, on every request a reactivation makes, for as long as the SDK absorbs it,
 * for longer, and for good. Whatever happens, the task ends in exactly one correct state (as seeded,
 * or reactivated once with one history record), the caller gets the contract's answer, and a retry
 * with the same client-request-id learns the truth.
 */

let table: FixtureTable;
let app: TestApp;
let tableName: string;

beforeAll(async () => {
  ({ table, tableName } = await freshTable());
  app = await appFor(table);
});

const FAULTS: Record<string, (options: FaultOptions) => FaultPolicy> = {
  '429 with Retry-After': (options) => answerStatus(429, { ...options, headers: { 'Retry-After': '0' } }),
  '500': (options) => answerStatus(500, options),
  '503': (options) => answerStatus(503, options),
  'ECONNRESET before storage saw it': resetBeforeSend,
  'ECONNRESET after storage did it': resetAfterSend,
};

const TARGETS = { 'the job read': isJobRead, 'the task read': isTaskRead, 'the commit': isCommit };

/**
 * How long the fault lasts: 2 strikes are absorbed by the SDK's own retries (4 tries); 5 outlast
 * them once, so the service's loop re-reads; forever exhausts the service's 3 faults in a row.
 */
const SPANS = { 'twice (the SDK retries it away)': 2, 'five times (the service re-reads)': 5, 'for good': Infinity };

interface Cell {
  fault: string;
  target: keyof typeof TARGETS;
  span: keyof typeof SPANS;
}

const cells: Cell[] = Object.keys(FAULTS).flatMap((fault) =>
  (Object.keys(TARGETS) as (keyof typeof TARGETS)[]).flatMap((target) => (Object.keys(SPANS) as (keyof typeof SPANS)[]).map((span) => ({ fault, target, span }))),
);

/** What the first call must answer, and whether its commit must have landed. */
function expected({ fault, target, span }: Cell): { code: 'OK' | 'SERVER_BUSY'; landed: boolean } {
  if (span !== 'for good') return { code: 'OK', landed: true };
  // Every commit lands and every response is lost: the re-read finds the request's own key.
  if (target === 'the commit' && fault === 'ECONNRESET after storage did it') return { code: 'OK', landed: true };
  return { code: 'SERVER_BUSY', landed: false };
}

async function seedFailedTask(): Promise<string> {
  const jobId = uniqueId('matrix');
  await table.loadJob(aJob({ id: jobId }), [aFailedTask({ id: 't0', job_id: jobId })]);
  return jobId;
}

function command(jobId: string, clientRequestId: string, seconds = 20): ReactivateTaskCommand {
  return { jobId, taskId: 't0', condition: { kind: 'none' }, requestId: randomUUID(), clientRequestId, trigger: 'http', deadline: Deadline.ofSeconds(seconds) };
}

/** The task is as seeded (row and ETag untouched, no history), or reactivated exactly once by `key`. */
async function expectOneState(expect: ExpectStatic, jobId: string, before: Awaited<ReturnType<FixtureTable['readTask']>>, key: string, landed: boolean): Promise<void> {
  const after = await table.readTask(jobId, 't0');
  const history = await table.listHistory(jobId, 't0');
  if (!landed) {
    expect(after).toEqual(before);
    expect(history).toEqual([]);
    return;
  }
  expect(after).toMatchObject({ lastRequestId: key, task: { state: 'active', retry_count: 0, exit_code: null, failure_info: null, reactivation_count: 1 } });
  expect(history).toHaveLength(1);
  expect(history[0]).toMatchObject({ client_request_id: key, reactivation_number: 1, exit_code: 3, failure_info: { code: 'FailureExitCode' } });
}

describe.concurrent('reactivation under storage faults', () => {
  it.for(cells)('$fault on $target, $span', async (cell, { expect }) => {
    const jobId = await seedFailedTask();
    const before = await table.readTask(jobId, 't0');
    const key = randomUUID();
    const policy = FAULTS[cell.fault]!({ when: TARGETS[cell.target], times: SPANS[cell.span] });
    const stats: RetryStats = { conflicts: 0, faults: 0 };
    const outcome = await reactivateTask({ ...app, store: tableWith(tableName, policy) }, command(jobId, key), stats);

    const want = expected(cell);
    expect(policy.struck).toBeGreaterThanOrEqual(Math.min(SPANS[cell.span], 2));
    if (cell.span === 'five times (the service re-reads)') expect(stats.faults).toBeGreaterThanOrEqual(1);
    if (want.code === 'OK') expect(outcome).toMatchObject({ kind: 'reactivated', task: { state: 'active', reactivation_count: 1 } });
    else expect(outcome).toMatchObject({ kind: 'fault', code: want.code });
    await expectOneState(expect, jobId, before, key, want.landed);

    // The caller retries with the same client-request-id on a healthy connection.
    const retry = await reactivateTask(app, command(jobId, key));
    expect(retry).toMatchObject({ kind: 'reactivated', replayed: want.landed, task: { state: 'active', reactivation_count: 1 } });
    await expectOneState(expect, jobId, before, key, true);
  });

  it.for(['the job read', 'the task read', 'the commit'] as const)(
    'a response slower than the deadline on %s: OPERATION_TIMED_OUT, and the retry learns whether it landed',
    async (target, { expect }) => {
      const jobId = await seedFailedTask();
      const before = await table.readTask(jobId, 't0');
      const key = randomUUID();
      const slow = slowResponse(1_500, { when: TARGETS[target] });
      const outcome = await reactivateTask({ ...app, store: tableWith(tableName, slow) }, command(jobId, key, 1));
      expect(outcome).toMatchObject({ kind: 'fault', code: 'OPERATION_TIMED_OUT' });
      const landed = target === 'the commit';
      await expectOneState(expect, jobId, before, key, landed);
      const retry = await reactivateTask(app, command(jobId, key));
      expect(retry).toMatchObject({ kind: 'reactivated', replayed: landed });
      await expectOneState(expect, jobId, before, key, true);
    },
  );

  it('429 with Retry-After: 1 on the commit is waited out as storage asks, and the task is reactivated once', async ({ expect }) => {
    const jobId = await seedFailedTask();
    const throttled = answerStatus(429, { when: isCommit, times: 2, headers: { 'Retry-After': '1' } });
    const started = performance.now();
    const outcome = await reactivateTask({ ...app, store: tableWith(tableName, throttled) }, command(jobId, randomUUID()));
    expect(performance.now() - started).toBeGreaterThanOrEqual(1_900);
    expect(throttled.struck).toBe(2);
    expect(outcome).toMatchObject({ kind: 'reactivated', replayed: false });
    expect(await table.listHistory(jobId, 't0')).toHaveLength(1);
  });

  it('429 with a Retry-After longer than the timeout: OPERATION_TIMED_OUT when the timeout ends, not when storage said', async ({ expect }) => {
    const jobId = await seedFailedTask();
    const before = await table.readTask(jobId, 't0');
    const throttled = answerStatus(429, { when: isCommit, headers: { 'Retry-After': '10' } });
    const started = performance.now();
    const outcome = await reactivateTask({ ...app, store: tableWith(tableName, throttled) }, command(jobId, randomUUID(), 1));
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(outcome).toMatchObject({ kind: 'fault', code: 'OPERATION_TIMED_OUT' });
    expect(await table.readTask(jobId, 't0')).toEqual(before);
  });
});
