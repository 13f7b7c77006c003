import { z } from 'zod';

/**
 * Job and task ids, as Azure Batch defines them. The character set also keeps every id safe inside
 * a Table Storage key, which forbids `/ \ # ?` and control characters.
 */
export const idSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(64, 'must be at most 64 characters')
  .regex(/^[A-Za-z0-9_-]+$/, 'may contain only letters, digits, hyphens and underscores');

/** Ids are case-preserving but case-insensitive: `Job-1` and `job-1` name the same job. */
export function idKey(id: string): string {
  return id.toLowerCase();
}
