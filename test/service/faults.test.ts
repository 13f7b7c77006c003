import { randomUUID } from 'node:crypto';

import { createHttpHeaders, RestError, type PipelinePolicy, type PipelineRequest } from '@azure/core-rest-pipeline';
import { beforeAll, describe, expect, it } from 'vitest';

import { Deadline } from '../../src/service/deadline';
import { reactivateTask, type ReactivateTaskCommand } from '../../src/service/reactivateTask';
import type { FixtureTable } from '../../src/storage/fixtureLoader';
import { answerStatus, isCommit, isCreateTable } from '../support/faults';
import { aFailedTask, aJob } from '../support/fixtures';
import { appFor, freshTable, tableWith, uniqueId, type TestApp } from '../support/storage';

let table: FixtureTable;
let app: TestApp;
let tableName: string;

beforeAll(async () => {
  ({ table, tableName } = await freshTable());
  app = await appFor(table);
});

async function seedFailedTask(): Promise<string> {
  const jobId = uniqueId('fault');
  await table.loadJob(aJob({ id: jobId }), [aFailedTask({ id: 't0', job_id: jobId })]);
  return jobId;
}

function command(jobId: string, overrides: Partial<ReactivateTaskCommand> = {}): ReactivateTaskCommand {
  return { jobId, taskId: 't0', condition: { kind: 'none' }, requestId: randomUUID(), clientRequestId: null, trigger: 'http', deadline: Deadline.ofSeconds(10), ...overrides };
}


/** The storage connection drops while the response to a commit is on its way back. */
function responseLostAfterCommit(times: number): PipelinePolicy & { commits: number } {
  const policy = {
    name: 'loseCommitResponse',
    commits: 0,
    async sendRequest(request: Parameters<PipelinePolicy['sendRequest']>[0], next: Parameters<PipelinePolicy['sendRequest']>[1]) {
      const response = await next(request);
      if (!isCommit(request) || policy.commits >= times) return response;
      policy.commits += 1;
      throw new RestError('socket hang up', { code: 'ECONNRESET', request });
    },
  };
  return policy;
}

/** Storage answers `status` to matching requests without ever seeing them. */
function alwaysStatus(status: number, when: (request: PipelineRequest) => boolean): PipelinePolicy & { seen: number } {
  const policy = {
    name: `always${status}`,
    seen: 0,
    async sendRequest(request: Parameters<PipelinePolicy['sendRequest']>[0], next: Parameters<PipelinePolicy['sendRequest']>[1]) {
      if (!when(request)) return next(request);
      policy.seen += 1;
      return { request, status, headers: createHttpHeaders({ 'x-ms-error-code': 'ServerBusy' }), bodyAsText: '' };
    },
  };
  return policy;
}

describe('storage faults around a reactivation', () => {
  it('a response lost after the commit: the SDK retry loses its If-Match, the re-read finds our request id, the answer is the success', async () => {
    const jobId = await seedFailedTask();
    const lost = responseLostAfterCommit(1);
    const outcome = await reactivateTask({ ...app, store: tableWith(tableName, lost) }, command(jobId));
    expect(lost.commits).toBe(1);
    expect(outcome).toMatchObject({ kind: 'reactivated', task: { state: 'active', reactivation_count: 1 } });
    expect(await table.listHistory(jobId, 't0')).toHaveLength(1);
  });

  it('storage answering 503 to every commit: SERVER_BUSY, and the task is untouched', async () => {
    const jobId = await seedFailedTask();
    const before = await table.readTask(jobId, 't0');
    const busy = alwaysStatus(503, isCommit);
    const outcome = await reactivateTask({ ...app, store: tableWith(tableName, busy) }, command(jobId));
    expect(outcome).toMatchObject({ kind: 'fault', code: 'SERVER_BUSY' });
    // Three rounds of the service, each commit tried four times by the SDK.
    expect(busy.seen).toBe(12);
    expect(await table.readTask(jobId, 't0')).toEqual(before);
  });

  it('a commit slower than the deadline: OPERATION_TIMED_OUT, and a retry with the same client-request-id learns it landed', async () => {
    const jobId = await seedFailedTask();
    const clientRequestId = randomUUID();
    const slow: PipelinePolicy = {
      name: 'slowCommitResponse',
      async sendRequest(request, next) {
        const response = await next(request);
        if (isCommit(request)) await new Promise((resolve) => setTimeout(resolve, 1_500));
        return response;
      },
    };
    const outcome = await reactivateTask({ ...app, store: tableWith(tableName, slow) }, command(jobId, { clientRequestId, deadline: Deadline.ofSeconds(1) }));
    expect(outcome).toMatchObject({ kind: 'fault', code: 'OPERATION_TIMED_OUT' });
    const retry = await reactivateTask(app, command(jobId, { clientRequestId }));
    expect(retry).toMatchObject({ kind: 'reactivated', replayed: true, task: { state: 'active' } });
    expect(await table.listHistory(jobId, 't0')).toHaveLength(1);
  });
});

describe('a table that does not exist', () => {
  it('and may not be created (403, as for the identity in Azure) is a fault to report, not a job that does not exist', async () => {
    const missing = tableWith(`missing${randomUUID().replaceAll('-', '')}`, answerStatus(403, { when: isCreateTable }));
    await expect(reactivateTask({ ...app, store: missing }, command('job-1'))).rejects.toThrow(/TableNotFound|table/i);
  });

  it('and may be created (a fresh start) is created, and the job is simply not found', async () => {
    const fresh = tableWith(`fresh${randomUUID().replaceAll('-', '')}`);
    expect(await reactivateTask({ ...app, store: fresh }, command('job-1'))).toMatchObject({ kind: 'rejection', code: 'JOB_NOT_FOUND' });
  });
});
