import { gunzipSync, gzipSync } from 'node:zlib';

import type { TableEntity, TableEntityResult } from '@azure/data-tables';

import { bulkReactivationResultSchema } from '../domain/bulkResult';
import type { StoredBulkAnswer } from '../service/taskStore';
import { bulkResultRowKey, partitionKey } from './keys';

/**
 * A bulk answer can list 10,000 task ids (up to ~700 KB of JSON), more than one property may hold
 * (64 KiB). It is stored gzipped, cut into binary properties of at most 64 KiB; an entity holds up to
 * 1 MiB, which the compressed answer stays well under.
 */
const PART_BYTES = 64 * 1024;

export function toBulkResultEntity(jobId: string, idempotencyKey: string, stored: StoredBulkAnswer): TableEntity<Record<string, string | number | Uint8Array>> {
  const packed = gzipSync(JSON.stringify(stored.result));
  const parts: Record<string, Uint8Array> = {};
  for (let n = 0; n * PART_BYTES < packed.length; n += 1) parts[`part${n}`] = packed.subarray(n * PART_BYTES, (n + 1) * PART_BYTES);
  return {
    partitionKey: partitionKey(jobId),
    rowKey: bulkResultRowKey(idempotencyKey),
    fingerprint: stored.fingerprint,
    saved_at: stored.savedAt,
    part_count: Object.keys(parts).length,
    ...parts,
  };
}

export function fromBulkResultEntity(entity: TableEntityResult<Record<string, unknown>>): StoredBulkAnswer {
  const count = Number(entity.part_count);
  const parts = Array.from({ length: count }, (_, n) => entity[`part${n}`]);
  if (!parts.every((part): part is Uint8Array => part instanceof Uint8Array)) throw new Error(`Row ${entity.rowKey ?? ''} does not hold a stored bulk answer.`);
  const result = bulkReactivationResultSchema.parse(JSON.parse(gunzipSync(Buffer.concat(parts)).toString('utf8')));
  return { fingerprint: String(entity.fingerprint), result, savedAt: String(entity.saved_at) };
}
