import { describe, expect, it } from 'vitest';

import type { Job } from '../../../src/domain/job';
import { cloudJob, cloudJobSchema } from '../../../src/http/batch/cloudJob';
import { batchClient, jsonReply, withServer } from './batchSdk';

const BASE = 'https://app.example.net';
const ETAG = 'W/"datetime\'2026-11-28T12%3A23%3A47.8537966Z\'"';

const active: Job = {
  id: 'job-1',
  state: 'active',
  state_transition_time: '2025-01-01T08:00:00.000Z',
  previous_state: null,
  created_at: '2025-01-01T08:00:00.000Z',
  last_modified: '2025-01-01T08:00:00.000Z',
  termination_reason: null,
  termination: null,
};

const terminating: Job = {
  ...active,
  state: 'terminating',
  previous_state: 'active',
  state_transition_time: '2026-11-28T12:23:47.521Z',
  last_modified: '2026-11-28T12:23:47.521Z',
  termination_reason: 'Budget exhausted',
  termination: { started_at: '2026-11-28T12:23:47.521Z', tasks_swept: 40, last_progress_at: '2026-11-28T12:23:47.700Z' },
};

const completed: Job = { ...terminating, state: 'completed', previous_state: 'terminating', state_transition_time: '2026-11-28T12:23:47.850Z', last_modified: '2026-11-28T12:23:47.850Z' };

describe('cloudJob', () => {
  it('writes an active job with no previous state, end or reason', () => {
    expect(cloudJob(active, ETAG, BASE)).toStrictEqual({
      'odata.metadata': 'https://app.example.net/$metadata#jobs/@Element',
      id: 'job-1',
      url: 'https://app.example.net/jobs/job-1',
      eTag: ETAG,
      lastModified: '2025-01-01T08:00:00.0000000Z',
      creationTime: '2025-01-01T08:00:00.0000000Z',
      state: 'active',
      stateTransitionTime: '2025-01-01T08:00:00.0000000Z',
      executionInfo: { startTime: '2025-01-01T08:00:00.0000000Z' },
    });
  });

  it('keeps the reason of a terminating job back until it completes, as Batch does', () => {
    const json = cloudJob(terminating, ETAG, BASE);
    expect(json.state).toBe('terminating');
    expect(json.previousState).toBe('active');
    expect(json.executionInfo).toStrictEqual({ startTime: '2025-01-01T08:00:00.0000000Z' });
  });

  it('gives a completed job its end time and terminateReason', () => {
    expect(cloudJob(completed, ETAG, BASE).executionInfo).toStrictEqual({
      startTime: '2025-01-01T08:00:00.0000000Z',
      endTime: '2026-11-28T12:23:47.8500000Z',
      terminateReason: 'Budget exhausted',
    });
  });

  it("adds the termination's progress once a termination has begun, in Batch's time format", () => {
    expect(Object.keys(cloudJob(active, ETAG, BASE))).not.toContain('terminationProgress');
    expect(cloudJob(terminating, ETAG, BASE).terminationProgress).toStrictEqual({
      startTime: '2026-11-28T12:23:47.5210000Z',
      tasksSwept: 40,
      lastProgressTime: '2026-11-28T12:23:47.7000000Z',
    });
  });

  it.each([
    ['active', active],
    ['terminating', terminating],
    ['completed', completed],
  ])('satisfies the published schema for a job %s', (_, job) => {
    expect(cloudJobSchema.safeParse(cloudJob(job, ETAG, BASE)).success).toBe(true);
    expect(JSON.stringify(cloudJob(job, ETAG, BASE))).not.toContain('null');
  });

  it('is refused by the schema if the reason sat outside executionInfo', () => {
    expect(cloudJobSchema.safeParse({ ...cloudJob(completed, ETAG, BASE), terminateReason: 'Budget exhausted' }).success).toBe(false);
  });

  it('is read by @azure/batch as the job, the progress passed through untouched', async () => {
    const json = cloudJob(completed, ETAG, BASE);
    await withServer(
      () => jsonReply(200, json, { etag: ETAG }),
      async (baseUrl, received) => {
        const job = await batchClient(baseUrl).job.get('job-1');
        expect(received[0]?.url).toBe('/jobs/job-1?api-version=2022-10-01.16.0');
        expect(job.id).toBe('job-1');
        expect(job.eTag).toBe(ETAG);
        expect(job.eTagHeader).toBe(ETAG);
        expect(job.state).toBe('completed');
        expect(job.previousState).toBe('terminating');
        expect(job.stateTransitionTime?.toISOString()).toBe('2026-11-28T12:23:47.850Z');
        expect(job.executionInfo?.startTime.toISOString()).toBe('2025-01-01T08:00:00.000Z');
        expect(job.executionInfo?.endTime?.toISOString()).toBe('2026-11-28T12:23:47.850Z');
        expect(job.executionInfo?.terminateReason).toBe('Budget exhausted');
        expect((job as unknown as Record<string, unknown>).terminationProgress).toEqual({ startTime: '2026-11-28T12:23:47.5210000Z', tasksSwept: 40, lastProgressTime: '2026-11-28T12:23:47.7000000Z' });
      },
    );
  });
});
