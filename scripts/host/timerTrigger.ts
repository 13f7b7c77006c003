import { randomUUID } from 'node:crypto';

import { InvocationContext, type TimerHandler } from '@azure/functions';

import type { LogLine } from './httpTrigger';
import type { RunningTrigger } from './queueTrigger';

interface TimerOptions {
  schedule: string;
  handler: TimerHandler;
}

/** The only NCRONTAB form the local host runs: every N seconds. Anything else is refused at start. */
const EVERY_N_SECONDS = /^\*\/(\d+) \* \* \* \* \*$/;

export function timerPeriodMs(schedule: string): number | null {
  const match = EVERY_N_SECONDS.exec(schedule.trim());
  return match === null ? null : Number(match[1]) * 1000;
}

/** The timer trigger of the local host: runs the handler every period, one run at a time. */
export function startTimerTrigger(name: string, options: TimerOptions, log: LogLine): RunningTrigger {
  const period = timerPeriodMs(options.schedule);
  if (period === null || period === 0) throw new Error(`timer function "${name}": the local host runs "*/N * * * * *" schedules only, not "${options.schedule}"`);
  let running: Promise<void> = Promise.resolve();
  const tick = (): void => {
    running = running.then(async () => {
      const context = new InvocationContext({
        invocationId: randomUUID(),
        functionName: name,
        logHandler: (level, ...args) => {
          log(name, level, args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
        },
      });
      try {
        const now = new Date();
        const status = { last: now.toISOString(), next: new Date(now.getTime() + period).toISOString(), lastUpdated: now.toISOString() };
        await options.handler({ isPastDue: false, schedule: { adjustForDST: false }, scheduleStatus: status }, context);
      } catch (error) {
        log(name, 'error', String(error));
      }
    });
  };
  const timer = setInterval(tick, period);
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
