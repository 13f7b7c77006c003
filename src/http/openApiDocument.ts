import { z } from 'zod';

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

function parameters(where: 'path' | 'query' | 'header', schema: z.ZodObject | undefined): Json[] {
  if (schema === undefined) return [];
  return Object.entries(schema.shape).map(([name, field]) => {
    const json = schemaOf(field as z.ZodType, 'input');
    const { description, ...fieldSchema } = json;
    return {
      name,
      in: where,
      required: where === 'path' || !(field as z.ZodType).safeParse(undefined).success,
      ...(typeof description === 'string' ? { description } : {}),
      schema: fieldSchema,
    };
  });
}

function errorResponses(errors: readonly ErrorCode[]): Json {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errors) {
    const status = ERROR_CODES[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, codes]) => [
      String(status),
      {
        description: codes.map((code) => `${code} (Batch: ${ERROR_CODES[code].batchCode})`).join('; '),
        headers: { 'request-id': { $ref: '#/components/headers/request-id' } },
        content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } },
      },
    ]),
  );
}

function operation(definition: HttpRoute, described: RouteDescription): Json {
  const headers = Object.fromEntries(Object.entries(described.responseHeaders ?? {}).map(([name, description]) => [name, { description, schema: { type: 'string' } }]));
  const success = (description: string): Json => ({
    description,
    headers: { 'request-id': { $ref: '#/components/headers/request-id' }, ...headers },
    content: { 'application/json': { schema: schemaOf(successEnvelopeSchema(described.data), 'output') } },
  });
  return {
    operationId: definition.name,
    summary: described.summary,
    security: definition.authLevel === 'anonymous' ? [] : [{ functionKey: [] }, { functionKeyQuery: [] }],
    parameters: [...parameters('path', described.params), ...parameters('query', described.query), ...parameters('header', described.headers)],
    ...(described.body !== undefined
      ? { requestBody: { required: false, description: 'Optional: an empty body is read as {}.', content: { 'application/json': { schema: schemaOf(described.body, 'input') } } } }
      : {}),
    responses: {
      '200': success('Success.'),
      ...(described.accepted !== undefined ? { '202': success(described.accepted) } : {}),
      ...errorResponses(described.errors),
    },
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
      description: "Azure Batch's Reactivate Task operation over Table Storage. Every answer is an envelope: {success: true, data} or {success: false, error: {code, message, details?}}.",
    },
    paths,
    components: {
      schemas: { ErrorEnvelope: schemaOf(errorEnvelopeSchema, 'output') },
      headers: { 'request-id': { description: 'A fresh UUID for every answer.', schema: { type: 'string', format: 'uuid' } } },
      securitySchemes: {
        functionKey: { type: 'apiKey', in: 'header', name: 'x-functions-key' },
        functionKeyQuery: { type: 'apiKey', in: 'query', name: 'code' },
      },
    },
  };
}
