import { app } from '@azure/functions';

import { appDependencies } from '../compose';
import { HTTP_FUNCTIONS } from '../routes';

/**
 * The HTTP entry point the Functions host loads (package.json `main`). Dependencies are built here,
 * at load, so a wrong setting stops the app at start. Every route needs a function key in Azure
 * unless it says otherwise (the OpenAPI document is anonymous);
 * Core Tools does not enforce keys locally.
 */
const deps = appDependencies();
for (const definition of HTTP_FUNCTIONS) {
  app.http(definition.name, {
    route: definition.route,
    methods: definition.methods,
    authLevel: definition.authLevel ?? 'function',
    handler: definition.makeHandler(deps),
  });
}
