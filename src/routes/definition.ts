import type { HttpHandler, HttpMethod } from '@azure/functions';

import type { AppDependencies } from '../compose';

/**
 * One HTTP route: its function name, route template and methods, and a factory that builds its
 * handler from the app's dependencies. The Functions entry point registers these; tests build
 * handlers from the same factories with dependencies of their own.
 */
export interface HttpFunctionDefinition {
  name: string;
  route: string;
  methods: HttpMethod[];
  makeHandler: (deps: AppDependencies) => HttpHandler;
}
