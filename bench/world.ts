import { randomUUID } from 'node:crypto';

import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { TableClient } from '@azure/data-tables';
import type { QueueClient } from '@azure/storage-queue';

import { assemble, type AppDependencies } from '../src/compose';
import { loadConfig, SETTING } from '../src/config';
import type { Job } from '../src/domain/job';
import type { OutboxTiming } from '../src/outbox/outbox';
import type { Task } from '../src/domain/task';
import { systemClock } from '../src/service/clock';
import { FixtureTable } from '../src/storage/fixtureLoader';
import { createQueueClient, MessageQueue } from '../src/storage/messageQueue';
import { createTableClient } from '../src/storage/tableClient';
import { TableOutboxStore } from '../src/storage/tableOutboxStore';
import { TableRetentionStore } from '../src/storage/tableRetentionStore';
import { aFailedTask, aJob, aRunningTask } from '../test/support/fixtures';

/** The test suite's builders, so a benchmark row is the same task a test uses. */
export function job(id: string): Job {
  return aJob({ id });
}

export function failedTask(jobId: string, id: string): Task {
  return aFailedTask({ id, job_id: jobId });
}

export function activeTask(jobId: string, id: string): Task {
  return aRunningTask({ id, job_id: jobId, state: 'active' });
}

/** A table and queues of their own for one measurement, so one run's rows never slow another's. */
export interface World {
  tableName: string;
  table: FixtureTable;
  events: MessageQueue;
  outboxChecks: MessageQueue;
  /** The queue of termination sweeps, for a benchmark that works it as the host would. */
  sweeps: MessageQueue;
  /** The app's use-case dependencies around this table and these queues. */
  deps: AppDependencies;
  /** The same table through a bare SDK client, for the baselines. */
  raw: TableClient;
  /** Every queue of the world, for `disposeWorld`. */
  queues: MessageQueue[];
}

/** Storage tries slower than this are reported on stderr, so that a figure moved by one stalled request says so. */
const SLOW_TRY_MS = 5_000;

function reportSlow(what: string, started: number, outcome: string): void {
  const ms = performance.now() - started;
  if (ms > SLOW_TRY_MS) console.error(`bench: slow storage request: ${what} took ${Math.round(ms)} ms (${outcome})`);
}

const slowTries: PipelinePolicy = {
  name: 'benchSlowTries',
  async sendRequest(request, next) {
    const started = performance.now();
    const what = `table ${request.method} ${new URL(request.url).pathname}`;
    try {
      const response = await next(request);
      reportSlow(what, started, String(response.status));
      return response;
    } catch (error) {
      reportSlow(what, started, String(error).slice(0, 120));
      throw error;
    }
  },
};

/** The Queue SDK takes no extra policy: its client's calls are timed instead. */
function timedQueueClient(client: QueueClient): QueueClient {
  return new Proxy(client, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const started = performance.now();
        const what = `queue ${String(property)} ${target.name}`;
        try {
          const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          reportSlow(what, started, 'ok');
          return result;
        } catch (error) {
          reportSlow(what, started, String(error).slice(0, 120));
          throw error;
        }
      };
    },
  });
}

export async function newWorld(connectionString: string, timing?: OutboxTiming): Promise<World> {
  const suffix = randomUUID().replaceAll('-', '').slice(0, 20);
  const tableName = `bench${suffix}`;
  const storage = { kind: 'connectionString' as const, connectionString };
  const table = new FixtureTable(createTableClient(storage, tableName, [slowTries]));
  const queue = (name: string): MessageQueue => new MessageQueue(timedQueueClient(createQueueClient(storage, `bench-${name}-${suffix}`)));
  const events = queue('events');
  await Promise.all([table.ensureExists(), events.ensureExists()]);
  const config = loadConfig({ [SETTING.connectionString]: connectionString, [SETTING.tableName]: tableName, [SETTING.eventsQueueName]: events.name });
  const [sweeps, outboxChecks, retentionQueue] = [queue('sweeps'), queue('checks'), queue('retention')];
  await Promise.all([sweeps.ensureExists(), outboxChecks.ensureExists(), retentionQueue.ensureExists()]);
  const [requests, poison] = [queue('requests'), queue('poison')];
  const deps = assemble(
    {
      config,
      clock: systemClock,
      store: table,
      outboxStore: new TableOutboxStore(table.tableClient),
      retentionStore: new TableRetentionStore(table.tableClient),
      events,
      reactivationRequests: requests,
      reactivationPoison: poison,
      sweeps,
      outboxChecks,
      retentionQueue,
    },
    timing,
  );
  const raw = TableClient.fromConnectionString(connectionString, tableName, { allowInsecureConnection: true });
  return { tableName, table, events, outboxChecks, sweeps, deps, raw, queues: [events, sweeps, outboxChecks, retentionQueue, requests, poison] };
}

/**
 * Deletes the world's table and queues once its measurement is done. Azurite keeps the messages of
 * every queue in one in-memory store and slows down with all of them (500 reactivations took 1.3 s
 * with each run's queues deleted, and 7 s after eleven runs had left their events): one
 * measurement's leftovers would slow the next one's storage, which Queue Storage would not.
 */
export async function disposeWorld(world: World): Promise<void> {
  await world.deps.outbox.settled();
  await Promise.all([world.raw.deleteTable(), ...world.queues.map((queue) => queue.queueClient.deleteIfExists())]);
}

/** A world for one measurement, disposed of after it whatever happens. */
export async function inWorld<T>(connectionString: string, measure: (world: World) => Promise<T>, timing?: OutboxTiming): Promise<T> {
  const world = await newWorld(connectionString, timing);
  try {
    return await measure(world);
  } finally {
    await disposeWorld(world);
  }
}
