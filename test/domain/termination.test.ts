import { describe, expect, it } from 'vitest';

import { NO_CONDITION, type Condition } from '../../src/domain/conditions';
import { afterPage, planTermination, sweepStalled, sweptTask } from '../../src/domain/termination';
import { jobStateSchema } from '../../src/domain/states';
import { aFailedTask, aJob, aRunningTask, aSucceededTask } from '../support/fixtures';

const NOW = new Date('2025-03-01T00:00:00.000Z');
const STALLED_AFTER_MS = 300_000;
const ask = (reason: string, condition: Condition = NO_CONDITION) => ({ reason, condition });

describe('planTermination', () => {
  it.each(jobStateSchema.options)('from a %s job', (state) => {
    const snapshot = { job: aJob({ state }), sweptThrough: null, etag: 'W/"e"' };
    const plan = planTermination(snapshot, ask('Because'), NOW, STALLED_AFTER_MS);
    const expected: Record<string, string> = { completed: 'JOB_COMPLETED', deleting: 'JOB_BEING_DELETED', terminating: 'underWay' };
    expect(plan.kind === 'rejection' ? plan.code : plan.kind).toBe(expected[state] ?? 'start');
    if (plan.kind === 'start') {
      expect(plan.row.job).toMatchObject({ state: 'terminating', previous_state: state, termination_reason: 'Because', state_transition_time: NOW.toISOString() });
      // The sweep begins at the first task, and the job says when it began.
      expect(plan.row.sweptThrough).toBeNull();
      expect(plan.row.job.termination).toEqual({ started_at: NOW.toISOString(), tasks_swept: 0, last_progress_at: NOW.toISOString() });
    }
  });

  it('refuses a missing job', () => {
    expect(planTermination(null, ask('x', { kind: 'ifMatch', etag: '*' }), NOW, STALLED_AFTER_MS)).toMatchObject({ kind: 'rejection', code: 'JOB_NOT_FOUND' });
  });

  describe('under a condition on the job', () => {
    // The job changed last at T0 = 2025-01-01T00:00:00Z, and has ETag W/"e".
    const snapshot = { job: aJob(), sweptThrough: null, etag: 'W/"e"' };
    const at = (iso: string) => new Date(iso);

    it.each([
      ['If-Match the current ETag', { kind: 'ifMatch', etag: 'W/"e"' }],
      ['If-Match *', { kind: 'ifMatch', etag: '*' }],
      ['If-None-Match another ETag', { kind: 'ifNoneMatch', etag: 'W/"other"' }],
      ['If-Unmodified-Since its last change', { kind: 'ifUnmodifiedSince', date: at('2025-01-01T00:00:00Z') }],
      ['If-Modified-Since a second before it', { kind: 'ifModifiedSince', date: at('2024-12-31T23:59:59Z') }],
    ] as const)('starts when it holds: %s', (_, condition) => {
      expect(planTermination(snapshot, ask('r', condition), NOW, STALLED_AFTER_MS).kind).toBe('start');
    });

    it.each([
      ['If-Match a stale ETag', { kind: 'ifMatch', etag: 'W/"stale"' }],
      ['If-None-Match the current ETag', { kind: 'ifNoneMatch', etag: 'W/"e"' }],
      ['If-None-Match *', { kind: 'ifNoneMatch', etag: '*' }],
      ['If-Unmodified-Since a second before its last change', { kind: 'ifUnmodifiedSince', date: at('2024-12-31T23:59:59Z') }],
      ['If-Modified-Since its last change', { kind: 'ifModifiedSince', date: at('2025-01-01T00:00:00Z') }],
    ] as const)('refuses CONDITION_NOT_MET, a write refusing every unmet condition alike: %s', (_, condition) => {
      expect(planTermination(snapshot, ask('r', condition), NOW, STALLED_AFTER_MS)).toEqual({ kind: 'rejection', code: 'CONDITION_NOT_MET', message: 'The condition given in the request headers is not met by the job.' });
    });

    it('checks the condition before the state: a completed job with a stale ETag is 412, with its own 409', () => {
      const completed = { job: aJob({ state: 'completed' }), sweptThrough: null, etag: 'W/"e"' };
      expect(planTermination(completed, ask('r', { kind: 'ifMatch', etag: 'W/"stale"' }), NOW, STALLED_AFTER_MS)).toMatchObject({ code: 'CONDITION_NOT_MET' });
      expect(planTermination(completed, ask('r', { kind: 'ifMatch', etag: 'W/"e"' }), NOW, STALLED_AFTER_MS)).toMatchObject({ code: 'JOB_COMPLETED' });
    });

    it('checks it on a job already terminating too: found under way under its own ETag, refused under a stale one', () => {
      const terminating = { job: aJob({ state: 'terminating' }), sweptThrough: null, etag: 'W/"t"' };
      expect(planTermination(terminating, ask('r', { kind: 'ifMatch', etag: 'W/"t"' }), NOW, STALLED_AFTER_MS).kind).toBe('underWay');
      expect(planTermination(terminating, ask('r', { kind: 'ifMatch', etag: 'W/"e"' }), NOW, STALLED_AFTER_MS)).toMatchObject({ code: 'CONDITION_NOT_MET' });
    });
  });

  it('finds a sweep stalled when no progress is recorded, or none for longer than the safety delay', () => {
    const at = (ms: number) => new Date(NOW.getTime() - ms).toISOString();
    const progress = (ms: number) => ({ started_at: at(ms), tasks_swept: 0, last_progress_at: at(ms) });
    expect(sweepStalled(aJob({ state: 'terminating' }), NOW, STALLED_AFTER_MS)).toBe(true);
    expect(sweepStalled(aJob({ state: 'terminating', termination: progress(STALLED_AFTER_MS - 1) }), NOW, STALLED_AFTER_MS)).toBe(false);
    expect(sweepStalled(aJob({ state: 'terminating', termination: progress(STALLED_AFTER_MS + 1) }), NOW, STALLED_AFTER_MS)).toBe(true);
    const plan = planTermination({ job: aJob({ state: 'terminating', termination: progress(1_000) }), sweptThrough: 'a', etag: 'e' }, ask('x'), NOW, STALLED_AFTER_MS);
    expect(plan).toMatchObject({ kind: 'underWay', stalled: false });
  });
});

describe('afterPage', () => {
  const started = { started_at: '2025-02-28T00:00:00.000Z', tasks_swept: 4, last_progress_at: '2025-02-28T00:00:01.000Z' };
  const row = { job: aJob({ state: 'terminating', termination_reason: 'Because', termination: started }), sweptThrough: 't3' };

  it('moves the cursor past a page and counts its rows, the job still terminating', () => {
    const next = afterPage(row, { rows: 3, lastKey: 't6', last: false }, NOW);
    expect(next.sweptThrough).toBe('t6');
    expect(next.job).toMatchObject({ state: 'terminating', last_modified: NOW.toISOString(), termination: { started_at: started.started_at, tasks_swept: 7, last_progress_at: NOW.toISOString() } });
  });

  it('completes the job after the last page, keeping its reason; an empty last page leaves the cursor', () => {
    const next = afterPage(row, { rows: 0, lastKey: null, last: true }, NOW);
    expect(next.sweptThrough).toBe('t3');
    expect(next.job).toMatchObject({ state: 'completed', previous_state: 'terminating', termination_reason: 'Because', termination: { tasks_swept: 4 } });
  });

  it('starts the progress of a job left terminating without any, from when it began terminating', () => {
    const next = afterPage({ job: aJob({ state: 'terminating', state_transition_time: started.started_at }), sweptThrough: null }, { rows: 2, lastKey: 'b', last: false }, NOW);
    expect(next.job.termination).toEqual({ started_at: started.started_at, tasks_swept: 2, last_progress_at: NOW.toISOString() });
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
