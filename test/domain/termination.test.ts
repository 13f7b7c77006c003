import { describe, expect, it } from 'vitest';

import { NO_CONDITION } from '../../src/domain/conditions';
import { completedJob, planTermination, sweptTask } from '../../src/domain/termination';
import { jobStateSchema } from '../../src/domain/states';
import { aFailedTask, aJob, aRunningTask, aSucceededTask } from '../support/fixtures';

const NOW = new Date('2025-03-01T00:00:00.000Z');

describe('planTermination', () => {
  it.each(jobStateSchema.options)('from a %s job', (state) => {
    const snapshot = { job: aJob({ state }), etag: 'W/"e"' };
    const plan = planTermination(snapshot, 'Because', NOW, NO_CONDITION);
    const expected: Record<string, string> = { completed: 'JOB_COMPLETED', deleting: 'JOB_BEING_DELETED', terminating: 'resume' };
    expect(plan.kind === 'rejection' ? plan.code : plan.kind).toBe(expected[state] ?? 'start');
    if (plan.kind === 'start') {
      expect(plan.job).toMatchObject({ state: 'terminating', previous_state: state, termination_reason: 'Because', state_transition_time: NOW.toISOString() });
    }
  });

  it('refuses a missing job', () => {
    expect(planTermination(null, 'x', NOW, { kind: 'ifMatch', etag: '*' })).toMatchObject({ kind: 'rejection', code: 'JOB_NOT_FOUND' });
  });

  describe('under a condition on the job', () => {
    // The job changed last at T0 = 2025-01-01T00:00:00Z, and has ETag W/"e".
    const snapshot = { job: aJob(), etag: 'W/"e"' };
    const at = (iso: string) => new Date(iso);

    it.each([
      ['If-Match the current ETag', { kind: 'ifMatch', etag: 'W/"e"' }],
      ['If-Match *', { kind: 'ifMatch', etag: '*' }],
      ['If-None-Match another ETag', { kind: 'ifNoneMatch', etag: 'W/"other"' }],
      ['If-Unmodified-Since its last change', { kind: 'ifUnmodifiedSince', date: at('2025-01-01T00:00:00Z') }],
      ['If-Modified-Since a second before it', { kind: 'ifModifiedSince', date: at('2024-12-31T23:59:59Z') }],
    ] as const)('starts when it holds: %s', (_, condition) => {
      expect(planTermination(snapshot, 'r', NOW, condition).kind).toBe('start');
    });

    it.each([
      ['If-Match a stale ETag', { kind: 'ifMatch', etag: 'W/"stale"' }],
      ['If-None-Match the current ETag', { kind: 'ifNoneMatch', etag: 'W/"e"' }],
      ['If-None-Match *', { kind: 'ifNoneMatch', etag: '*' }],
      ['If-Unmodified-Since a second before its last change', { kind: 'ifUnmodifiedSince', date: at('2024-12-31T23:59:59Z') }],
      ['If-Modified-Since its last change', { kind: 'ifModifiedSince', date: at('2025-01-01T00:00:00Z') }],
    ] as const)('refuses CONDITION_NOT_MET, a write refusing every unmet condition alike: %s', (_, condition) => {
      expect(planTermination(snapshot, 'r', NOW, condition)).toEqual({ kind: 'rejection', code: 'CONDITION_NOT_MET', message: 'The condition given in the request headers is not met by the job.' });
    });

    it('checks the condition before the state: a completed job with a stale ETag is 412, with its own 409', () => {
      const completed = { job: aJob({ state: 'completed' }), etag: 'W/"e"' };
      expect(planTermination(completed, 'r', NOW, { kind: 'ifMatch', etag: 'W/"stale"' })).toMatchObject({ code: 'CONDITION_NOT_MET' });
      expect(planTermination(completed, 'r', NOW, { kind: 'ifMatch', etag: 'W/"e"' })).toMatchObject({ code: 'JOB_COMPLETED' });
    });

    it('checks it on a job left terminating too: resumed under its own ETag, refused under a stale one', () => {
      const terminating = { job: aJob({ state: 'terminating' }), etag: 'W/"t"' };
      expect(planTermination(terminating, 'r', NOW, { kind: 'ifMatch', etag: 'W/"t"' }).kind).toBe('resume');
      expect(planTermination(terminating, 'r', NOW, { kind: 'ifMatch', etag: 'W/"e"' })).toMatchObject({ code: 'CONDITION_NOT_MET' });
    });
  });

  it('completes a terminating job, keeping its reason', () => {
    const job = completedJob(aJob({ state: 'terminating', termination_reason: 'Because' }), NOW);
    expect(job).toMatchObject({ state: 'completed', previous_state: 'terminating', termination_reason: 'Because' });
  });
});

describe('sweptTask', () => {
  const snapshot = (task = aRunningTask(), jobStamp: 'active' | 'terminating' = 'active') => ({ task, jobStamp, lastRequestId: null, etag: 'W/"t"' });

  it.each([['active'], ['preparing'], ['running']] as const)('ends an %s task as failed with TaskEnded', (state) => {
    const task = sweptTask(snapshot(aRunningTask({ state })), NOW);
    expect(task).toMatchObject({ state: 'completed', previous_state: state, result: 'failure', exit_code: null, end_time: NOW.toISOString() });
    expect(task?.failure_info?.code).toBe('TaskEnded');
  });

  it('stamps a completed task without changing it', () => {
    expect(sweptTask(snapshot(aFailedTask()), NOW)).toEqual(aFailedTask());
    expect(sweptTask(snapshot(aSucceededTask()), NOW)).toEqual(aSucceededTask());
  });

  it('leaves a completed task that is already stamped alone', () => {
    expect(sweptTask(snapshot(aFailedTask(), 'terminating'), NOW)).toBeNull();
  });
});
