import { describe, expect, it } from 'vitest';

import { BATCH_API_VERSIONS } from '../../src/http/batch/apiVersion';
import { BATCH_JSON_CONTENT_TYPE } from '../../src/http/batch/wire';
import { ERROR_CODES } from '../../src/http/errorCodes';
import { HTTP_ROUTES, openApiHandler } from '../../src/functions/openApi';
import type { HttpRoute } from '../../src/http/httpRoute';
import { openApiDocument } from '../../src/http/openApiDocument';
import { invoke } from '../support/http';
import { HTTP_FUNCTIONS } from '../support/httpFunctions';

type Doc = {
  openapi: string;
  paths: Record<string, Record<string, { operationId: string; parameters: { name: string; in: string; required: boolean; schema: Record<string, unknown> }[]; security: unknown[]; requestBody?: unknown; responses: Record<string, { description: string; content?: Record<string, { schema: Record<string, unknown> }> }> }>>;
  components: { schemas: { ErrorEnvelope: { properties: { error: { properties: { code: { enum: string[] } } } } }; BatchError: Record<string, unknown> } };
};

const doc = openApiDocument(HTTP_ROUTES, '1.0.0') as unknown as Doc;

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 and describes every registered route with its methods, and nothing else', () => {
    expect(doc.openapi).toBe('3.1.0');
    const described = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => `${method.toUpperCase()} ${path} ${op.operationId}`));
    const registered = HTTP_FUNCTIONS.flatMap(({ route }) => route.methods.map((method) => `${method} /${route.route} ${route.name}`));
    expect(described.sort()).toEqual(registered.sort());
    expect(HTTP_ROUTES).toEqual(HTTP_FUNCTIONS.map(({ route }) => route));
  });

  it('names every error code of the app in the error envelope, and each route answers with its own', () => {
    expect([...doc.components.schemas.ErrorEnvelope.properties.error.properties.code.enum].sort()).toEqual(Object.keys(ERROR_CODES).sort());
    const reactivate = doc.paths['/jobs/{jobId}/tasks/{taskId}/reactivate']?.post;
    expect(Object.keys(reactivate?.responses ?? {}).sort()).toEqual(['200', '204', '400', '404', '409', '412', '413', '500', '503']);
    expect(reactivate?.responses['409']?.description).toContain('TASK_SUCCEEDED (Batch: TaskSucceeded)');
    const documentedCodes = new Set(Object.values(doc.paths).flatMap((item) => Object.values(item).flatMap((op) => Object.values(op.responses).map((r) => r.description))).join(' ').match(/[A-Z_]{5,}/g));
    for (const code of Object.keys(ERROR_CODES)) expect(documentedCodes).toContain(code);
  });

  it('takes the request rules from the schemas the handlers validate with', () => {
    const reactivate = doc.paths['/jobs/{jobId}/tasks/{taskId}/reactivate']?.post;
    const jobId = reactivate?.parameters.find((p) => p.name === 'jobId');
    expect(jobId).toMatchObject({ in: 'path', required: true, schema: { minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' } });
    expect(reactivate?.parameters.map((p) => `${p.in}:${p.name}:${String(p.required)}`)).toEqual([
      'path:jobId:true', 'path:taskId:true', 'query:timeout:false', 'query:api-version:false', 'header:client-request-id:false', 'header:return-client-request-id:false',
      'header:If-Match:false', 'header:If-None-Match:false', 'header:If-Modified-Since:false', 'header:If-Unmodified-Since:false',
      'header:ocp-date:false', 'header:x-ms-client-request-id:false',
    ]);
    const terminate = doc.paths['/jobs/{jobId}/terminate']?.post as { requestBody: { content: Record<string, { schema: { properties: Record<string, { maxLength: number }>; additionalProperties: boolean } }> } };
    expect(terminate.requestBody.content['application/json']?.schema).toMatchObject({ properties: { terminate_reason: { maxLength: 1024 } }, additionalProperties: false });
    const task = doc.paths['/jobs/{jobId}/tasks/{taskId}']?.get?.responses['200']?.content?.['application/json']?.schema as { properties: { data: { properties: Record<string, unknown> } } };
    expect(Object.keys(task.properties.data.properties)).toEqual(expect.arrayContaining(['id', 'job_id', 'state', 'etag', 'reactivation_count', 'failure_info']));
  });

  it("describes Batch's wire format beside the envelope, from the schemas that parse and render it", () => {
    const reactivate = doc.paths['/jobs/{jobId}/tasks/{taskId}/reactivate']?.post;
    const apiVersion = reactivate?.parameters.find((p) => p.name === 'api-version');
    expect(apiVersion?.schema.enum).toEqual([...BATCH_API_VERSIONS]);
    expect(reactivate?.responses['204']?.content).toBeUndefined();
    expect(reactivate?.responses['409']?.content?.[BATCH_JSON_CONTENT_TYPE]?.schema).toEqual({ $ref: '#/components/schemas/BatchError' });
    expect(reactivate?.responses['409']?.description).toContain('With api-version: JobCompleted, JobBeingTerminated, JobBeingDeleted, TaskNotCompleted, TaskSucceeded');
    expect(reactivate?.responses['413']?.content).toEqual({ [BATCH_JSON_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/BatchError' } } });
    expect(doc.components.schemas.BatchError).toMatchObject({ required: expect.arrayContaining(['odata.metadata', 'code', 'message']) as unknown });

    const task = doc.paths['/jobs/{jobId}/tasks/{taskId}']?.get;
    const cloudTask = task?.responses['200']?.content?.[BATCH_JSON_CONTENT_TYPE]?.schema as { properties: Record<string, unknown> };
    expect(Object.keys(cloudTask.properties)).toEqual(expect.arrayContaining(['id', 'eTag', 'state', 'executionInfo', 'constraints']));
    expect(Object.keys(task?.responses ?? {})).toContain('304');
    expect(task?.parameters.map((p) => p.name)).toEqual(expect.arrayContaining(['If-None-Match', 'If-Modified-Since', 'api-version', 'ocp-date']));

    const terminate = doc.paths['/jobs/{jobId}/terminate']?.post as unknown as { requestBody: { content: Record<string, { schema: { properties: Record<string, unknown> } }> }; responses: Record<string, unknown> };
    expect(Object.keys(terminate.requestBody.content['application/json; odata=minimalmetadata']?.schema.properties ?? {})).toEqual(['terminateReason']);
    expect(Object.keys(terminate.responses)).toContain('202');

    const document = doc.paths['/openapi.json']?.get;
    expect(document?.parameters.map((p) => p.name)).not.toContain('api-version');
  });

  it('describes both answers of a termination: 200 when it finished, 202 with the job still terminating', () => {
    const terminate = doc.paths['/jobs/{jobId}/terminate']?.post;
    expect(Object.keys(terminate?.responses ?? {})).toEqual(expect.arrayContaining(['200', '202']));
    expect(terminate?.responses['202']?.description).toMatch(/without the caller/);
    expect(terminate?.responses['202']?.content).toEqual(terminate?.responses['200']?.content);
    // Only the termination goes on after its answer.
    const accepting = Object.values(doc.paths).flatMap((item) => Object.values(item)).filter((op) => op.responses['202'] !== undefined).map((op) => op.operationId);
    expect(accepting).toEqual(['terminateJob']);
    // With api-version, Batch's 202 carries no body; the envelope's 202 does.
    expect(terminate?.responses['202']?.description).toMatch(/With api-version/);
  });

  it('requires a function key on every route but the document itself', () => {
    const anonymous = Object.values(doc.paths).flatMap((item) => Object.values(item)).filter((op) => op.security.length === 0).map((op) => op.operationId);
    expect(anonymous).toEqual(['openApi']);
  });

  it('grows with the routes: a route added to the list is described without anything else to change', () => {
    const extra: HttpRoute = { ...HTTP_ROUTES[0]!, name: 'another', route: 'jobs/{jobId}/other', methods: ['PUT'] };
    const grown = openApiDocument([...HTTP_ROUTES, extra], '1.0.0') as unknown as Doc;
    expect(grown.paths['/jobs/{jobId}/other']?.put?.operationId).toBe('another');
  });

  it('is served at GET /openapi.json as the document itself, with a request-id', async () => {
    const handler = openApiHandler();
    const answer = await invoke(handler, { method: 'GET', path: '/openapi.json', params: {} });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.body).toEqual(JSON.parse(JSON.stringify(doc)));
  });
});
