import { z } from 'zod';

export const jobStateSchema = z.enum(['active', 'disabling', 'disabled', 'enabling', 'terminating', 'completed', 'deleting']);
export type JobState = z.infer<typeof jobStateSchema>;

export const taskStateSchema = z.enum(['active', 'preparing', 'running', 'completed']);
export type TaskState = z.infer<typeof taskStateSchema>;

export const taskResultSchema = z.enum(['success', 'failure']);
export type TaskResult = z.infer<typeof taskResultSchema>;

/**
 * How far a job has gone towards its end. A task row carries a stamp of its job's state (written by
 * the termination sweep) and the job row carries the state itself; whichever has gone further is the
 * state that decides, because the two are written at different moments of one termination.
 */
const FINALITY: Record<JobState, number> = {
  active: 0,
  disabling: 0,
  disabled: 0,
  enabling: 0,
  terminating: 1,
  completed: 2,
  deleting: 3,
};

export function furthestJobState(a: JobState, b: JobState): JobState {
  return FINALITY[b] > FINALITY[a] ? b : a;
}
