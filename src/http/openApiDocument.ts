import { z } from 'zod';

import { apiVersionQuerySchema } from './batch/apiVersion';
import { BATCH_ERRORS, batchErrorSchema, batchIssueOfCode, FIELD_ISSUE_CODES, type BatchErrorCode } from './batch/batchError';
import { batchHeadersSchema } from './batch/batchHeaders';
import { BATCH_JSON_CONTENT_TYPE } from './batch/wire';
import { ERROR_CODES, type ErrorCode } from './errorCodes';
import { errorEnvelopeSchema, successEnvelopeSchema } from './envelopeSchemas';
import type { HttpRoute, RouteDescription } from './httpRoute';

type Json = Record<string, unknown>;

/** One JSON Schema (2020-12, the dialect of OpenAPI 3.1) from a zod schema, as requests are parsed. */
function schemaOf(schema: z.ZodType, io: 'input' | 'output'): Json {
  const json: Json = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  // The dialect is the document's own (OpenAPI 3.1 is JSON Schema 2020-12): no $schema per schema.
  delete json.$schema;
  return json;
}

function parameters(where: 'path' | 'query' | 'header', schema: z.ZodObject | undefined, note = ''): Json[] {
  if (schema === undefined) return [];
  return Object.entries(schema.shape).map(([name, field]) => {
    const json = schemaOf(field as z.ZodType, 'input');
    const { description, ...fieldSchema } = json;
    return {
      name,
      in: where,
      required: where === 'path' || !(field as z.ZodType).safeParse(undefined).success,
      ...(typeof description === 'string' ? { description: `${note}${description}` } : {}),
      schema: fieldSchema,
    };
  });
}

const REQUEST_ID = { 'request-id': { $ref: '#/components/headers/request-id' } };
const ENVELOPE_ERROR = { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } };
const BATCH_ERROR = { [BATCH_JSON_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/BatchError' } } };
const BODY_CODES = new Set<BatchErrorCode>(['RequestBodyTooLarge', 'InvalidRequestBody', 'UnsupportedProperty', 'InvalidPropertyValue']);

/** The Batch codes a route's errors become in Batch's format: a request that does not parse, by the rules of batchIssueOfFields. */
function batchCodesOf(described: RouteDescription): BatchErrorCode[] {
  return described.errors.flatMap((code): BatchErrorCode[] => {
    if (code === 'VALIDATION_ERROR') return FIELD_ISSUE_CODES.filter((batchCode) => described.body !== undefined || !BODY_CODES.has(batchCode));
    return [batchIssueOfCode(code).code];
  });
}

/** One response per status, with the envelope's error, Batch's, or both, as the route can answer it. */
function errorResponses(described: RouteDescription): Json {
  const byStatus = new Map<number, { envelope: ErrorCode[]; batch: BatchErrorCode[] }>();
  const at = (status: number): { envelope: ErrorCode[]; batch: BatchErrorCode[] } => {
    const entry = byStatus.get(status) ?? { envelope: [], batch: [] };
    byStatus.set(status, entry);
    return entry;
  };
  for (const code of described.errors) at(ERROR_CODES[code].status).envelope.push(code);
  if (described.batch !== undefined) for (const code of new Set(batchCodesOf(described))) at(BATCH_ERRORS[code].status).batch.push(code);
  return Object.fromEntries(
    [...byStatus].sort(([a], [b]) => a - b).map(([status, { envelope, batch }]) => [
      String(status),
      {
        description: [
          ...(envelope.length > 0 ? [envelope.map((code) => `${code} (Batch: ${ERROR_CODES[code].batchCode})`).join('; ')] : []),
          ...(batch.length > 0 ? [`With api-version: ${batch.join(', ')}`] : []),
        ].join('. '),
        headers: REQUEST_ID,
        content: { ...(envelope.length > 0 ? ENVELOPE_ERROR : {}), ...(batch.length > 0 ? BATCH_ERROR : {}) },
      },
    ]),
  );
}

function successResponses(described: RouteDescription, headers: Json): Json {
  const envelope = { 'application/json': { schema: schemaOf(successEnvelopeSchema(described.data), 'output') } };
  const batch = described.batch?.success;
  const batchBody = batch?.body === undefined ? {} : { [BATCH_JSON_CONTENT_TYPE]: { schema: schemaOf(batch.body, 'output') } };
  const responses: Json = { '200': { description: batch?.status === 200 ? 'Success: the envelope, or with api-version Batch\'s body.' : 'Success.', headers: { ...REQUEST_ID, ...headers }, content: { ...envelope, ...(batch?.status === 200 ? batchBody : {}) } } };
  const batchNoBody = batch !== undefined && batch.status !== 200;
  const dataServiceId = batchNoBody ? { DataServiceId: { description: 'With api-version: the URL of the operation.', schema: { type: 'string' } } } : {};
  if (described.accepted !== undefined) {
    const alsoBatch = batchNoBody && batch.status === 202 ? " With api-version, Batch's answer to every termination, finished or not: no body." : '';
    responses['202'] = { description: `${described.accepted}${alsoBatch}`, headers: { ...REQUEST_ID, ...headers, ...(alsoBatch === '' ? {} : dataServiceId) }, content: envelope };
  }
  if (batchNoBody && responses[String(batch.status)] === undefined) {
    responses[String(batch.status)] = { description: 'Success with api-version, as Batch answers it: no body.', headers: { ...REQUEST_ID, ...headers, ...dataServiceId } };
  }
  if (described.notModified === true) {
    responses['304'] = { description: "Not modified, in either format: If-None-Match matched, or nothing changed since If-Modified-Since. No body.", headers: { ...REQUEST_ID, ...headers } };
  }
  return responses;
}

function requestBody(described: RouteDescription): Json {
  if (described.body === undefined) return {};
  const batchBody = described.batch?.body;
  const content: Json = { 'application/json': { schema: schemaOf(described.body, 'input') } };
  if (batchBody !== undefined) content['application/json; odata=minimalmetadata'] = { schema: schemaOf(batchBody, 'input') };
  const description =
    batchBody === undefined ? 'Optional: an empty body is read as {}.' : "Optional: an empty body is read as {}. With api-version, Batch's spelling (the second schema) whatever the Content-Type says.";
  return { requestBody: { required: false, description, content } };
}

function operation(definition: HttpRoute, described: RouteDescription): Json {
  const headers = Object.fromEntries(Object.entries(described.responseHeaders ?? {}).map(([name, description]) => [name, { description, schema: { type: 'string' } }]));
  const batch = described.batch !== undefined;
  return {
    operationId: definition.name,
    summary: described.summary,
    security: definition.authLevel === 'anonymous' ? [] : [{ functionKey: [] }, { functionKeyQuery: [] }],
    parameters: [
      ...parameters('path', described.params),
      ...parameters('query', described.query),
      ...(batch ? parameters('query', apiVersionQuerySchema) : []),
      ...parameters('header', described.headers),
      ...(batch ? parameters('header', batchHeadersSchema, 'With api-version only. ') : []),
    ],
    ...requestBody(described),
    responses: { ...successResponses(described, headers), ...errorResponses(described) },
  };
}

/**
 * The OpenAPI 3.1 document of the given routes, built from the zod schemas each route validates
 * its requests with. Route templates (`jobs/{jobId}`) are already OpenAPI path templates.
 */
export function openApiDocument(definitions: readonly HttpRoute[], version: string): Json {
  const paths: Record<string, Json> = {};
  for (const definition of definitions) {
    const path = `/${definition.route}`;
    const item = (paths[path] ??= {});
    for (const method of definition.methods) item[method.toLowerCase()] = operation(definition, definition.describe);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'batch-task-reactivation',
      version,
      description:
        "Azure Batch's Reactivate Task operation over Table Storage. Without api-version every answer is an envelope: {success: true, data} or {success: false, error: {code, message, details?}}. " +
        "With api-version (any Batch data-plane version, as every Batch client sends), requests and answers are in Azure Batch's own wire format, so the official Batch SDKs work unchanged: 204 and 202 without a body for the writes, CloudTask and CloudJob for the reads, BatchError for every error (content type application/json;odata=minimalmetadata).",
    },
    paths,
    components: {
      schemas: { ErrorEnvelope: schemaOf(errorEnvelopeSchema, 'output'), BatchError: schemaOf(batchErrorSchema, 'output') },
      headers: { 'request-id': { description: 'A fresh UUID for every answer.', schema: { type: 'string', format: 'uuid' } } },
      securitySchemes: {
        functionKey: { type: 'apiKey', in: 'header', name: 'x-functions-key' },
        functionKeyQuery: { type: 'apiKey', in: 'query', name: 'code' },
      },
    },
  };
}
