import { randomUUID } from 'node:crypto';

import type { AppDependencies } from '../src/compose';
import { reactivateFailedTasksBodySchema } from '../src/domain/bulkRequest';
import { Deadline } from '../src/service/deadline';
import { reactivateFailedTasks } from '../src/service/reactivateFailedTasks';
import { sweepJob, workerDeadline } from '../src/service/sweepJob';
import { terminateJob } from '../src/service/terminateJob';
import { decodeMessage } from '../src/storage/messageQueue';
import { countStorageRequests } from '../src/storage/requestMeter';
import { round } from './stats';
import { activeTask, failedTask, job, type World } from './world';

/**
 * At scale, what the background termination and the paged bulk call cost. Azurite's in-memory
 * store slows down as a partition grows, which Table Storage does not: request counts are the
 * figures to read; times say how this machine's Azurite fared.
 */

export interface BackgroundTermination {
  tasks: number;
  /** What the call answered: 202 when it was cut short, as intended. */
  answered: string;
  callMs: number;
  /** Task rows the call itself swept before it answered. */
  sweptByCall: number;
  /** From the call to the job row `completed`, with no further call: the sweep messages did the rest. */
  untilCompletedMs: number;
  deliveries: number;
  /** The app's storage requests (table and queue), the call's and every delivery's. */
  appRequests: number;
  appRequestsPerTask: number;
  /** The same plus the host's own queue requests (receive and delete per delivery). */
  withHostPerTask: number;
  tasksLeftActive: number;
}

async function loadJob(world: World, jobId: string, tasks: number, task: (jobId: string, id: string, n: number) => ReturnType<typeof failedTask>): Promise<void> {
  await world.table.loadJob(job(jobId), Array.from({ length: tasks }, (_, n) => task(jobId, `task-${String(n).padStart(6, '0')}`, n)));
}

/** What working the sweep queue took: deliveries, the app's requests in them, the host's own (receive, delete). */
export interface SweepWork {
  deliveries: number;
  appRequests: number;
  hostRequests: number;
}

/**
 * Works the sweep queue as the host works it, one delivery at a time (receive, run the worker,
 * delete; a fault makes the message visible again), until a delivery completes its job.
 */
export async function workSweepsToTheEnd(world: World): Promise<SweepWork> {
  const deps: AppDependencies = world.deps;
  const queue = world.sweeps.queueClient;
  const work: SweepWork = { deliveries: 0, appRequests: 0, hostRequests: 0 };
  for (let done = false; !done; ) {
    const [item] = (await queue.receiveMessages({ numberOfMessages: 1, visibilityTimeout: 60 })).receivedMessageItems;
    work.hostRequests += 1;
    if (item === undefined) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      continue;
    }
    const { job_id } = decodeMessage(item.messageText) as { job_id: string };
    const delivery = countStorageRequests(() => sweepJob(deps, job_id, workerDeadline(deps.sweep), { conflicts: 0, faults: 0 }));
    const outcome = await delivery.result;
    work.appRequests += delivery.count.requests;
    work.deliveries += 1;
    if (outcome.kind === 'fault') {
      await queue.updateMessage(item.messageId, item.popReceipt, undefined, 0);
    } else {
      await queue.deleteMessage(item.messageId, item.popReceipt);
      done = outcome.kind === 'completed';
    }
    work.hostRequests += 1;
  }
  return work;
}

/**
 * The termination of a job of `tasks` tasks (half active) with `?timeout=1`, then the sweep
 * queue worked as the host works it, one delivery at a time, until the job is completed.
 */
export async function measureBackgroundTermination(world: World, tasks: number): Promise<BackgroundTermination> {
  const jobId = `scale-${randomUUID().slice(0, 8)}`;
  await loadJob(world, jobId, tasks, (j, id, n) => (n % 2 === 0 ? activeTask(j, id) : failedTask(j, id)));
  const deps: AppDependencies = world.deps;
  const started = performance.now();
  const call = countStorageRequests(() => terminateJob(deps, { jobId, reason: null, deadline: Deadline.ofSeconds(1) }));
  const answer = await call.result;
  const callMs = performance.now() - started;
  const { deliveries, appRequests, hostRequests } = answer.kind === 'terminated' ? { deliveries: 0, appRequests: 0, hostRequests: 0 } : await workSweepsToTheEnd(world);
  const untilCompletedMs = performance.now() - started;
  const left = (await world.table.listTasks(jobId)).filter((t) => t.task.state !== 'completed').length;
  return {
    tasks,
    answered: answer.kind === 'terminationUnderWay' ? '202 (terminating)' : answer.kind === 'terminated' ? '200 (completed)' : answer.kind,
    callMs: round(callMs, 0),
    sweptByCall: answer.kind === 'terminationUnderWay' || answer.kind === 'terminated' ? (answer.job.termination?.tasks_swept ?? 0) : 0,
    untilCompletedMs: round(untilCompletedMs, 0),
    deliveries,
    appRequests: call.count.requests + appRequests,
    appRequestsPerTask: round((call.count.requests + appRequests) / tasks, 3),
    withHostPerTask: round((call.count.requests + appRequests + hostRequests) / tasks, 3),
    tasksLeftActive: left,
  };
}

export interface CappedBulk {
  tasks: number;
  maxTasks: number;
  reactivated: number;
  /** Table and queue together, the bookkeeping after the answer included. */
  storageRequests: number;
  tableRequests: number;
  /** The events (one per task), the checks and their withdrawals. */
  queueRequests: number;
}

/** One bulk call with `max_tasks` in a job of `tasks` failed tasks. */
export async function measureCappedBulk(world: World, tasks: number, maxTasks: number): Promise<CappedBulk> {
  const jobId = `capped-${randomUUID().slice(0, 8)}`;
  await loadJob(world, jobId, tasks, (j, id) => failedTask(j, id));
  const { count, result } = countStorageRequests(() =>
    reactivateFailedTasks(world.deps, {
      jobId,
      body: reactivateFailedTasksBodySchema.parse({ max_tasks: maxTasks }),
      requestId: randomUUID(),
      clientRequestId: randomUUID(),
      trigger: 'http',
      deadline: Deadline.ofSeconds(30),
    }),
  );
  const outcome = await result;
  await world.deps.outbox.settled();
  if (outcome.kind !== 'bulkReactivated') throw new Error(`bench: the capped bulk call answered ${outcome.kind}`);
  return { tasks, maxTasks, reactivated: outcome.result.reactivated.length, storageRequests: count.requests, tableRequests: count.table, queueRequests: count.queue };
}

export interface Drain {
  tasks: number;
  maxTasks: number | null;
  calls: number;
  /** Calls answered with a fault and retried with the same client-request-id (their requests are counted). */
  faultRetries: number;
  reactivated: number;
  storageRequests: number;
  requestsPerTask: number;
  tableRequestsPerTask: number;
  queueRequestsPerTask: number;
  durationMs: number;
}

/** Every failed task of a job of `tasks` reactivated by calls that follow each other's continuation. */
export async function measureDrain(world: World, tasks: number, maxTasks: number | null): Promise<Drain> {
  const jobId = `drain-${randomUUID().slice(0, 8)}`;
  await loadJob(world, jobId, tasks, (j, id) => failedTask(j, id));
  let continuation: string | null = null;
  let calls = 0;
  let reactivated = 0;
  let storageRequests = 0;
  let tableRequests = 0;
  let queueRequests = 0;
  const started = performance.now();
  let faultRetries = 0;
  do {
    const body = reactivateFailedTasksBodySchema.parse({ ...(maxTasks === null ? {} : { max_tasks: maxTasks }), ...(continuation === null ? {} : { continuation }) });
    const clientRequestId = randomUUID();
    for (;;) {
      const { count, result } = countStorageRequests(() =>
        reactivateFailedTasks(world.deps, { jobId, body, requestId: randomUUID(), clientRequestId, trigger: 'http', deadline: Deadline.ofSeconds(30) }),
      );
      const outcome = await result;
      await world.deps.outbox.settled();
      storageRequests += count.requests;
      tableRequests += count.table;
      queueRequests += count.queue;
      // A call whose last transaction was cut by its deadline cannot know what landed: it answers a
      // fault, and a client retries it as the README says, with the same client-request-id.
      if (outcome.kind === 'fault' && faultRetries < 10) {
        faultRetries += 1;
        continue;
      }
      if (outcome.kind !== 'bulkReactivated') throw new Error(`bench: a draining call answered ${JSON.stringify(outcome)}`);
      reactivated += outcome.result.reactivated.length;
      continuation = outcome.result.continuation;
      calls += 1;
      break;
    }
  } while (continuation !== null);
  return { tasks, maxTasks, calls, faultRetries, reactivated, storageRequests, requestsPerTask: round(storageRequests / tasks, 3),
    tableRequestsPerTask: round(tableRequests / tasks, 3),
    queueRequestsPerTask: round(queueRequests / tasks, 3),
    durationMs: round(performance.now() - started, 0) };
}
