import type { TableClient, TransactionAction } from '@azure/data-tables';

import { statusOf, translateFault } from './storageErrors';

/** The largest entity-group transaction Table Storage accepts. */
export const MAX_TRANSACTION_ROWS = 100;

/**
 * The one place where `412 Precondition Failed` is read: a write conditional on an ETag (If-Match)
 * whose row changed since it was read commits nothing, and that is an expected outcome, returned as
 * `conflict`. Every other failure is a fault, thrown as one of the errors of `storageErrors.ts`.
 */
export async function ifMatched<T>(write: () => Promise<T>): Promise<{ kind: 'done'; value: T } | { kind: 'conflict' }> {
  try {
    return { kind: 'done', value: await write() };
  } catch (error) {
    if (statusOf(error) === 412) return { kind: 'conflict' };
    throw translateFault(error);
  }
}

/**
 * One entity-group transaction of up to 100 rows of one partition: all of it commits, or none does.
 * Resolves with the new ETag of each row, in the order of the actions (undefined where storage did
 * not say), or with `conflict` when some row lost its If-Match.
 */
export async function submitAtomically(
  client: TableClient,
  actions: readonly TransactionAction[],
  signal?: AbortSignal,
): Promise<{ kind: 'done'; etags: (string | undefined)[] } | { kind: 'conflict' }> {
  if (actions.length === 0) return { kind: 'done', etags: [] };
  if (actions.length > MAX_TRANSACTION_ROWS) throw new RangeError(`A transaction holds at most ${MAX_TRANSACTION_ROWS} rows.`);
  const outcome = await ifMatched(() => client.submitTransaction([...actions], { abortSignal: signal }));
  // Sub-responses come back in the order of the actions; insert ones carry a row key, update ones do not.
  return outcome.kind === 'conflict' ? outcome : { kind: 'done', etags: actions.map((_, index) => outcome.value.subResponses[index]?.etag) };
}
