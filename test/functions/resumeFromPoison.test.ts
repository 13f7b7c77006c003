import { describe, expect, it } from 'vitest';

import { resumeHistoryExpiryHandler } from '../../src/functions/resumeHistoryExpiry';
import { resumeOutboxCheckHandler } from '../../src/functions/resumeOutboxCheck';
import { deliverVisible, messagesOn } from '../support/queueRunner';
import { freshQueue } from '../support/storage';

/**
 * The app's own background messages are never left in a poison queue, where nothing reads them: a
 * check or a day's expiry the host gave up on goes back to its queue, held back a minute.
 */
describe.each([
  { name: 'resumeOutboxCheck', handlerFor: (queue: Awaited<ReturnType<typeof freshQueue>>) => resumeOutboxCheckHandler({ outboxChecks: queue }), message: { job_id: 'job-1', request_key: 'k', seen: [] } },
  { name: 'resumeHistoryExpiry', handlerFor: (queue: Awaited<ReturnType<typeof freshQueue>>) => resumeHistoryExpiryHandler({ retentionQueue: queue }), message: { day: '2026-10-01' } },
])('$name', ({ handlerFor, message }) => {
  it('sends a poisoned message back to its queue, held back, and completes it', async () => {
    const [queue, poison] = await Promise.all([freshQueue('work'), freshQueue('poison')]);
    await poison.send(message);
    const logs: string[] = [];
    expect(await deliverVisible(poison, handlerFor(queue), logs)).toBe(1);
    expect(await messagesOn(poison)).toBe(0);
    expect(await messagesOn(queue)).toBe(1);
    // Held back: a storage outage that outlasted five deliveries gets a minute to pass.
    expect((await queue.queueClient.receiveMessages()).receivedMessageItems).toEqual([]);
    expect(logs.join('\n')).toMatch(/"delaySeconds":60/);
  });
});
