import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { parseFixture } from '../../src/domain/fixture';

const NOW = '2026-01-01T00:00:00.000Z';

function issuesOf(json: unknown): string[] {
  const parsed = parseFixture(json, NOW);
  if (parsed.ok) throw new Error('expected the fixture to be refused');
  return parsed.issues;
}

describe('the fixture file of npm run seed', () => {
  it('fills in what a freshly created job and task would have', () => {
    const parsed = parseFixture({ jobs: [{ id: 'Job-A', tasks: [{ id: 't1' }, { id: 't2', state: 'completed', result: 'failure', exit_code: 4 }] }] }, NOW);
    if (!parsed.ok) throw new Error(parsed.issues.join('\n'));
    const [{ job, tasks } = { job: undefined, tasks: [] }] = parsed.jobs;
    expect(job).toEqual({ id: 'Job-A', state: 'active', state_transition_time: NOW, previous_state: null, created_at: NOW, last_modified: NOW, termination_reason: null, termination: null });
    expect(tasks[0]).toMatchObject({ id: 't1', job_id: 'Job-A', state: 'active', max_retry_count: 0, retry_count: 0, result: null, exit_code: null, start_time: null, end_time: null, reactivation_count: 0 });
    expect(tasks[1]).toMatchObject({
      state: 'completed',
      result: 'failure',
      exit_code: 4,
      failure_info: { category: 'usererror', code: 'FailureExitCode', message: 'The task exited with exit code 4.' },
      end_time: NOW,
    });
  });

  it('keeps every field that is given', () => {
    const task = {
      id: 't1', job_id: 'job-1', state: 'completed', state_transition_time: '2025-01-01T01:00:00.000Z', previous_state: 'running',
      previous_state_transition_time: '2025-01-01T00:30:00.000Z', created_at: '2025-01-01T00:00:00.000Z', last_modified: '2025-01-01T02:00:00.000Z',
      max_retry_count: -1, retry_count: 3, requeue_count: 1, exit_code: null, result: 'failure',
      failure_info: { category: 'servererror', code: 'NodeLost', message: null }, start_time: '2025-01-01T00:30:00.000Z',
      end_time: '2025-01-01T01:00:00.000Z', last_retry_time: '2025-01-01T00:40:00.000Z', reactivation_count: 2,
    };
    const parsed = parseFixture({ jobs: [{ id: 'job-1', tasks: [{ ...task, etag: 'ignored' }] }] }, NOW);
    expect(parsed.ok && parsed.jobs[0]?.tasks[0]).toEqual(task);
  });

  it('names every issue by its place in the file', () => {
    expect(issuesOf({ jobs: [{ id: 'job-1', tasks: [{ id: 'a' }, { id: 'b' }, { id: 'c', state: 'sleeping' }] }, { id: 'bad id!' }] })).toEqual([
      'jobs[0].tasks[2].state: Invalid option: expected one of "active"|"preparing"|"running"|"completed"',
      'jobs[1].id: may contain only letters, digits, hyphens and underscores',
    ]);
    expect(issuesOf({ jobs: [{ id: 'job-1', colour: 'red' }] })).toEqual(['jobs[0].colour: is not a known field']);
    expect(issuesOf({})).toEqual(['jobs: Invalid input: expected array, received undefined']);
  });

  it('refuses ids that differ only in case, as the store cannot tell them apart', () => {
    expect(issuesOf({ jobs: [{ id: 'job-1', tasks: [{ id: 'Task-1' }, { id: 'task-1' }] }, { id: 'JOB-1' }] })).toEqual([
      'jobs[1].id: names a job already given in this file (ids are case-insensitive)',
      'jobs[0].tasks[1].id: names a task already given in this job (ids are case-insensitive)',
    ]);
  });

  it('refuses a completed or terminating job that holds a task not completed, and outcomes that contradict a state', () => {
    expect(issuesOf({ jobs: [{ id: 'j', state: 'completed', tasks: [{ id: 't', state: 'running' }] }] })).toEqual([
      'jobs[0].tasks[0].state: must be completed: the job is completed, so every task of it has ended',
    ]);
    expect(issuesOf({ jobs: [{ id: 'j', state: 'terminating', tasks: [{ id: 't' }] }] })).toHaveLength(1);
    expect(issuesOf({ jobs: [{ id: 'j', tasks: [{ id: 't', state: 'completed' }, { id: 'u', state: 'running', exit_code: 1 }, { id: 'v', job_id: 'other' }] }] })).toEqual([
      'jobs[0].tasks[0].result: is required for a completed task: success or failure',
      'jobs[0].tasks[1].exit_code: must be null or left out: the task is running, not completed',
      'jobs[0].tasks[2].job_id: must be the id of the job that holds the task (j) or be left out',
    ]);
  });

  it('accepts the shipped demo file', () => {
    const parsed = parseFixture(JSON.parse(readFileSync('fixtures/demo.json', 'utf8')), NOW);
    expect(parsed.ok && parsed.jobs.map(({ job, tasks }) => [job.id, job.state, tasks.map((task) => `${task.id}:${task.state}:${String(task.result)}`)])).toEqual([
      ['job-1', 'active', ['task-failed:completed:failure', 'task-succeeded:completed:success', 'task-running:running:null']],
      ['job-2', 'completed', ['task-failed:completed:failure']],
    ]);
  });
});
