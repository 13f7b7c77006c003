import { describe, expect, it } from 'vitest';

import { decodeMessage } from '../../src/storage/messageQueue';
import { freshQueue, peekAll } from '../support/storage';

describe('a message sent for later', () => {
  it('cannot be received before its delay, and can be shown now', async () => {
    const queue = await freshQueue('later');
    const held = await queue.sendLater({ job_id: 'j' }, 300);
    expect(await peekAll(queue)).toEqual([]);
    await queue.showNow(held);
    expect(await peekAll(queue)).toEqual([{ job_id: 'j' }]);
  });

  it('can be withdrawn while nobody received it; once someone did, withdrawing leaves it to them', async () => {
    const queue = await freshQueue('later');
    await queue.withdraw(await queue.sendLater({ n: 1 }, 300));
    const second = await queue.sendLater({ n: 2 }, 0);
    const { receivedMessageItems } = await queue.queueClient.receiveMessages({ visibilityTimeout: 300 });
    expect(receivedMessageItems.map((item) => decodeMessage(item.messageText))).toEqual([{ n: 2 }]);
    // Receiving it gave it a new pop receipt: the sender's no longer withdraws it.
    await queue.withdraw(second);
    const [received] = receivedMessageItems;
    await expect(queue.queueClient.deleteMessage(received!.messageId, received!.popReceipt)).resolves.toBeDefined();
  });
});
