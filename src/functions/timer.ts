import { app } from '@azure/functions';

import { appDependencies } from '../compose';
import { TIMER_FUNCTIONS } from '../triggers';

/** The timer entry point: the outbox relay. */
const deps = appDependencies();
for (const definition of TIMER_FUNCTIONS) {
  app.timer(definition.name, { schedule: definition.schedule, handler: definition.makeHandler(deps) });
}
