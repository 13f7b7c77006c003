import type { HttpMethod } from '@azure/functions';
import { z } from 'zod';

import { idSchema } from '../domain/ids';
import type { BatchSuccess } from './batchAnswer';
import type { ErrorCode } from './errorCodes';

/**
 * An HTTP function as the host routes it and the OpenAPI document describes it. The schemas are the
 * very ones its handler parses the request with, so the document cannot drift from the rules that run.
 */
export interface HttpRoute {
  name: string;
  route: string;
  methods: HttpMethod[];
  /** `function`: a function key is required in Azure (Core Tools does not check it locally). */
  authLevel: 'anonymous' | 'function';
  describe: RouteDescription;
}

export interface RouteDescription {
  summary: string;
  params?: z.ZodObject;
  query?: z.ZodObject;
  headers?: z.ZodObject;
  /** An optional JSON body; absent means the route takes none. */
  body?: z.ZodType;
  /** `data` of the success envelope. */
  data: z.ZodType;
  /** When the route may also answer 202 with the same envelope: what that answer means. */
  accepted?: string;
  /** Every error code the route can answer with. */
  errors: readonly ErrorCode[];
  /** Headers of the success answer, name → meaning. */
  responseHeaders?: Readonly<Record<string, string>>;
  /** A read that answers 304, without a body, when the caller's copy is current. */
  notModified?: boolean;
  /** The route in Azure Batch's wire format (with api-version): its success answer, and its body when Batch spells it otherwise. */
  batch?: { success: BatchSuccess; body?: z.ZodType };
}

export const jobPathSchema = z.object({ jobId: idSchema });
export const taskPathSchema = z.object({ jobId: idSchema, taskId: idSchema });
