import type { TableClient, TableEntityResult } from '@azure/data-tables';

import { isMissingRow, translateFault } from './storageErrors';

export type Entity = TableEntityResult<Record<string, unknown>>;

/** One row by its keys, or null when there is none (a missing table is a fault, not a missing row). */
export async function getRow(client: TableClient, pk: string, rk: string, signal?: AbortSignal): Promise<Entity | null> {
  try {
    return await client.getEntity(pk, rk, { abortSignal: signal });
  } catch (error) {
    if (isMissingRow(error)) return null;
    throw translateFault(error);
  }
}

/** Every row the filter selects, in key order. */
export async function queryRows<T>(client: TableClient, filter: string, map: (entity: Entity) => T, signal?: AbortSignal): Promise<T[]> {
  const results: T[] = [];
  try {
    for await (const entity of client.listEntities({ queryOptions: { filter }, abortSignal: signal })) results.push(map(entity));
  } catch (error) {
    throw translateFault(error);
  }
  return results;
}
