import type { Clock } from '../service/clock';
import type { Queue } from '../service/queue';
import type { ExpiryMessage } from './expiryMessage';
import type { RetentionStore } from './retentionStore';

/** A queue message can be held back at most seven days; a longer wait is taken in steps. */
const MAX_DELAY_SECONDS = 7 * 24 * 3600;
/** One run deletes this much at most, then hands over to a message of its own: well inside a run. */
const JOBS_PER_RUN = 20;
const ROWS_PER_RUN = 1_000;

export interface RetentionDeps {
  store: RetentionStore;
  queue: Queue;
  clock: Clock;
  /** History records and stored bulk answers are kept for at least this many days. */
  retentionDays: number;
}

export interface ExpiryReport {
  outcome: 'not yet due' | 'continued' | 'done';
  deleted: number;
}

/** `yyyymmdd` in UTC. */
export function dayOf(time: Date): string {
  return time.toISOString().slice(0, 10).replaceAll('-', '');
}

/**
 * History records and stored bulk answers are deleted once older than the retention period, by work
 * driven by delayed queue messages, one per day that has rows: nothing runs while nothing expires,
 * and what runs reads only the rows it deletes.
 */
export class Retention {
  private readonly filed = new Set<string>();
  private readonly scheduled = new Set<string>();

  constructor(private readonly deps: RetentionDeps) {}

  /**
   * Before a commit writes rows of `now`'s day into a job: the job is filed under that day, and the
   * day has its expiry message. Each is done once per process (a few more across instances do no
   * harm); the expiry message is sent before the day is marked scheduled, so a crash between the two
   * costs a second message, never a day that no message expires.
   */
  async cover(jobId: string, now: Date, signal: AbortSignal): Promise<void> {
    const day = dayOf(now);
    const { store } = this.deps;
    await Promise.all([
      this.once(this.filed, `${day}|${jobId.toLowerCase()}`, () => store.fileJob(day, jobId, signal)),
      this.once(this.scheduled, day, async () => {
        if (await store.isDayScheduled(day, signal)) return;
        await this.deps.queue.sendLater({ day } satisfies ExpiryMessage, this.delayUntilDue(day), signal);
        await store.markDayScheduled(day, signal);
      }),
    ]);
  }

  /**
   * The day's expiry message: before the day is due, it waits again (a message waits at most a
   * week); once due, it deletes what the day's jobs have of that day and earlier, a bounded amount
   * per run, handing over to a message of its own until the day is done.
   */
  async expire(message: ExpiryMessage, signal: AbortSignal): Promise<ExpiryReport> {
    const { store, queue } = this.deps;
    const wait = this.delayUntilDue(message.day);
    if (wait > 0) {
      await queue.sendLater(message, wait, signal);
      return { outcome: 'not yet due', deleted: 0 };
    }
    let deleted = 0;
    const jobs = await store.jobsOfDay(message.day, JOBS_PER_RUN, signal);
    for (const jobId of jobs) {
      const expired = await store.expireRows(jobId, message.day, ROWS_PER_RUN - deleted, signal);
      deleted += expired.deleted;
      if (expired.more) break;
      await store.unfileJob(message.day, jobId, signal);
      if (deleted >= ROWS_PER_RUN) break;
    }
    if (jobs.length > 0) {
      await queue.send(message, signal);
      return { outcome: 'continued', deleted };
    }
    await store.unscheduleDay(message.day, signal);
    return { outcome: 'done', deleted };
  }

  /** Rows of a day are due once a whole retention period has passed after the day's end. */
  private delayUntilDue(day: string): number {
    const start = Date.UTC(Number(day.slice(0, 4)), Number(day.slice(4, 6)) - 1, Number(day.slice(6, 8)));
    const due = start + (this.deps.retentionDays + 1) * 24 * 3600 * 1000;
    return Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil((due - this.deps.clock().getTime()) / 1000)));
  }

  private async once(done: Set<string>, key: string, work: () => Promise<void>): Promise<void> {
    if (done.has(key)) return;
    await work();
    done.add(key);
  }
}
