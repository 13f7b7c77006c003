import { app } from '@azure/functions';

/** The smallest app there is: one HTTP function. The baseline of the cold-start ratio. */
app.http('hello', { route: 'hello', methods: ['GET'], authLevel: 'anonymous', handler: () => ({ body: 'hello' }) });
