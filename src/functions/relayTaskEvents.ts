import { app, type InvocationContext, type TimerHandler } from '@azure/functions';

import { withAppDependencies } from '../compose';
import type { Outbox } from '../outbox/outbox';

export function relayTaskEventsHandler(deps: { outbox: Outbox }): TimerHandler {
  return async (_timer: unknown, context: InvocationContext) => {
    const report = await deps.outbox.relay();
    context.info(JSON.stringify({ event: 'event-relay', ...report }));
  };
}

/** Every 30 seconds: an event waits at most a relay delay plus this period after its commit. */
app.timer('relayTaskEvents', { schedule: '*/30 * * * * *', handler: withAppDependencies(relayTaskEventsHandler) });
