import { randomUUID } from 'node:crypto';

import { TableClient } from '@azure/data-tables';

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
}

export async function newWorld(connectionString: string, timing?: OutboxTiming): Promise<World> {
  const suffix = randomUUID().replaceAll('-', '').slice(0, 20);
  const tableName = `bench${suffix}`;
  const storage = { kind: 'connectionString' as const, connectionString };
  const table = new FixtureTable(createTableClient(storage, tableName));
  const queue = (name: string): MessageQueue => new MessageQueue(createQueueClient(storage, `bench-${name}-${suffix}`));
  const events = queue('events');
  await Promise.all([table.ensureExists(), events.ensureExists()]);
  const config = loadConfig({ [SETTING.connectionString]: connectionString, [SETTING.tableName]: tableName, [SETTING.eventsQueueName]: events.name });
  const [sweeps, outboxChecks, retentionQueue] = [queue('sweeps'), queue('checks'), queue('retention')];
  await Promise.all([sweeps.ensureExists(), outboxChecks.ensureExists(), retentionQueue.ensureExists()]);
  const deps = assemble(
    {
      config,
      clock: systemClock,
      store: table,
      outboxStore: new TableOutboxStore(table.tableClient),
      retentionStore: new TableRetentionStore(table.tableClient),
      events,
      reactivationRequests: queue('requests'),
      reactivationPoison: queue('poison'),
      sweeps,
      outboxChecks,
      retentionQueue,
    },
    timing,
  );
  const raw = TableClient.fromConnectionString(connectionString, tableName, { allowInsecureConnection: true });
  return { tableName, table, events, outboxChecks, sweeps, deps, raw };
}
