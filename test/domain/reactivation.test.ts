import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { Condition } from '../../src/domain/conditions';
import type { JobSnapshot } from '../../src/domain/job';
import { planReactivation, type ReactivationRequest } from '../../src/domain/reactivation';
import { jobStateSchema, taskResultSchema, taskStateSchema, type JobState } from '../../src/domain/states';
import type { TaskSnapshot } from '../../src/domain/task';
import { aFailedTask, aJob, T1 } from '../support/fixtures';

const NOW = new Date('2025-02-01T00:00:00.000Z');
const ETAG = 'W/"datetime\'2025-01-01T01%3A00%3A00.0000000Z\'"';

function request(overrides: Partial<ReactivationRequest> = {}): ReactivationRequest {
  return { condition: { kind: 'none' }, idempotencyKey: 'req-1', requestId: 'req-1', clientRequestId: null, trigger: 'http', eventId: 'event-1', now: NOW, ...overrides };
}

function snapshotOf(overrides: Partial<TaskSnapshot> = {}): TaskSnapshot {
  return { task: aFailedTask(), jobStamp: 'active', lastRequestId: null, etag: ETAG, ...overrides };
}

function jobIn(state: JobState): JobSnapshot {
  return { job: aJob({ state }), sweptThrough: null, etag: 'W/"job"' };
}

describe('planReactivation: what changes on the task', () => {
  it('resets a failed task as the contract says, field by field', () => {
    const plan = planReactivation(jobIn('active'), snapshotOf(), request());
    expect(plan.kind).toBe('change');
    if (plan.kind !== 'change') return;
    const before = aFailedTask();
    expect(plan.task).toEqual({
      ...before,
      state: 'active',
      previous_state: 'completed',
      previous_state_transition_time: before.state_transition_time,
      state_transition_time: NOW.toISOString(),
      last_modified: NOW.toISOString(),
      retry_count: 0,
      exit_code: null,
      result: null,
      failure_info: null,
      start_time: null,
      end_time: null,
      last_retry_time: null,
      reactivation_count: 1,
    });
    expect(plan.from.etag).toBe(ETAG);
  });

  it('records the attempt it resets, and who asked', () => {
    const plan = planReactivation(jobIn('active'), snapshotOf(), request({ clientRequestId: 'c-1', idempotencyKey: 'c-1', trigger: 'queue' }));
    if (plan.kind !== 'change') throw new Error(`expected a change, got ${plan.kind}`);
    expect(plan.history).toEqual({
      job_id: 'job-1',
      task_id: 'task-1',
      reactivated_at: NOW.toISOString(),
      reactivation_number: 1,
      event_id: 'event-1',
      request_id: 'req-1',
      client_request_id: 'c-1',
      trigger: 'queue',
      completed_at: T1,
      exit_code: 3,
      result: 'failure',
      failure_info: { category: 'usererror', code: 'FailureExitCode', message: 'exit 3' },
      retry_count: 2,
      max_retry_count: 2,
      start_time: aFailedTask().start_time,
      end_time: T1,
      last_retry_time: aFailedTask().last_retry_time,
    });
  });

  it('reactivates a task that failed before it ran (no exit code at all)', () => {
    const task = aFailedTask({ exit_code: null, start_time: null, failure_info: { category: 'usererror', code: 'BlobNotFound', message: null } });
    expect(planReactivation(jobIn('disabled'), snapshotOf({ task }), request()).kind).toBe('change');
  });

  it('answers a replay, not a refusal, when this request already reactivated the task', () => {
    const current = snapshotOf({ task: aFailedTask({ state: 'active' }), lastRequestId: 'req-1' });
    expect(planReactivation(jobIn('active'), current, request())).toEqual({ kind: 'replay', current });
  });
});

/** The contract's table, restated independently of the implementation, in its order of checks. */
function expectedAnswer(
  jobState: JobState | null,
  stamp: JobState,
  task: { state: string; result: string | null } | null,
  conditionHolds: boolean,
  replay: boolean,
): string {
  if (jobState === null) return 'JOB_NOT_FOUND';
  if (task === null) return 'TASK_NOT_FOUND';
  if (replay) return 'replay';
  if (!conditionHolds) return 'CONDITION_NOT_MET';
  const states = [jobState, stamp];
  if (states.includes('deleting')) return 'JOB_BEING_DELETED';
  if (states.includes('completed')) return 'JOB_COMPLETED';
  if (states.includes('terminating')) return 'JOB_BEING_TERMINATED';
  if (task.state !== 'completed') return 'TASK_NOT_COMPLETED';
  if (task.result === 'success') return 'TASK_SUCCEEDED';
  return 'change';
}

const conditionArb: fc.Arbitrary<{ condition: Condition; holds: boolean }> = fc.oneof(
  fc.constant({ condition: { kind: 'none' }, holds: true }),
  fc.constant({ condition: { kind: 'ifMatch', etag: ETAG }, holds: true }),
  fc.constant({ condition: { kind: 'ifMatch', etag: '*' }, holds: true }),
  fc.constant({ condition: { kind: 'ifMatch', etag: 'W/"other"' }, holds: false }),
  fc.constant({ condition: { kind: 'ifNoneMatch', etag: 'W/"other"' }, holds: true }),
  fc.constant({ condition: { kind: 'ifNoneMatch', etag: ETAG }, holds: false }),
  fc.constant({ condition: { kind: 'ifNoneMatch', etag: '*' }, holds: false }),
  // The task was last modified at T1 (01:00:00); HTTP dates compare at whole seconds.
  fc.constant({ condition: { kind: 'ifModifiedSince', date: new Date('2025-01-01T00:59:59Z') }, holds: true }),
  fc.constant({ condition: { kind: 'ifModifiedSince', date: new Date(T1) }, holds: false }),
  fc.constant({ condition: { kind: 'ifUnmodifiedSince', date: new Date(T1) }, holds: true }),
  fc.constant({ condition: { kind: 'ifUnmodifiedSince', date: new Date('2025-01-01T00:59:59Z') }, holds: false }),
);

describe('planReactivation: every combination gives the contract answer', () => {
  it('job state × stamp × task state × result × condition × replay', () => {
    fc.assert(
      fc.property(
        fc.option(fc.constantFrom(...jobStateSchema.options), { nil: null }),
        fc.constantFrom<JobState>('active', 'terminating'),
        fc.option(fc.record({ state: fc.constantFrom(...taskStateSchema.options), result: fc.option(fc.constantFrom(...taskResultSchema.options), { nil: null }) }), { nil: null }),
        conditionArb,
        fc.boolean(),
        (jobState, stamp, taskShape, { condition, holds }, replay) => {
          const snapshot = taskShape === null ? null : snapshotOf({ task: aFailedTask(taskShape), jobStamp: stamp, lastRequestId: replay ? 'req-1' : 'someone-else' });
          const plan = planReactivation(jobState === null ? null : jobIn(jobState), snapshot, request({ condition }));
          const answer = plan.kind === 'rejection' ? plan.code : plan.kind;
          expect(answer).toBe(expectedAnswer(jobState, stamp, taskShape, holds, replay));
          if (plan.kind === 'rejection') {
            expect(plan).not.toHaveProperty('task');
            expect(plan.message.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('never changes a task into anything but an active task with its counters reset', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer({ min: -1, max: 100 }), fc.integer({ min: -2_147_483_648, max: 2_147_483_647 }), (retries, max, exitCode) => {
        const task = aFailedTask({ retry_count: retries, max_retry_count: max, exit_code: exitCode === 0 ? 1 : exitCode });
        const plan = planReactivation(jobIn('active'), snapshotOf({ task }), request());
        if (plan.kind !== 'change') throw new Error('a failed task in an active job must be reactivatable');
        expect(plan.task).toMatchObject({ state: 'active', retry_count: 0, max_retry_count: max, exit_code: null, result: null, failure_info: null });
        expect(plan.history.retry_count).toBe(retries);
      }),
    );
  });
});
