/**
 * What retention needs of storage. Every history row and stored bulk answer has an expiry index row
 * beside it, filed under the day it was written; and a job is filed under each day it has rows of.
 * Work then follows exactly what expires: the jobs filed under a day, and their rows of that day.
 */
export interface RetentionStore {
  /** Files a job under a day: it has (or is about to have) rows of that day. */
  fileJob(day: string, jobId: string, signal?: AbortSignal): Promise<void>;
  isDayScheduled(day: string, signal?: AbortSignal): Promise<boolean>;
  markDayScheduled(day: string, signal?: AbortSignal): Promise<void>;
  /** Up to `limit` of the jobs filed under a day. */
  jobsOfDay(day: string, limit: number, signal?: AbortSignal): Promise<string[]>;
  /** Deletes up to `limit` of a job's rows filed under `day` or earlier; `more` when some remain. */
  expireRows(jobId: string, upToDay: string, limit: number, signal?: AbortSignal): Promise<{ deleted: number; more: boolean }>;
  unfileJob(day: string, jobId: string, signal?: AbortSignal): Promise<void>;
  unscheduleDay(day: string, signal?: AbortSignal): Promise<void>;
}
