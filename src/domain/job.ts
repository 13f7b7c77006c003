import { z } from 'zod';

import { idSchema } from './ids';
import { jobStateSchema } from './states';
import { isoTimeSchema } from './time';

/**
 * How far a termination has got, as the job shows it: when it began, how many task rows its sweep
 * has finished, and when it last moved. Written by the termination alone, on the job row, in the
 * same conditional write that moves the sweep's cursor, so a page redone after a crash is counted once.
 */
export const terminationProgressSchema = z.object({
  started_at: isoTimeSchema,
  tasks_swept: z.int().min(0),
  last_progress_at: isoTimeSchema,
});
export type TerminationProgress = z.infer<typeof terminationProgressSchema>;

export const jobSchema = z.object({
  id: idSchema,
  state: jobStateSchema,
  state_transition_time: isoTimeSchema,
  previous_state: jobStateSchema.nullable(),
  created_at: isoTimeSchema,
  last_modified: isoTimeSchema,
  termination_reason: z.string().max(1024).nullable(),
  /** Null until a termination starts (and for a job terminated before terminations recorded it). */
  termination: terminationProgressSchema.nullable(),
});
export type Job = z.infer<typeof jobSchema>;

/**
 * The job row: the job, and where its termination sweep has got to. `sweptThrough` is the id key of
 * the last task row of the last page the sweep finished; null before its first page. It is the
 * sweep's checkpoint, not part of the job a caller sees.
 */
export interface JobRow {
  job: Job;
  sweptThrough: string | null;
}

/** A job row as read from storage, with the ETag that guards the next write to it. */
export interface JobSnapshot extends JobRow {
  etag: string;
}
