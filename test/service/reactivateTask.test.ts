import { randomUUID } from 'node:crypto';

import { beforeAll, describe, expect, it } from 'vitest';

import type { Condition } from '../../src/domain/conditions';
import type { Job } from '../../src/domain/job';
import type { Task } from '../../src/domain/task';
import { Deadline } from '../../src/service/deadline';
import { reactivateTask, type ReactivateTaskCommand } from '../../src/service/reactivateTask';
import type { FixtureTable } from '../../src/storage/fixtureLoader';
import { aFailedTask, aJob, aRunningTask, aSucceededTask } from '../support/fixtures';
import { appFor, freshTable, uniqueId, type TestApp } from '../support/storage';

let table: FixtureTable;
let app: TestApp;

beforeAll(async () => {
  ({ table } = await freshTable());
  app = await appFor(table);
});

async function seed(job: Partial<Job>, ...tasks: Partial<Task>[]): Promise<{ jobId: string; taskIds: string[] }> {
  const jobId = job.id ?? uniqueId('Job');
  await table.loadJob(
    aJob({ ...job, id: jobId }),
    tasks.map((task, i) => aFailedTask({ id: `task-${i}`, ...task, job_id: jobId })),
  );
  return { jobId, taskIds: tasks.map((task, i) => task.id ?? `task-${i}`) };
}

function command(jobId: string, taskId: string, overrides: Partial<ReactivateTaskCommand> = {}): ReactivateTaskCommand {
  return { jobId, taskId, condition: { kind: 'none' }, requestId: randomUUID(), clientRequestId: null, trigger: 'http', deadline: Deadline.ofSeconds(10), ...overrides };
}

describe('reactivateTask against Table Storage', () => {
  it('reactivates a failed task: every field of the contract, a new ETag, and a history record in the same commit', async () => {
    const { jobId } = await seed({}, {});
    const before = await table.readTask(jobId, 'task-0');
    const at = new Date('2025-06-01T12:00:00.000Z');
    const outcome = await reactivateTask({ ...app, clock: () => at }, command(jobId, 'task-0', { clientRequestId: 'c0ffee00-0000-4000-8000-000000000001' }));
    expect(outcome.kind).toBe('reactivated');
    const after = await table.readTask(jobId, 'task-0');
    expect(after?.etag).not.toBe(before?.etag);
    expect(outcome).toMatchObject({ etag: after?.etag, replayed: false });
    expect(after?.task).toEqual({
      ...aFailedTask({ id: 'task-0', job_id: jobId }),
      state: 'active',
      previous_state: 'completed',
      previous_state_transition_time: before?.task.state_transition_time,
      state_transition_time: at.toISOString(),
      last_modified: at.toISOString(),
      retry_count: 0,
      exit_code: null,
      result: null,
      failure_info: null,
      start_time: null,
      end_time: null,
      last_retry_time: null,
      reactivation_count: 1,
    });
    const history = await table.listHistory(jobId, 'task-0');
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ exit_code: 3, retry_count: 2, result: 'failure', client_request_id: 'c0ffee00-0000-4000-8000-000000000001', trigger: 'http' });
    expect(history[0]?.failure_info).toEqual({ category: 'usererror', code: 'FailureExitCode', message: 'exit 3' });
  });

  it('treats ids case-insensitively and answers with the ids as first spelled', async () => {
    const { jobId } = await seed({ id: uniqueId('MixedCase-JOB') }, { id: 'Task_A' });
    const outcome = await reactivateTask(app, command(jobId.toLowerCase(), 'TASK_a'));
    expect(outcome).toMatchObject({ kind: 'reactivated', task: { id: 'Task_A', job_id: jobId } });
  });

  it('lists history newest first, one record per reactivation', async () => {
    const { jobId } = await seed({}, {});
    await reactivateTask({ ...app, clock: () => new Date('2025-06-01T00:00:00.000Z') }, command(jobId, 'task-0'));
    const again = await table.readTask(jobId, 'task-0');
    // Let the task fail again, as a scheduler would, so that it can be reactivated a second time.
    await table.loadJob(aJob({ id: jobId }), [aFailedTask({ ...again?.task, state: 'completed', result: 'failure', exit_code: 9, reactivation_count: 1 })]);
    await reactivateTask({ ...app, clock: () => new Date('2025-06-02T00:00:00.000Z') }, command(jobId, 'task-0'));
    const history = await table.listHistory(jobId, 'task-0');
    expect(history.map((h) => [h.reactivation_number, h.exit_code])).toEqual([[2, 9], [1, 3]]);
  });

  it('orders history by reactivation number, not by the writer\'s clock: one that ran 120 s ahead does not put #1 after #2', async () => {
    const { jobId } = await seed({}, {});
    const ahead = new Date(Date.now() + 120_000);
    await reactivateTask({ ...app, clock: () => ahead }, command(jobId, 'task-0'));
    const again = await table.readTask(jobId, 'task-0');
    await table.loadJob(aJob({ id: jobId }), [aFailedTask({ ...again?.task, state: 'completed', result: 'failure', exit_code: 9, reactivation_count: 1 })]);
    await reactivateTask({ ...app, clock: () => new Date() }, command(jobId, 'task-0'));
    const history = await table.listHistory(jobId, 'task-0');
    expect(history.map((h) => h.reactivation_number)).toEqual([2, 1]);
    // The rows themselves sort so, not only the listing: a query in key order reads #2 first.
    const keys: string[] = [];
    for await (const row of table.tableClient.listEntities({ queryOptions: { filter: `PartitionKey eq '${jobId.toLowerCase()}' and RowKey ge 'hist|' and RowKey lt 'hist}'` } })) keys.push(String(row.reactivation_number));
    expect(keys).toEqual(['2', '1']);
  });

  it('keeps the history of a task apart from a task whose id extends it', async () => {
    const { jobId } = await seed({}, { id: 'a' }, { id: 'a-b' }, { id: 'a_b' });
    for (const id of ['a', 'a-b', 'a_b']) await reactivateTask(app, command(jobId, id));
    for (const id of ['a', 'a-b', 'a_b']) expect((await table.listHistory(jobId, id)).map((h) => h.task_id)).toEqual([id]);
  });

  it('answers the same success to a repeated client-request-id, without a second commit', async () => {
    const { jobId } = await seed({}, {});
    const clientRequestId = 'c0ffee00-0000-4000-8000-000000000002';
    const first = await reactivateTask(app, command(jobId, 'task-0', { clientRequestId }));
    const second = await reactivateTask(app, command(jobId, 'task-0', { clientRequestId }));
    expect(first.kind).toBe('reactivated');
    expect(second).toMatchObject({ kind: 'reactivated', replayed: true });
    if (first.kind !== 'reactivated' || second.kind !== 'reactivated') return;
    expect(second.etag).toBe(first.etag);
    expect(second.task).toEqual(first.task);
    expect(await table.listHistory(jobId, 'task-0')).toHaveLength(1);
    const other = await reactivateTask(app, command(jobId, 'task-0', { clientRequestId: randomUUID() }));
    expect(other).toMatchObject({ kind: 'rejection', code: 'TASK_NOT_COMPLETED' });
  });
});

describe('reactivateTask refusals change nothing', () => {
  const cases: [string, Partial<Job>, Partial<Task>, Condition | null][] = [
    ['JOB_COMPLETED', { state: 'completed' }, {}, null],
    ['JOB_BEING_TERMINATED', { state: 'terminating' }, {}, null],
    ['JOB_BEING_DELETED', { state: 'deleting' }, {}, null],
    ['TASK_NOT_COMPLETED', {}, aRunningTask({ state: 'active' }), null],
    ['TASK_NOT_COMPLETED', {}, aRunningTask({ state: 'preparing' }), null],
    ['TASK_NOT_COMPLETED', {}, aRunningTask(), null],
    ['TASK_SUCCEEDED', {}, aSucceededTask(), null],
    ['CONDITION_NOT_MET', {}, {}, { kind: 'ifMatch', etag: 'W/"stale"' }],
    ['CONDITION_NOT_MET', {}, {}, { kind: 'ifNoneMatch', etag: '*' }],
    ['CONDITION_NOT_MET', {}, {}, { kind: 'ifModifiedSince', date: new Date('2030-01-01T00:00:00Z') }],
    ['CONDITION_NOT_MET', {}, {}, { kind: 'ifUnmodifiedSince', date: new Date('2020-01-01T00:00:00Z') }],
    // Precedence: the condition is checked before the job state, the job state before the task state.
    ['CONDITION_NOT_MET', { state: 'completed' }, aRunningTask(), { kind: 'ifMatch', etag: 'W/"stale"' }],
    ['JOB_COMPLETED', { state: 'completed' }, aRunningTask(), null],
  ];

  it.each(cases)('%s (job %o, task %o, condition %o)', async (code, job, task, condition) => {
    const { jobId } = await seed(job, { ...task, id: 'task-0' });
    const before = await table.readTask(jobId, 'task-0');
    const outcome = await reactivateTask(app, command(jobId, 'task-0', condition === null ? {} : { condition }));
    expect(outcome).toMatchObject({ kind: 'rejection', code });
    const after = await table.readTask(jobId, 'task-0');
    expect(after).toEqual(before);
    expect(await table.listHistory(jobId, 'task-0')).toEqual([]);
  });

  it('JOB_NOT_FOUND before TASK_NOT_FOUND', async () => {
    expect(await reactivateTask(app, command(uniqueId('nojob'), 'nope'))).toMatchObject({ kind: 'rejection', code: 'JOB_NOT_FOUND' });
    const { jobId } = await seed({}, {});
    expect(await reactivateTask(app, command(jobId, 'nope'))).toMatchObject({ kind: 'rejection', code: 'TASK_NOT_FOUND' });
  });

  it('meets If-Match with the ETag it read', async () => {
    const { jobId } = await seed({}, {});
    const before = await table.readTask(jobId, 'task-0');
    const outcome = await reactivateTask(app, command(jobId, 'task-0', { condition: { kind: 'ifMatch', etag: before?.etag ?? '' } }));
    expect(outcome.kind).toBe('reactivated');
  });
});
