import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';

import { HttpRequest, HttpResponse, InvocationContext, type HttpHandler } from '@azure/functions';

import type { AppDependencies } from '../src/compose';
import type { Job } from '../src/domain/job';
import type { Task } from '../src/domain/task';
import { ERROR_CODES, type ErrorCode } from '../src/http/errorCodes';
import { getJobHandler } from '../src/functions/getJob';
import { getTaskHandler } from '../src/functions/getTask';
import { reactivateTaskHandler } from '../src/functions/reactivateTask';
import { terminateJobHandler } from '../src/functions/terminateJob';
import type { FixtureTable } from '../src/storage/fixtureLoader';

/**
 * A soak of mixed operations through the route handlers, in process, with real HttpRequest and
 * InvocationContext objects, followed by a check of every job and task against every answer given.
 * `npm run soak` runs it large against an Azurite it starts; a vitest test runs it small.
 */

export interface SoakOptions {
  operations: number;
  jobs: number;
  tasksPerJob: number;
  concurrency: number;
  /** Seeds the choice of operations, so a run can be repeated. */
  seed: number;
}

export type OperationKind = 'reactivate' | 'repeat' | 'getTask' | 'getJob' | 'terminate';

/** One answer as the caller saw it. */
export interface Answer {
  kind: OperationKind;
  jobId: string;
  taskId: string | null;
  key: string | null;
  status: number;
  code: string;
  data: Record<string, unknown> | undefined;
  started: number;
  ended: number;
}

export interface SoakReport {
  options: SoakOptions;
  durationMs: number;
  operationsPerSecond: number;
  operations: Record<OperationKind, number>;
  answers: Record<OperationKind, Record<string, number>>;
  memoryMiB: { start: MemoryFigures; end: MemoryFigures };
  checks: number;
  violations: string[];
}

interface MemoryFigures {
  heapUsed: number;
  rss: number;
}

// ---- the seeded world ---------------------------------------------------------------------------

const T0 = '2025-01-01T00:00:00.000Z';
const T1 = '2025-01-01T01:00:00.000Z';

export interface SeededJob {
  job: Job;
  tasks: Task[];
}

function seededTask(jobId: string, n: number, kind: 'failed' | 'succeeded' | 'running'): Task {
  const completed = kind !== 'running';
  return {
    id: `Task-${n}`,
    job_id: jobId,
    state: completed ? 'completed' : 'running',
    state_transition_time: T1,
    previous_state: completed ? 'running' : 'active',
    previous_state_transition_time: T0,
    created_at: T0,
    last_modified: T1,
    max_retry_count: 2,
    retry_count: 2,
    requeue_count: 0,
    exit_code: kind === 'failed' ? 3 : kind === 'succeeded' ? 0 : null,
    result: kind === 'failed' ? 'failure' : kind === 'succeeded' ? 'success' : null,
    failure_info: kind === 'failed' ? { category: 'usererror', code: 'FailureExitCode', message: 'exit 3' } : null,
    start_time: T0,
    end_time: completed ? T1 : null,
    last_retry_time: T0,
    reactivation_count: 0,
  };
}

/** Jobs with 70 % failed tasks, 15 % succeeded and 15 % running. */
export async function seedJobs(table: FixtureTable, options: SoakOptions, random: () => number): Promise<SeededJob[]> {
  const run = randomUUID().slice(0, 6);
  const jobs: SeededJob[] = [];
  for (let j = 0; j < options.jobs; j += 1) {
    const id = `Soak-${run}-${j}`;
    const job: Job = { id, state: 'active', state_transition_time: T0, previous_state: null, created_at: T0, last_modified: T0, termination_reason: null, termination: null };
    const tasks = Array.from({ length: options.tasksPerJob }, (_, n) => {
      const roll = random();
      return seededTask(id, n, roll < 0.7 ? 'failed' : roll < 0.85 ? 'succeeded' : 'running');
    });
    await table.loadJob(job, tasks);
    jobs.push({ job, tasks });
  }
  return jobs;
}

// ---- the workload -------------------------------------------------------------------------------

/** A small seeded generator (mulberry32): the same seed gives the same choices. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Ids are case-insensitive: callers spell them as they like. */
function spelled(id: string, random: () => number): string {
  const roll = random();
  return roll < 0.1 ? id.toUpperCase() : roll < 0.2 ? id.toLowerCase() : id;
}

async function call(handler: HttpHandler, method: string, path: string, params: Record<string, string>, headers: Record<string, string> = {}) {
  const request = new HttpRequest({ method, url: `http://localhost:7071${path}`, params, headers });
  const context = new InvocationContext({ invocationId: randomUUID(), functionName: 'soak', logHandler: () => undefined });
  const response = new HttpResponse(await handler(request, context));
  const body = (await response.json()) as { success: boolean; data?: Record<string, unknown>; error?: { code: string } };
  return { status: response.status, code: body.success ? 'OK' : (body.error?.code ?? 'NO_CODE'), data: body.data };
}

export async function runWorkload(deps: AppDependencies, jobs: SeededJob[], options: SoakOptions, random: () => number): Promise<Answer[]> {
  const handlers = {
    reactivate: reactivateTaskHandler(deps),
    getTask: getTaskHandler(deps),
    getJob: getJobHandler(deps),
    terminate: terminateJobHandler(deps),
  };
  // About 60 % of the jobs are terminated during the run, at random moments.
  const terminateShare = Math.min(0.2, (0.6 * options.jobs) / options.operations);
  const answers: Answer[] = [];
  const reactivations: Answer[] = [];
  let issued = 0;

  const one = async (): Promise<void> => {
    const { job, tasks } = jobs[Math.floor(random() * jobs.length)]!;
    const task = tasks[Math.floor(random() * tasks.length)]!;
    const roll = random();
    const started = performance.now();
    let answer: Omit<Answer, 'started' | 'ended'>;
    if (roll < terminateShare) {
      const jobId = spelled(job.id, random);
      const result = await call(handlers.terminate, 'POST', `/jobs/${jobId}/terminate`, { jobId });
      answer = { kind: 'terminate', jobId: job.id, taskId: null, key: null, ...result };
    } else if (roll < 0.45 || (roll < 0.65 && reactivations.length === 0)) {
      const key = randomUUID();
      const [jobId, taskId] = [spelled(job.id, random), spelled(task.id, random)];
      const result = await call(handlers.reactivate, 'POST', `/jobs/${jobId}/tasks/${taskId}/reactivate`, { jobId, taskId }, { 'client-request-id': key });
      answer = { kind: 'reactivate', jobId: job.id, taskId: task.id, key, ...result };
    } else if (roll < 0.65) {
      const earlier = reactivations[Math.floor(random() * reactivations.length)]!;
      const [jobId, taskId] = [spelled(earlier.jobId, random), spelled(earlier.taskId ?? '', random)];
      const result = await call(handlers.reactivate, 'POST', `/jobs/${jobId}/tasks/${taskId}/reactivate`, { jobId, taskId }, { 'client-request-id': earlier.key ?? '' });
      answer = { kind: 'repeat', jobId: earlier.jobId, taskId: earlier.taskId, key: earlier.key, ...result };
    } else if (roll < 0.87) {
      const [jobId, taskId] = [spelled(job.id, random), spelled(task.id, random)];
      const result = await call(handlers.getTask, 'GET', `/jobs/${jobId}/tasks/${taskId}`, { jobId, taskId });
      answer = { kind: 'getTask', jobId: job.id, taskId: task.id, key: null, ...result };
    } else {
      const jobId = spelled(job.id, random);
      const result = await call(handlers.getJob, 'GET', `/jobs/${jobId}`, { jobId });
      answer = { kind: 'getJob', jobId: job.id, taskId: null, key: null, ...result };
    }
    const recorded = { ...answer, started, ended: performance.now() };
    answers.push(recorded);
    if (recorded.kind === 'reactivate') reactivations.push(recorded);
  };

  const worker = async (): Promise<void> => {
    while (issued < options.operations) {
      issued += 1;
      await one();
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return answers;
}

// ---- the check ----------------------------------------------------------------------------------

/**
 * Every invariant the service promises, over the final state of every job and task and every
 * answer given. Returns the violations (empty when all hold) and how many checks ran.
 */
export async function checkInvariants(table: FixtureTable, jobs: SeededJob[], answers: Answer[]): Promise<{ checks: number; violations: string[] }> {
  const violations: string[] = [];
  let checks = 0;
  const check = (holds: boolean, message: () => string): void => {
    checks += 1;
    if (!holds) violations.push(message());
  };

  for (const answer of answers) {
    const known = answer.code === 'OK' ? answer.status === 200 : answer.code in ERROR_CODES && ERROR_CODES[answer.code as ErrorCode].status === answer.status;
    check(known, () => `${answer.kind} ${answer.jobId}/${String(answer.taskId)} answered ${answer.status} ${answer.code}: not a contract answer`);
    check(answer.status < 500, () => `${answer.kind} ${answer.jobId}/${String(answer.taskId)} answered ${answer.status} ${answer.code}`);
  }

  const byKey = new Map<string, Answer[]>();
  for (const answer of answers) {
    if (answer.key === null) continue;
    byKey.set(answer.key, [...(byKey.get(answer.key) ?? []), answer]);
  }
  for (const [key, given] of byKey) {
    const successes = given.filter((answer) => answer.code === 'OK');
    // In this workload nothing can make a refused request succeed later, and a success is always
    // replayed: a key's answers are all successes or all refusals.
    check(successes.length === 0 || successes.length === given.length, () => `key ${key}: ${successes.length} of ${given.length} answers succeeded (${given.map((a) => a.code).join(', ')})`);
    const counts = new Set(successes.map((answer) => answer.data?.reactivation_count));
    check(counts.size <= 1, () => `key ${key}: replays answered different reactivation counts ${[...counts].join(', ')}`);
  }

  for (const { job, tasks } of jobs) {
    const stored = await table.readJob(job.id);
    const terminations = answers.filter((answer) => answer.kind === 'terminate' && answer.jobId === job.id);
    const firstTermination = Math.min(...terminations.map((answer) => answer.started));
    check(stored !== null, () => `job ${job.id} is gone`);
    const expectedState = terminations.length > 0 ? 'completed' : 'active';
    check(stored?.job.state === expectedState, () => `job ${job.id} is ${String(stored?.job.state)}, expected ${expectedState}`);
    for (const answer of terminations) {
      check(['OK', 'JOB_COMPLETED'].includes(answer.code), () => `terminate ${job.id} answered ${answer.code}`);
    }
    check(terminations.length === 0 || terminations.some((answer) => answer.code === 'OK'), () => `job ${job.id}: no termination succeeded`);
    for (const answer of answers) {
      if (answer.jobId !== job.id || !['JOB_COMPLETED', 'JOB_BEING_TERMINATED'].includes(answer.code) || answer.kind === 'terminate') continue;
      check(answer.ended > firstTermination, () => `${answer.kind} of ${job.id} answered ${answer.code} before any termination began`);
    }

    const storedTasks = new Map((await table.listTasks(job.id)).map((snapshot) => [snapshot.task.id, snapshot]));
    check(storedTasks.size === tasks.length, () => `job ${job.id} has ${storedTasks.size} tasks, seeded ${tasks.length}`);
    for (const seeded of tasks) {
      const snapshot = storedTasks.get(seeded.id);
      const history = await table.listHistory(job.id, seeded.id);
      const successes = new Set(
        answers.filter((a) => a.jobId === job.id && a.taskId === seeded.id && (a.kind === 'reactivate' || a.kind === 'repeat') && a.code === 'OK').map((a) => a.key),
      );
      const where = `task ${job.id}/${seeded.id}`;
      check(snapshot !== undefined, () => `${where} is gone`);
      if (snapshot === undefined) continue;
      const { task } = snapshot;
      check(history.length === successes.size, () => `${where}: ${history.length} history records for ${successes.size} distinct successful requests`);
      check(task.reactivation_count === history.length, () => `${where}: reactivation_count ${task.reactivation_count}, history ${history.length}`);
      for (const key of successes) {
        check(history.filter((record) => record.client_request_id === key).length === 1, () => `${where}: request ${String(key)} succeeded but has no single history record`);
      }
      for (const record of history) {
        check(record.client_request_id !== null && successes.has(record.client_request_id), () => `${where}: history record of ${String(record.client_request_id)} that no caller was told succeeded`);
      }
      check(successes.size === 0 || seeded.result === 'failure', () => `${where}: a ${String(seeded.result)} task was reactivated`);
      if (expectedState === 'completed') {
        check(task.state === 'completed' && snapshot.jobStamp === 'terminating', () => `${where} is ${task.state} (stamp ${snapshot.jobStamp}) in a completed job`);
        const wasEnded = successes.size > 0 || seeded.state !== 'completed';
        if (wasEnded) check(task.result === 'failure' && task.failure_info?.code === 'TaskEnded', () => `${where} was not ended by the termination`);
        else check(isDeepStrictEqual(task, seeded), () => `${where} changed although nothing should have changed it`);
      } else if (successes.size > 0) {
        check(task.state === 'active' && task.retry_count === 0 && task.failure_info === null, () => `${where} was reactivated but is ${task.state}`);
      } else {
        check(isDeepStrictEqual(task, seeded), () => `${where} changed although no reactivation succeeded`);
      }
    }
  }
  // With no fault injected, every reactivation's event reached the events queue at once and its
  // outbox row was marked: none is left for a delayed check to send.
  let unpublished = 0;
  for (const job of jobs) unpublished += (await table.unpublishedEvents(job.job.id)).length;
  check(unpublished === 0, () => `${unpublished} reactivation events left unpublished`);
  return { checks, violations };
}

// ---- all of it ----------------------------------------------------------------------------------

function memory(): MemoryFigures {
  const usage = process.memoryUsage();
  const mib = (bytes: number): number => Math.round((bytes / 1024 / 1024) * 10) / 10;
  return { heapUsed: mib(usage.heapUsed), rss: mib(usage.rss) };
}

export async function runSoak(deps: AppDependencies, table: FixtureTable, options: SoakOptions): Promise<SoakReport> {
  const random = seededRandom(options.seed);
  const jobs = await seedJobs(table, options, random);
  const start = memory();
  const started = performance.now();
  const answers = await runWorkload(deps, jobs, options, random);
  const durationMs = Math.round(performance.now() - started);
  // The outbox rows are marked after the answers, off their critical path.
  await deps.outbox.settled();
  const end = memory();
  const { checks, violations } = await checkInvariants(table, jobs, answers);

  const kinds: OperationKind[] = ['reactivate', 'repeat', 'getTask', 'getJob', 'terminate'];
  const operations = Object.fromEntries(kinds.map((kind) => [kind, answers.filter((a) => a.kind === kind).length])) as Record<OperationKind, number>;
  const tally = Object.fromEntries(kinds.map((kind) => [kind, {}])) as Record<OperationKind, Record<string, number>>;
  for (const answer of answers) tally[answer.kind][answer.code] = (tally[answer.kind][answer.code] ?? 0) + 1;
  return {
    options,
    durationMs,
    operationsPerSecond: Math.round((answers.length / durationMs) * 1000),
    operations,
    answers: tally,
    memoryMiB: { start, end },
    checks,
    violations,
  };
}
