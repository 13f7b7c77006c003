import { randomUUID } from 'node:crypto';

import { Deadline } from '../src/service/deadline';
import { reactivateFailedTasks } from '../src/service/reactivateFailedTasks';
import { reactivateTask } from '../src/service/reactivateTask';
import { countStorageRequests } from '../src/storage/requestMeter';
import { endpointOf, startLatencyProxy, withEndpoint } from './latencyProxy';
import { relayCost, type RelayCost } from './outboxRelay';
import { median, round } from './stats';
import { failedTask, inWorld, job, type World } from './world';

export interface EventPathResult {
  samples: number;
  /** Storage requests before the answer, and in all once the bookkeeping after it is done. */
  criticalRequests: number;
  totalRequests: number;
  /**
   * How much longer the answer took when every storage request was held `delayMs` on its way, over
   * that delay: the round trips it waited for, whatever was sent in parallel within each.
   */
  criticalRoundTrips: number;
  delayMs: number;
  /** Samples left out because a storage request never answered and the call ran out its deadline. */
  stalled: number;
}

/**
 * Single reactivations of jobs already filed for retention (as all but a day's first are), one at a
 * time, with every table and queue request held `delayMs` on its way (as if storage were a network
 * round trip away): what the answer waits for, in requests and in round trips, and what the whole
 * reactivation costs once its outbox row is marked and its check withdrawn.
 */
export async function measureEventPath(connectionString: string, samples = 30, delayMs = 50): Promise<EventPathResult> {
  const [tables, queues] = await Promise.all([startLatencyProxy(endpointOf(connectionString, 'Table'), 0), startLatencyProxy(endpointOf(connectionString, 'Queue'), 0)]);
  const setDelay = (ms: number): void => {
    tables.delayMs = queues.delayMs = ms;
  };
  try {
    return await inWorld(withEndpoint(withEndpoint(connectionString, 'Table', tables.url), 'Queue', queues.url), (world) => eventPath(world, setDelay, samples, delayMs));
  } finally {
    await Promise.all([tables.close(), queues.close()]);
  }
}

async function eventPath(world: World, setDelay: (ms: number) => void, samples: number, delayMs: number): Promise<EventPathResult> {
  const jobId = `events-${randomUUID().slice(0, 8)}`;
  await world.table.loadJob(job(jobId), Array.from({ length: 2 * samples + 1 }, (_, n) => failedTask(jobId, `t${n}`)));
  const reactivate = (taskId: string) =>
    reactivateTask(world.deps, { jobId, taskId, condition: { kind: 'none' }, requestId: randomUUID(), clientRequestId: null, trigger: 'http', deadline: Deadline.ofSeconds(30) });
  await reactivate('t0');
  await world.deps.outbox.settled();
  const critical: number[] = [];
  const total: number[] = [];
  const times: number[] = [];
  const undelayed: number[] = [];
  let stalled = 0;
  // Alternately without and with the delay, so both see the machine at the same moments.
  for (let n = 1; n <= 2 * samples; n += 1) {
    const delayed = n % 2 === 0;
    setDelay(delayed ? delayMs : 0);
    let answered = 0;
    let ms = 0;
    const { count, result } = countStorageRequests(async (): Promise<'stalled' | 'done'> => {
      const started = performance.now();
      const outcome = await reactivate(`t${n}`);
      ms = performance.now() - started;
      // A call that ran out its deadline on a storage request that never answered is left out, and counted.
      if (outcome.kind === 'fault' && outcome.code === 'OPERATION_TIMED_OUT') return 'stalled';
      if (outcome.kind !== 'reactivated' || outcome.event !== 'published') throw new Error(`bench: unexpected ${JSON.stringify(outcome)}`);
      answered = count.requests;
      await world.deps.outbox.settled();
      return 'done';
    });
    if ((await result) === 'stalled') {
      stalled += 1;
      continue;
    }
    critical.push(answered);
    total.push(count.requests);
    (delayed ? times : undelayed).push(ms);
  }
  setDelay(0);
  return { samples, criticalRequests: median(critical), totalRequests: median(total), criticalRoundTrips: round((median(times) - median(undelayed)) / delayMs, 1), delayMs, stalled };
}

export interface BulkEventsResult {
  tasks: number;
  /** From the bulk call's answer to the last of its events on the queue. */
  answerToLastEventMs: number;
  eventsAtAnswer: number;
}

export function measureBulkEvents(connectionString: string, tasks = 200): Promise<BulkEventsResult> {
  return inWorld(connectionString, (world) => bulkEvents(world, tasks));
}

async function bulkEvents(world: World, tasks: number): Promise<BulkEventsResult> {
  const jobId = `bulk-events-${randomUUID().slice(0, 8)}`;
  await world.table.loadJob(job(jobId), Array.from({ length: tasks }, (_, n) => failedTask(jobId, `t${String(n).padStart(4, '0')}`)));
  const outcome = await reactivateFailedTasks(world.deps, {
    jobId,
    body: { max_tasks: 10_000, dry_run: false },
    requestId: randomUUID(),
    clientRequestId: randomUUID(),
    trigger: 'http',
    deadline: Deadline.ofSeconds(30),
  });
  const answeredAt = performance.now();
  if (outcome.kind !== 'bulkReactivated') throw new Error(`bench: unexpected ${JSON.stringify(outcome)}`);
  const onQueue = async (): Promise<number> => (await world.events.queueClient.getProperties()).approximateMessagesCount ?? 0;
  const eventsAtAnswer = await onQueue();
  while ((await onQueue()) < tasks) {
    if (performance.now() - answeredAt > 60_000) throw new Error('bench: the bulk events did not all arrive within a minute');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { tasks, answerToLastEventMs: Math.round(performance.now() - answeredAt), eventsAtAnswer };
}

export interface RelayResult {
  empty: RelayCost;
  full: RelayCost;
  ratio: number;
}

/** Delivering what dead publishers left: 100 pending events beside 0, then 50,000, history rows. */
export async function measureRelay(connectionString: string, pending = 100, history = 50_000): Promise<RelayResult> {
  const fast = { checkDelaySeconds: 1, leaseSeconds: 1 };
  const cost = (rows: number) => inWorld(connectionString, (world) => relayCost(world.table, { ...world.deps, outboxChecks: world.outboxChecks, events: world.events }, rows, pending), fast);
  const empty = await cost(0);
  const full = await cost(history);
  return { empty, full, ratio: round(full.requests / empty.requests) };
}
