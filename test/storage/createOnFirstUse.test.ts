import { randomUUID } from 'node:crypto';

import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { RestError, TableClient } from '@azure/data-tables';
import { QueueClient } from '@azure/storage-queue';
import { afterEach, describe, expect, it } from 'vitest';

import { decodeMessage, type MessageQueue } from '../../src/storage/messageQueue';
import { isMissingRow } from '../../src/storage/storageErrors';
import { createTableClient } from '../../src/storage/tableClient';
import { FixtureTable } from '../../src/storage/fixtureLoader';
import { answerStatus, isCreateTable } from '../support/faults';
import { aFailedTask, aJob } from '../support/fixtures';
import { azuriteConnectionString } from '../support/storage';
import { isCreateQueue, queueBehindProxy, type StorageProxy } from '../support/storageProxy';

/**
 * A fresh start: nothing provisioned yet. The first use of the table or of a queue creates it and
 * succeeds; where the identity may not create (Azure, a 403), the request's own error stands.
 * Against the real Azurite; the 403 is answered in the HTTP pipeline, nothing of ours is stubbed.
 */

const connection = () => ({ kind: 'connectionString' as const, connectionString: azuriteConnectionString() });
const freshName = () => `fresh${randomUUID().replaceAll('-', '')}`;

/** Counts the create-table requests that pass, and lets every request through. */
function countingCreations(): PipelinePolicy & { creations: number } {
  const policy = {
    name: 'countCreations',
    creations: 0,
    sendRequest: (request: Parameters<PipelinePolicy['sendRequest']>[0], next: Parameters<PipelinePolicy['sendRequest']>[1]) => {
      if (isCreateTable(request)) policy.creations += 1;
      return next(request);
    },
  };
  return policy;
}

async function tableExists(tableName: string): Promise<boolean> {
  try {
    await TableClient.fromConnectionString(azuriteConnectionString(), tableName, { allowInsecureConnection: true }).getEntity('x', 'y');
    return true;
  } catch (error) {
    return isMissingRow(error);
  }
}

describe('a table that does not exist yet', () => {
  it('is created by the first reads, once however many meet it at the same time, and they answer as for an empty table', async () => {
    const tableName = freshName();
    const counter = countingCreations();
    const table = new FixtureTable(createTableClient(connection(), tableName, [counter]));
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => Promise.all([table.readJob(`job-${i}`), table.readTask(`job-${i}`, 't')])));
    expect(answers).toEqual(Array.from({ length: 6 }, () => [null, null]));
    expect(counter.creations).toBe(1);
    expect(await tableExists(tableName)).toBe(true);
    await table.readJob('job-0');
    expect(counter.creations).toBe(1);
  });

  it('is created by a first write that is a transaction, which then commits', async () => {
    const tableName = freshName();
    const table = new FixtureTable(createTableClient(connection(), tableName));
    await table.loadJob(aJob({ id: 'job-1' }), [aFailedTask({ id: 't0', job_id: 'job-1' })]);
    expect(await table.readJob('job-1')).toMatchObject({ job: { id: 'job-1' } });
    expect(await table.readTask('job-1', 't0')).toMatchObject({ task: { id: 't0', state: 'completed' } });
  });

  it('stays missing when creating it is refused (403): the request fails with its own TableNotFound, and the creation is not asked again', async () => {
    const tableName = freshName();
    const refused = answerStatus(403, { when: isCreateTable });
    const table = new FixtureTable(createTableClient(connection(), tableName, [refused]));
    for (let attempt = 0; attempt < 2; attempt++) {
      const error: unknown = await table.readJob('job-1').then(
        () => 'answered',
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(RestError);
      expect([(error as RestError).statusCode, (error as RestError).response?.headers.get('x-ms-error-code')]).toEqual([404, 'TableNotFound']);
    }
    expect(refused.struck).toBe(1);
    expect(await tableExists(tableName)).toBe(false);
  });

  it('is created by a later request when the first creation met a storage fault (503)', async () => {
    const tableName = freshName();
    const down = answerStatus(503, { when: isCreateTable, times: 4 });
    const table = new FixtureTable(createTableClient(connection(), tableName, [down]));
    await expect(table.readJob('job-1')).rejects.toThrow();
    expect(down.struck).toBe(4); // the SDK's own retries included
    expect(await table.readJob('job-1')).toBeNull();
    expect(await tableExists(tableName)).toBe(true);
  });
});

describe('a queue that does not exist yet', () => {
  let proxy: StorageProxy | undefined;
  afterEach(async () => {
    await proxy?.close();
    proxy = undefined;
  });

  async function queueBehind(queueName: string, refuseCreation: boolean): Promise<MessageQueue> {
    const made = await queueBehindProxy(queueName, { refuseCreation });
    proxy = made.proxy;
    return made.queue;
  }

  const creationsOf = (queueName: string) => proxy?.seen.filter(({ method, path }) => isCreateQueue(method, path, queueName)).length;

  it('is created by the first sends, once, and every message is on it', async () => {
    const queueName = `fresh-${randomUUID()}`;
    const queue = await queueBehind(queueName, false);
    await Promise.all([1, 2, 3].map((n) => queue.send({ n })));
    expect(creationsOf(queueName)).toBe(1);
    await queue.send({ n: 4 });
    expect(creationsOf(queueName)).toBe(1);
    const { peekedMessageItems } = await new QueueClient(azuriteConnectionString(), queueName).peekMessages({ numberOfMessages: 32 });
    expect(peekedMessageItems.map((item) => decodeMessage(item.messageText)).sort((a, b) => (a as { n: number }).n - (b as { n: number }).n)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
  });

  it('stays missing when creating it is refused (403): the send fails with its own QueueNotFound, and the creation is not asked again', async () => {
    const queueName = `fresh-${randomUUID()}`;
    const queue = await queueBehind(queueName, true);
    for (let attempt = 0; attempt < 2; attempt++) {
      const error: unknown = await queue.send({ n: attempt }).then(
        () => 'sent',
        (thrown: unknown) => thrown,
      );
      expect([(error as RestError).statusCode, (error as RestError).code]).toEqual([404, 'QueueNotFound']);
    }
    expect(creationsOf(queueName)).toBe(1);
    expect(await new QueueClient(azuriteConnectionString(), queueName).exists()).toBe(false);
  });
});
