import { app } from '@azure/functions';

import { appDependencies } from '../compose';
import { SETTING } from '../config';
import { QUEUE_FUNCTIONS } from '../triggers';

/**
 * The queue entry point. The trigger's connection is the app's own storage setting prefix: a
 * connection string locally, `TASKS_STORAGE__queueServiceUri` with the managed identity in Azure.
 */
const deps = appDependencies();
for (const definition of QUEUE_FUNCTIONS) {
  app.storageQueue(definition.name, {
    queueName: definition.queueName(deps.config),
    connection: SETTING.connectionString,
    handler: definition.makeHandler(deps),
  });
}
