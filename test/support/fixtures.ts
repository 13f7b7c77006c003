import type { Job } from '../../src/domain/job';
import type { Task } from '../../src/domain/task';

export const T0 = '2025-01-01T00:00:00.000Z';
export const T1 = '2025-01-01T01:00:00.000Z';

export function aJob(overrides: Partial<Job> = {}): Job {
  return {
    id: 'job-1',
    state: 'active',
    state_transition_time: T0,
    previous_state: null,
    created_at: T0,
    last_modified: T0,
    termination_reason: null,
    termination: null,
    ...overrides,
  };
}

/** A task that failed with exit code 3 after using up its retries: the reactivatable case. */
export function aFailedTask(overrides: Partial<Task> = {}): Task {
  return {
    id: 'task-1',
    job_id: 'job-1',
    state: 'completed',
    state_transition_time: T1,
    previous_state: 'running',
    previous_state_transition_time: T0,
    created_at: T0,
    last_modified: T1,
    max_retry_count: 2,
    retry_count: 2,
    requeue_count: 1,
    exit_code: 3,
    result: 'failure',
    failure_info: { category: 'usererror', code: 'FailureExitCode', message: 'exit 3' },
    start_time: T0,
    end_time: T1,
    last_retry_time: T0,
    reactivation_count: 0,
    ...overrides,
  };
}

export function aRunningTask(overrides: Partial<Task> = {}): Task {
  return aFailedTask({
    state: 'running',
    previous_state: 'active',
    exit_code: null,
    result: null,
    failure_info: null,
    end_time: null,
    ...overrides,
  });
}

export function aSucceededTask(overrides: Partial<Task> = {}): Task {
  return aFailedTask({ exit_code: 0, result: 'success', failure_info: null, ...overrides });
}
