import { z } from 'zod';

import type { Job } from '../../domain/job';
import { jobStateSchema } from '../../domain/states';
import { batchTime, batchTimeSchema, jobUrl, odataMetadata, present } from './wire';

/**
 * How far a termination has got. Batch has no such property; this app adds it to a CloudJob under
 * a name of its own, which Batch clients keep untouched (the SDK passes unknown properties through).
 */
export const terminationProgressSchema = z.strictObject({
  startTime: batchTimeSchema.describe('When the termination began.'),
  tasksSwept: z.int().min(0).describe('Task rows the termination has gone through so far (ended, or found already completed).'),
  lastProgressTime: batchTimeSchema.describe('When the termination last moved; a termination that stops moving is resumed.'),
});

/**
 * Batch's CloudJob, limited to what this app keeps. Absent values are left out, as Batch does.
 * `previousStateTransitionTime` is not offered: the app does not keep it for jobs.
 */
export const cloudJobSchema = z.strictObject({
  'odata.metadata': z.string(),
  id: z.string(),
  url: z.string(),
  eTag: z.string(),
  lastModified: batchTimeSchema,
  creationTime: batchTimeSchema,
  state: jobStateSchema,
  stateTransitionTime: batchTimeSchema,
  previousState: jobStateSchema.optional().describe('Absent while the job is in its initial active state.'),
  executionInfo: z.strictObject({
    startTime: batchTimeSchema.describe('When the job was created.'),
    endTime: batchTimeSchema.optional().describe('Present for completed jobs.'),
    terminateReason: z.string().optional().describe('Present for completed jobs: UserTerminate unless the terminate call gave a reason.'),
  }),
  terminationProgress: terminationProgressSchema.optional(),
});
export type CloudJob = z.infer<typeof cloudJobSchema>;

export function cloudJob(job: Job, etag: string, baseUrl: string): CloudJob {
  // Batch sets endTime and terminateReason only once the job is completed, not while it terminates.
  const completed = job.state === 'completed';
  return {
    'odata.metadata': odataMetadata(baseUrl, 'jobs'),
    id: job.id,
    url: jobUrl(baseUrl, job.id),
    eTag: etag,
    lastModified: batchTime(job.last_modified),
    creationTime: batchTime(job.created_at),
    state: job.state,
    stateTransitionTime: batchTime(job.state_transition_time),
    ...present('previousState', job.previous_state),
    executionInfo: {
      startTime: batchTime(job.created_at),
      ...(completed ? { endTime: batchTime(job.state_transition_time) } : {}),
      ...(completed ? present('terminateReason', job.termination_reason) : {}),
    },
    ...(job.termination === null
      ? {}
      : { terminationProgress: { startTime: batchTime(job.termination.started_at), tasksSwept: job.termination.tasks_swept, lastProgressTime: batchTime(job.termination.last_progress_at) } }),
  };
}
