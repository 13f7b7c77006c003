import { describe, expect, it } from 'vitest';

import { completedJob, planTermination, sweptTask } from '../../src/domain/termination';
import { jobStateSchema } from '../../src/domain/states';
import { aFailedTask, aJob, aRunningTask, aSucceededTask } from '../support/fixtures';

const NOW = new Date('2025-03-01T00:00:00.000Z');

describe('planTermination', () => {
  it.each(jobStateSchema.options)('from a %s job', (state) => {
    const snapshot = { job: aJob({ state }), etag: 'W/"e"' };
    const plan = planTermination(snapshot, 'Because', NOW);
    const expected: Record<string, string> = { completed: 'JOB_COMPLETED', deleting: 'JOB_BEING_DELETED', terminating: 'resume' };
    expect(plan.kind === 'rejection' ? plan.code : plan.kind).toBe(expected[state] ?? 'start');
    if (plan.kind === 'start') {
      expect(plan.job).toMatchObject({ state: 'terminating', previous_state: state, termination_reason: 'Because', state_transition_time: NOW.toISOString() });
    }
  });

  it('refuses a missing job', () => {
    expect(planTermination(null, 'x', NOW)).toMatchObject({ kind: 'rejection', code: 'JOB_NOT_FOUND' });
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
