import { randomUUID } from 'node:crypto';

import { createHttpHeaders } from '@azure/core-rest-pipeline';
import { beforeAll, describe, expect, it } from 'vitest';

import { reactivateFailedTasksBodySchema } from '../../src/domain/bulkRequest';
import type { Job } from '../../src/domain/job';
import type { Task } from '../../src/domain/task';
import { Deadline } from '../../src/service/deadline';
import {
  reactivateFailedTasks,
  type ReactivateFailedTasksCommand,
  type ReactivateFailedTasksOutcome,
} from '../../src/service/reactivateFailedTasks';
import type { BulkReactivationResult } from '../../src/domain/bulkResult';
import type { TaskStore } from '../../src/service/taskStore';
import { terminateJob } from '../../src/service/terminateJob';
import type { FixtureTable } from '../../src/storage/fixtureLoader';
import { withSeam } from '../support/seams';
import { isCommit, slowResponse } from '../support/faults';
import { aFailedTask, aJob, aRunningTask, aSucceededTask } from '../support/fixtures';
import { appFor, freshTable, tableWith, uniqueId, type TestApp } from '../support/storage';

let table: FixtureTable;
let app: TestApp;
let tableName: string;

beforeAll(async () => {
  ({ table, tableName } = await freshTable());
  app = await appFor(table);
});

async function seed(tasks: Partial<Task>[], job: Partial<Job> = {}): Promise<string> {
  const jobId = uniqueId('bulk');
  await table.loadJob(
    aJob({ ...job, id: jobId }),
    tasks.map((task, i) => aFailedTask({ ...task, id: `t${String(i).padStart(2, '0')}`, job_id: jobId })),
  );
  return jobId;
}

function command(jobId: string, body: unknown = {}, overrides: Partial<ReactivateFailedTasksCommand> = {}): ReactivateFailedTasksCommand {
  return {
    jobId,
    body: reactivateFailedTasksBodySchema.parse(body),
    requestId: randomUUID(),
    clientRequestId: null,
    trigger: 'http',
    deadline: Deadline.ofSeconds(20),
    ...overrides,
  };
}

async function run(jobId: string, body: unknown = {}, overrides: Partial<ReactivateFailedTasksCommand> = {}, store: TaskStore = table): Promise<ReactivateFailedTasksOutcome> {
  return reactivateFailedTasks({ ...app, store }, command(jobId, body, overrides));
}

function resultOf(outcome: ReactivateFailedTasksOutcome): BulkReactivationResult {
  if (outcome.kind !== 'bulkReactivated') throw new Error(`expected a result, got ${JSON.stringify(outcome)}`);
  return outcome.result;
}

/** Every row of the job's tasks, ETags included, and every history record: what "changed nothing" compares. */
async function everything(jobId: string): Promise<unknown> {
  const tasks = await table.listTasks(jobId);
  return { tasks, history: await Promise.all(tasks.map((t) => table.listHistory(jobId, t.task.id))) };
}

const MIXED: Partial<Task>[] = [
  { failure_info: { category: 'usererror', code: 'FailureExitCode', message: 'exit 1' }, exit_code: 1 },
  { failure_info: { category: 'servererror', code: 'DiskFull', message: null }, exit_code: 2 },
  aRunningTask(),
  aSucceededTask(),
  { failure_info: { category: 'usererror', code: 'FailureExitCode', message: 'exit 3' }, exit_code: 3 },
  { failure_info: { category: 'usererror', code: 'TaskEnded', message: null }, exit_code: null },
];

describe('reactivateFailedTasks: selection', () => {
  it('reactivates every failed task and only those, each as the single call would, with its history record', async () => {
    const jobId = await seed(MIXED);
    const clientRequestId = randomUUID();
    const result = resultOf(await run(jobId, {}, { clientRequestId, trigger: 'queue' }));
    expect(result).toEqual({ job_id: jobId, dry_run: false, matched: 4, reactivated: ['t00', 't01', 't04', 't05'], skipped: [], continuation: null });
    const tasks = new Map((await table.listTasks(jobId)).map((t) => [t.task.id, t]));
    for (const id of result.reactivated) {
      expect(tasks.get(id)?.task).toMatchObject({ state: 'active', previous_state: 'completed', retry_count: 0, exit_code: null, failure_info: null, reactivation_count: 1 });
      expect(tasks.get(id)?.lastRequestId).toBe(clientRequestId);
      const history = await table.listHistory(jobId, id);
      expect(history).toHaveLength(1);
      expect(history[0]).toMatchObject({ result: 'failure', client_request_id: clientRequestId, trigger: 'queue', reactivation_number: 1 });
    }
    expect(tasks.get('t02')?.task.state).toBe('running');
    expect(tasks.get('t03')?.task).toMatchObject({ state: 'completed', result: 'success' });
  });

  it.each([
    [{ failure_codes: ['FailureExitCode'] }, ['t00', 't04']],
    [{ exit_codes: [2, 3] }, ['t01', 't04']],
    [{ failure_codes: ['FailureExitCode'], exit_codes: [3] }, ['t04']],
    [{ failure_codes: ['NoSuchCode'] }, []],
  ])('filters with %o', async (body, expected) => {
    const jobId = await seed(MIXED);
    expect(resultOf(await run(jobId, body)).reactivated).toEqual(expected);
    const active = (await table.listTasks(jobId)).filter((t) => t.task.state === 'active').map((t) => t.task.id);
    expect(active).toEqual(expected);
  });

  it('reports every named task it did not reactivate, with the code the single call would answer', async () => {
    const jobId = await seed(MIXED);
    const result = resultOf(await run(jobId, { task_ids: ['T04', 't02', 't03', 'ghost', 't01', 't04'], failure_codes: ['FailureExitCode'] }));
    expect(result.reactivated).toEqual(['t04']);
    expect(result.skipped.map((s) => [s.id, s.code])).toEqual([
      ['ghost', 'TASK_NOT_FOUND'],
      ['t01', 'FILTERED_OUT'],
      ['t02', 'TASK_NOT_COMPLETED'],
      ['t03', 'TASK_SUCCEEDED'],
    ]);
    expect(result.matched).toBe(1);
  });

  it('refuses for the whole job as the single call does, changing nothing', async () => {
    expect(await run(uniqueId('nojob'))).toMatchObject({ kind: 'rejection', code: 'JOB_NOT_FOUND' });
    for (const [state, code] of [['completed', 'JOB_COMPLETED'], ['terminating', 'JOB_BEING_TERMINATED'], ['deleting', 'JOB_BEING_DELETED']] as const) {
      const jobId = await seed([{}], { state });
      const before = await everything(jobId);
      expect(await run(jobId)).toMatchObject({ kind: 'rejection', code });
      expect(await everything(jobId)).toEqual(before);
    }
  });
});

describe('reactivateFailedTasks: dry run', () => {
  it('lists what would be reactivated and writes nothing, not even its answer', async () => {
    const jobId = await seed(MIXED);
    const before = await everything(jobId);
    const clientRequestId = randomUUID();
    const preview = resultOf(await run(jobId, { dry_run: true, task_ids: ['t00', 't02'] }, { clientRequestId }));
    expect(preview).toMatchObject({ dry_run: true, matched: 1, reactivated: ['t00'], skipped: [{ id: 't02', code: 'TASK_NOT_COMPLETED' }], continuation: null });
    expect(await everything(jobId)).toEqual(before);
    expect(await table.readBulkAnswer(jobId, clientRequestId)).toBeNull();
    // The preview is what the real call then does.
    expect(resultOf(await run(jobId, { task_ids: ['t00', 't02'] }, { clientRequestId })).reactivated).toEqual(preview.reactivated);
  });
});

describe('reactivateFailedTasks: continuation', () => {
  async function drain(jobId: string, body: Record<string, unknown>, store: TaskStore = table, seconds = 20): Promise<BulkReactivationResult[]> {
    const pages: BulkReactivationResult[] = [];
    let continuation: string | null = null;
    do {
      const page = resultOf(await run(jobId, { ...body, ...(continuation === null ? {} : { continuation }) }, { deadline: Deadline.ofSeconds(seconds) }, store));
      pages.push(page);
      continuation = page.continuation;
    } while (continuation !== null && pages.length < 50);
    return pages;
  }

  it('pages by max_tasks: every failed task reactivated exactly once across the pages', async () => {
    const jobId = await seed([{}, aRunningTask(), {}, {}, aSucceededTask(), {}, {}, {}, {}]);
    const pages = await drain(jobId, { max_tasks: 3 });
    expect(pages.map((p) => p.reactivated)).toEqual([['t00', 't02', 't03'], ['t05', 't06', 't07'], ['t08']]);
    for (const t of await table.listTasks(jobId)) {
      expect((await table.listHistory(jobId, t.task.id)).length).toBe(t.task.state === 'active' ? 1 : 0);
    }
  });

  it('stops starting transactions when the time budget runs low, and the continuation resumes without reactivating anything twice', async () => {
    const jobId = await seed(Array.from({ length: 300 }, () => ({})));
    const deadline = Deadline.ofSeconds(2);
    const waitForLowBudget = async (): Promise<void> => {
      // Every worker waits after its first transaction until the budget is within its reserve.
      while (deadline.remainingMs() > 300) await new Promise((resolve) => setTimeout(resolve, 20));
    };
    const first = resultOf(await run(jobId, {}, { deadline }, withSeam(table, 'commitReactivations', { after: waitForLowBudget })));
    expect(first.continuation).not.toBeNull();
    // Four workers each committed one transaction; the others were never started.
    expect(first.reactivated).toHaveLength(4 * table.reactivationsPerCommit);
    const rest = await drain(jobId, { continuation: first.continuation });
    const all = [first, ...rest].flatMap((p) => p.reactivated);
    expect(new Set(all).size).toBe(all.length);
    expect(all).toHaveLength(300);
    const tasks = await table.listTasks(jobId);
    expect(tasks.every((t) => t.task.state === 'active' && t.task.reactivation_count === 1)).toBe(true);
  });

  it('refuses a continuation issued for another job, naming the field', async () => {
    const other = await seed([{}, {}]);
    const token = resultOf(await run(other, { max_tasks: 1, dry_run: true })).continuation;
    const jobId = await seed([{}]);
    expect(await run(jobId, { continuation: token })).toEqual({ kind: 'invalid', issues: [{ field: 'body.continuation', message: 'was issued for another job' }] });
  });
});

describe('reactivateFailedTasks: a repeated client-request-id', () => {
  it('answers the same result, and writes nothing the second time', async () => {
    const jobId = await seed([{}, aRunningTask(), {}, {}]);
    const clientRequestId = randomUUID();
    const body = { task_ids: ['t00', 't01', 't02', 'nope'], max_tasks: 1 };
    const first = await run(jobId, body, { clientRequestId });
    const after = await everything(jobId);
    // Meanwhile another caller reactivates t02, so re-running the selection would now differ.
    resultOf(await run(jobId, { task_ids: ['t02'] }));
    const changed = await everything(jobId);
    const again = await run(jobId, body, { clientRequestId });
    expect(again).toEqual({ ...first, replayed: true });
    expect(first).toMatchObject({ replayed: false, result: { reactivated: ['t00'] } });
    expect(await everything(jobId)).toEqual(changed);
    expect(after).not.toEqual(changed);
  });

  it('refuses the same client-request-id with another body, naming the header', async () => {
    const jobId = await seed([{}, {}]);
    const clientRequestId = randomUUID();
    resultOf(await run(jobId, { max_tasks: 1 }, { clientRequestId }));
    expect(await run(jobId, { max_tasks: 2 }, { clientRequestId })).toMatchObject({ kind: 'invalid', issues: [{ field: 'client-request-id' }] });
  });

  it.each([
    [{}, { matched: 3, reactivated: ['t00', 't01', 't03'], skipped: [] }],
    [{ task_ids: ['t01', 't02'] }, { matched: 1, reactivated: ['t01'], skipped: [{ id: 't02', code: 'JOB_COMPLETED', message: expect.any(String) as string }] }],
  ])('learns what it did before any refusal: its commits landed, its answer timed out, then the job was terminated (body %o)', async (body, expected) => {
    const jobId = await seed([{}, {}, aRunningTask(), {}]);
    const clientRequestId = randomUUID();
    // The transaction reaches storage and commits; its answer comes back after the call's deadline.
    const late = slowResponse(1_500, { when: isCommit });
    const first = await reactivateFailedTasks({ ...app, store: tableWith(tableName, late) }, command(jobId, body, { clientRequestId, deadline: Deadline.ofSeconds(1) }));
    expect(first).toMatchObject({ kind: 'fault', code: 'OPERATION_TIMED_OUT' });
    expect(await table.readBulkAnswer(jobId, clientRequestId)).toBeNull();
    expect(await terminateJob(app, { jobId, reason: null, deadline: Deadline.ofSeconds(20) })).toMatchObject({ kind: 'terminated', job: { state: 'completed' } });
    // The same call again: the task rows and history records carry its id, so it answers what it did, not JOB_COMPLETED.
    const again = resultOf(await run(jobId, body, { clientRequestId }));
    expect(again).toEqual({ job_id: jobId, dry_run: false, continuation: null, ...expected });
    for (const id of again.reactivated) {
      expect(await table.listHistory(jobId, id)).toEqual([expect.objectContaining({ client_request_id: clientRequestId, reactivation_number: 1 })]);
      expect((await table.readTask(jobId, id))?.task.failure_info?.code).toBe('TaskEnded');
    }
    // A fresh id has done nothing: the job's refusal stands.
    expect(await run(jobId, body, { clientRequestId: randomUUID() })).toMatchObject({ kind: 'rejection', code: 'JOB_COMPLETED' });
  });

  it('recognises its own rows when its answer was never stored (a response lost with the instance)', async () => {
    const jobId = await seed([{}, {}, aRunningTask()]);
    const clientRequestId = randomUUID();
    // Storing the answer (the transaction that creates the bulk| row) meets a storage that is busy, every time.
    const forgetful = tableWith(tableName, {
      name: 'noStoredAnswer',
      sendRequest: async (request, next) =>
        isCommit(request) && typeof request.body === 'string' && request.body.includes('"RowKey":"bulk|')
          ? { request, status: 503, headers: createHttpHeaders({ 'x-ms-error-code': 'ServerBusy' }), bodyAsText: '' }
          : next(request),
    });
    const first = resultOf(await reactivateFailedTasks({ ...app, store: forgetful }, command(jobId, {}, { clientRequestId })));
    expect(await table.readBulkAnswer(jobId, clientRequestId)).toBeNull();
    const again = resultOf(await run(jobId, {}, { clientRequestId }));
    expect(again).toEqual(first);
    for (const id of first.reactivated) expect(await table.listHistory(jobId, id)).toHaveLength(1);
  });
});
