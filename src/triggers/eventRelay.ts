import type { InvocationContext, TimerHandler } from '@azure/functions';

import { relayEvents, type RelayDeps } from '../service/relayEvents';
import type { TimerFunctionDefinition } from './definitions';

export function makeEventRelayHandler(deps: RelayDeps): TimerHandler {
  return async (_timer: unknown, context: InvocationContext) => {
    const report = await relayEvents(deps);
    context.info(JSON.stringify({ event: 'event-relay', ...report }));
  };
}

/** Every 30 seconds: an event waits at most a relay delay plus this period after its commit. */
export const eventRelayFunction: TimerFunctionDefinition = {
  name: 'relayTaskEvents',
  schedule: '*/30 * * * * *',
  makeHandler: (deps) => makeEventRelayHandler({ table: deps.table, events: deps.events }),
};
