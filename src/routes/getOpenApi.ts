import type { HttpHandler } from '@azure/functions';
import { z } from 'zod';

import { httpFunction } from '../http/httpFunction';
import type { HttpFunctionDefinition } from './definition';
import { openApiDocument } from './openApiDocument';

/** The version of the HTTP API the document describes (not of the package). */
export const API_VERSION = '1.0.0';

/**
 * `GET /openapi.json`: the document itself, not wrapped in the envelope (tools read it as is).
 * Anonymous, so that a client can discover the API before it has a key. The routes are passed in
 * lazily because this route is one of them and describes itself too.
 */
export function openApiFunction(routes: () => readonly HttpFunctionDefinition[]): HttpFunctionDefinition {
  return {
    name: 'openApi',
    route: 'openapi.json',
    methods: ['GET'],
    authLevel: 'anonymous',
    describe: {
      summary: 'This OpenAPI 3.1 document (not in the envelope)',
      data: z.object({ openapi: z.literal('3.1.0') }).loose(),
      errors: ['INTERNAL_ERROR'],
    },
    makeHandler: (): HttpHandler => {
      let document: Record<string, unknown> | undefined;
      return httpFunction('openApi', () => {
        document ??= openApiDocument(routes(), API_VERSION);
        return Promise.resolve({ status: 200, jsonBody: document });
      });
    },
  };
}

