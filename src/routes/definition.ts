import type { HttpHandler, HttpMethod } from '@azure/functions';
import type { z } from 'zod';

import type { AppDependencies } from '../compose';
import type { ErrorCode } from '../http/errorCodes';

/**
 * What a route accepts and answers, as the zod schemas its handler validates with, so that the
 * OpenAPI document is generated from the very rules that run and cannot drift from them.
 */
export interface RouteDescription {
  summary: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  headers?: z.ZodObject;
  /** An optional JSON body; absent means the route takes none. */
  body?: z.ZodType;
  /** `data` of the success envelope. */
  data: z.ZodType;
  /** Every error code the route can answer with. */
  errors: readonly ErrorCode[];
  /** Headers of the success answer, name → meaning. */
  responseHeaders?: Readonly<Record<string, string>>;
}

/**
 * One HTTP route: its function name, route template and methods, and a factory that builds its
 * handler from the app's dependencies. The Functions entry point registers these; tests build
 * handlers from the same factories with dependencies of their own.
 */
export interface HttpFunctionDefinition {
  name: string;
  route: string;
  methods: HttpMethod[];
  /** `function` (a key is required in Azure) unless the route says otherwise. */
  authLevel?: 'anonymous' | 'function' | 'admin';
  describe: RouteDescription;
  makeHandler: (deps: AppDependencies) => HttpHandler;
}
