import { describe, expect, it } from 'vitest';

import type { Task } from '../../../src/domain/task';
import { cloudTask, cloudTaskSchema } from '../../../src/http/batch/cloudTask';
import { batchClient, jsonReply, withServer } from './batchSdk';

const BASE = 'https://app.example.net';
const ETAG = 'W/"datetime\'2026-11-28T12%3A23%3A47.3883355Z\'"';

const failed: Task = {
  id: 'task-failed',
  job_id: 'job-1',
  state: 'completed',
  state_transition_time: '2025-01-01T08:06:00.000Z',
  previous_state: 'running',
  previous_state_transition_time: '2025-01-01T08:01:00.000Z',
  created_at: '2025-01-01T08:00:00.000Z',
  last_modified: '2025-01-01T08:06:00.123Z',
  max_retry_count: 2,
  retry_count: 2,
  requeue_count: 1,
  exit_code: 3,
  result: 'failure',
  failure_info: { category: 'usererror', code: 'FailureExitCode', message: 'The task exited with exit code 3.' },
  start_time: '2025-01-01T08:01:00.000Z',
  end_time: '2025-01-01T08:06:00.000Z',
  last_retry_time: '2025-01-01T08:05:00.000Z',
  reactivation_count: 0,
};

const fresh: Task = {
  ...failed,
  id: 'task-new',
  state: 'active',
  state_transition_time: '2025-01-01T08:00:00.000Z',
  previous_state: null,
  previous_state_transition_time: null,
  last_modified: '2025-01-01T08:00:00.000Z',
  max_retry_count: -1,
  retry_count: 0,
  requeue_count: 0,
  exit_code: null,
  result: null,
  failure_info: null,
  start_time: null,
  end_time: null,
  last_retry_time: null,
};

describe('cloudTask', () => {
  it('writes a failed task with Batch names, nesting and seven-digit times', () => {
    expect(cloudTask(failed, ETAG, `${BASE}/`)).toStrictEqual({
      'odata.metadata': 'https://app.example.net/$metadata#tasks/@Element',
      id: 'task-failed',
      url: 'https://app.example.net/jobs/job-1/tasks/task-failed',
      eTag: ETAG,
      lastModified: '2025-01-01T08:06:00.1230000Z',
      creationTime: '2025-01-01T08:00:00.0000000Z',
      state: 'completed',
      stateTransitionTime: '2025-01-01T08:06:00.0000000Z',
      previousState: 'running',
      previousStateTransitionTime: '2025-01-01T08:01:00.0000000Z',
      constraints: { maxTaskRetryCount: 2 },
      executionInfo: {
        startTime: '2025-01-01T08:01:00.0000000Z',
        endTime: '2025-01-01T08:06:00.0000000Z',
        exitCode: 3,
        failureInfo: { category: 'usererror', code: 'FailureExitCode', message: 'The task exited with exit code 3.' },
        retryCount: 2,
        lastRetryTime: '2025-01-01T08:05:00.0000000Z',
        requeueCount: 1,
        result: 'failure',
      },
    });
  });

  it('leaves out every value a task in its initial state does not have, never writing null', () => {
    const json = cloudTask(fresh, ETAG, BASE);
    expect(Object.keys(json)).not.toContain('previousState');
    expect(Object.keys(json)).not.toContain('previousStateTransitionTime');
    expect(json.executionInfo).toStrictEqual({ retryCount: 0, requeueCount: 0 });
    expect(json.constraints).toStrictEqual({ maxTaskRetryCount: -1 });
    expect(JSON.stringify(json)).not.toContain('null');
  });

  it('leaves out a failure message the task does not have, keeping category and code', () => {
    const json = cloudTask({ ...failed, exit_code: null, failure_info: { category: 'servererror', code: 'TaskEnded', message: null } }, ETAG, BASE);
    expect(json.executionInfo.failureInfo).toStrictEqual({ category: 'servererror', code: 'TaskEnded' });
    expect(Object.keys(json.executionInfo)).not.toContain('exitCode');
  });

  it.each([
    ['a failed task', failed],
    ['a task in its initial state', fresh],
  ])('satisfies the published schema for %s', (_, task) => {
    expect(cloudTaskSchema.safeParse(cloudTask(task, ETAG, BASE)).success).toBe(true);
  });

  it('is refused by the schema if a name were wrong, so the schema check means something', () => {
    const { executionInfo, ...rest } = cloudTask(failed, ETAG, BASE);
    expect(cloudTaskSchema.safeParse({ ...rest, executionInformation: executionInfo }).success).toBe(false);
    expect(cloudTaskSchema.safeParse({ ...rest, executionInfo, previousState: null }).success).toBe(false);
  });

  it('is read by @azure/batch as the task, with its ETag and retry counts', async () => {
    const json = cloudTask(failed, ETAG, BASE);
    await withServer(
      () => jsonReply(200, json, { etag: ETAG, 'last-modified': new Date(failed.last_modified).toUTCString() }),
      async (baseUrl, received) => {
        const task = await batchClient(baseUrl).task.get('job-1', 'task-failed');
        expect(received[0]?.url).toBe('/jobs/job-1/tasks/task-failed?api-version=2022-10-01.16.0');
        expect(task.id).toBe('task-failed');
        expect(task.url).toBe(json.url);
        expect(task.eTag).toBe(ETAG);
        expect(task.eTagHeader).toBe(ETAG);
        expect(task.state).toBe('completed');
        expect(task.previousState).toBe('running');
        expect(task.creationTime?.toISOString()).toBe('2025-01-01T08:00:00.000Z');
        expect(task.lastModified?.toISOString()).toBe('2025-01-01T08:06:00.123Z');
        expect(task.constraints?.maxTaskRetryCount).toBe(2);
        expect(task.executionInfo?.retryCount).toBe(2);
        expect(task.executionInfo?.requeueCount).toBe(1);
        expect(task.executionInfo?.exitCode).toBe(3);
        expect(task.executionInfo?.result).toBe('failure');
        expect(task.executionInfo?.failureInfo).toEqual({ category: 'usererror', code: 'FailureExitCode', message: 'The task exited with exit code 3.' });
        expect(task.executionInfo?.lastRetryTime?.toISOString()).toBe('2025-01-01T08:05:00.000Z');
      },
    );
  });

  it('is read by @azure/batch with the absent values undefined', async () => {
    await withServer(
      () => jsonReply(200, cloudTask(fresh, ETAG, BASE)),
      async (baseUrl) => {
        const task = await batchClient(baseUrl).task.get('job-1', 'task-new');
        expect(task.state).toBe('active');
        expect(task.previousState).toBeUndefined();
        expect(task.executionInfo?.retryCount).toBe(0);
        expect(task.executionInfo?.startTime).toBeUndefined();
        expect(task.executionInfo?.failureInfo).toBeUndefined();
      },
    );
  });
});
