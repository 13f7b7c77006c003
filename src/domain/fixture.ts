import { z } from 'zod';

import { idKey, idSchema } from './ids';
import { jobSchema, type Job } from './job';
import { jobStateSchema, taskResultSchema, taskStateSchema } from './states';
import { failureInfoSchema, taskSchema, type FailureInfo, type Task } from './task';

/**
 * The fixture file of `npm run seed` (contract §6): jobs with their tasks, every field of §4
 * optional. Omitted fields get the defaults a freshly created Batch job or task would have, and the
 * whole file is checked before anything is written, so a file is loaded entirely or not at all.
 */

const taskShape = taskSchema.shape;
const jobShape = jobSchema.shape;

/** `etag` may be given (it is part of §4) but storage assigns it, so it is accepted and ignored. */
const ignoredEtag = z.string().optional();

export const fixtureTaskSchema = z.strictObject({
  id: idSchema,
  job_id: idSchema.optional(),
  state: taskStateSchema.default('active'),
  state_transition_time: taskShape.state_transition_time.optional(),
  previous_state: taskShape.previous_state.optional(),
  previous_state_transition_time: taskShape.previous_state_transition_time.optional(),
  created_at: taskShape.created_at.optional(),
  last_modified: taskShape.last_modified.optional(),
  etag: ignoredEtag,
  max_retry_count: taskShape.max_retry_count.default(0),
  retry_count: taskShape.retry_count.default(0),
  requeue_count: taskShape.requeue_count.default(0),
  exit_code: taskShape.exit_code.optional(),
  result: taskResultSchema.nullable().optional(),
  failure_info: failureInfoSchema.nullable().optional(),
  start_time: taskShape.start_time.optional(),
  end_time: taskShape.end_time.optional(),
  last_retry_time: taskShape.last_retry_time.optional(),
  reactivation_count: taskShape.reactivation_count.default(0),
});
export type FixtureTask = z.infer<typeof fixtureTaskSchema>;

export const fixtureJobSchema = z.strictObject({
  id: idSchema,
  state: jobStateSchema.default('active'),
  state_transition_time: jobShape.state_transition_time.optional(),
  previous_state: jobShape.previous_state.optional(),
  created_at: jobShape.created_at.optional(),
  last_modified: jobShape.last_modified.optional(),
  etag: ignoredEtag,
  termination_reason: jobShape.termination_reason.optional(),
  termination: jobShape.termination.optional(),
  tasks: z.array(fixtureTaskSchema).default([]),
});
export type FixtureJob = z.infer<typeof fixtureJobSchema>;

/** Job states in which every task must already be completed (a termination has swept them). */
const ENDED_JOB_STATES = new Set(['terminating', 'completed']);

export const fixtureFileSchema = z
  .strictObject({ jobs: z.array(fixtureJobSchema).min(1, 'must hold at least one job') })
  .superRefine((file, ctx) => {
    duplicates(file.jobs.map((job) => job.id)).forEach((index) => {
      ctx.addIssue({ code: 'custom', path: ['jobs', index, 'id'], message: 'names a job already given in this file (ids are case-insensitive)' });
    });
    file.jobs.forEach((job, j) => {
      duplicates(job.tasks.map((task) => task.id)).forEach((index) => {
        ctx.addIssue({ code: 'custom', path: ['jobs', j, 'tasks', index, 'id'], message: 'names a task already given in this job (ids are case-insensitive)' });
      });
      job.tasks.forEach((task, t) => {
        const at = (field: string): PropertyKey[] => ['jobs', j, 'tasks', t, field];
        if (task.job_id !== undefined && idKey(task.job_id) !== idKey(job.id)) {
          ctx.addIssue({ code: 'custom', path: at('job_id'), message: `must be the id of the job that holds the task (${job.id}) or be left out` });
        }
        if (ENDED_JOB_STATES.has(job.state) && task.state !== 'completed') {
          ctx.addIssue({ code: 'custom', path: at('state'), message: `must be completed: the job is ${job.state}, so every task of it has ended` });
        }
        for (const issue of taskInconsistencies(task)) ctx.addIssue({ code: 'custom', path: at(issue.field), message: issue.message });
      });
    });
  });
export type FixtureFile = z.infer<typeof fixtureFileSchema>;

/** Indexes of the entries whose id, case-insensitively, was already seen earlier in the list. */
function duplicates(ids: readonly string[]): number[] {
  const seen = new Set<string>();
  return ids.flatMap((id, index) => {
    const key = idKey(id);
    if (seen.has(key)) return [index];
    seen.add(key);
    return [];
  });
}

/** A task's outcome fields must agree with its state: only a completed task has a result. */
function taskInconsistencies(task: FixtureTask): { field: string; message: string }[] {
  const issues: { field: string; message: string }[] = [];
  if (task.state === 'completed') {
    if (task.result == null) issues.push({ field: 'result', message: 'is required for a completed task: success or failure' });
    if (task.result === 'success' && task.failure_info != null) issues.push({ field: 'failure_info', message: 'must be null for a task that succeeded' });
  } else {
    for (const field of ['result', 'exit_code', 'failure_info', 'end_time'] as const) {
      if (task[field] != null) issues.push({ field, message: `must be null or left out: the task is ${task.state}, not completed` });
    }
  }
  return issues;
}

/** A job and its tasks as the store keeps them, every default filled in. */
export interface LoadableJob {
  job: Job;
  tasks: Task[];
}

/**
 * Fills in the defaults. `now` is the time of omitted timestamps, so a seeded demo looks recent;
 * each later timestamp defaults to the one before it (created → state transition → last modified).
 */
export function loadableJobs(file: FixtureFile, now: string): LoadableJob[] {
  return file.jobs.map((given) => {
    const created = given.created_at ?? now;
    const transition = given.state_transition_time ?? created;
    const job: Job = {
      id: given.id,
      state: given.state,
      state_transition_time: transition,
      previous_state: given.previous_state ?? null,
      created_at: created,
      last_modified: given.last_modified ?? transition,
      termination_reason: given.termination_reason ?? (given.state === 'completed' ? 'UserTerminate' : null),
      termination: given.termination ?? null,
    };
    return { job, tasks: given.tasks.map((task) => loadableTask(task, job.id, now)) };
  });
}

function loadableTask(given: FixtureTask, jobId: string, now: string): Task {
  const created = given.created_at ?? now;
  const transition = given.state_transition_time ?? created;
  const completed = given.state === 'completed';
  const started = given.state === 'running' || completed;
  const result = given.result ?? null;
  const exitCode = given.exit_code ?? (result === 'success' ? 0 : null);
  return {
    id: given.id,
    job_id: given.job_id ?? jobId,
    state: given.state,
    state_transition_time: transition,
    previous_state: given.previous_state ?? null,
    previous_state_transition_time: given.previous_state_transition_time ?? null,
    created_at: created,
    last_modified: given.last_modified ?? transition,
    max_retry_count: given.max_retry_count,
    retry_count: given.retry_count,
    requeue_count: given.requeue_count,
    exit_code: exitCode,
    result,
    failure_info: given.failure_info !== undefined ? given.failure_info : defaultFailureInfo(result, exitCode),
    start_time: given.start_time ?? (started ? created : null),
    end_time: given.end_time ?? (completed ? transition : null),
    last_retry_time: given.last_retry_time ?? null,
    reactivation_count: given.reactivation_count,
  };
}

/** A failed task with an exit code and no failure info gets the one Batch would report. */
function defaultFailureInfo(result: Task['result'], exitCode: number | null): FailureInfo | null {
  if (result !== 'failure') return null;
  return exitCode === null
    ? { category: 'servererror', code: 'TaskFailed', message: 'The task failed.' }
    : { category: 'usererror', code: 'FailureExitCode', message: `The task exited with exit code ${exitCode}.` };
}

/** `jobs[0].tasks[2].state`: where in the file an issue is. */
export function fixturePath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : text === '' ? String(part) : `${text}.${String(part)}`), '');
}

export type FixtureParse = { ok: true; jobs: LoadableJob[] } | { ok: false; issues: string[] };

/** Checks a whole parsed file; the issues name their place (`jobs[0].tasks[2].state: …`). */
export function parseFixture(json: unknown, now: string): FixtureParse {
  const parsed = fixtureFileSchema.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      issues: parsed.error.issues.flatMap((issue) =>
        issue.code === 'unrecognized_keys'
          ? issue.keys.map((key) => `${fixturePath([...issue.path, key])}: is not a known field`)
          : [`${fixturePath(issue.path) || 'file'}: ${issue.message}`],
      ),
    };
  }
  return { ok: true, jobs: loadableJobs(parsed.data, now) };
}
