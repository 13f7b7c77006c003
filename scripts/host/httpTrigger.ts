import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { HttpRequest, HttpResponse, InvocationContext, type HttpFunctionOptions, type HttpHandler, type HttpMethod } from '@azure/functions';

import type { Registration } from './registrations';
import { matchRoute, parseRouteTemplate, specificity, splitPath, type RouteTemplate } from './routeTemplate';

interface HttpRoute {
  name: string;
  template: RouteTemplate;
  methods: readonly HttpMethod[];
  handler: HttpHandler;
}

export type LogLine = (functionName: string, level: string, message: string) => void;

/** The defaults the host applies to `app.http` options: route = function name, methods GET and POST. */
function httpRoute(name: string, options: HttpFunctionOptions, routePrefix: string): HttpRoute {
  const route = options.route ?? name;
  return {
    name,
    template: parseRouteTemplate([routePrefix, route].filter((part) => part !== '').join('/')),
    methods: (options.methods ?? ['GET', 'POST']).map((method) => method.toUpperCase() as HttpMethod),
    handler: options.handler,
  };
}

/**
 * The HTTP trigger of the local host: node:http request → the library's own `HttpRequest` (route
 * parameters filled in as the host fills them) → the registered handler with a real
 * `InvocationContext` → its answer written back. Function keys are not checked, as Core Tools does
 * not check them locally. As the host does, a path that no route matches, or a route asked with a
 * method it does not take, answers an empty 404; a body over 100 MiB, or a handler that throws, an
 * empty 500.
 */
export function httpListener(registrations: readonly Registration[], routePrefix: string, log: LogLine): (req: IncomingMessage, res: ServerResponse) => void {
  const routes = registrations
    .filter((registration): registration is Extract<Registration, { kind: 'http' }> => registration.kind === 'http')
    .map((registration) => httpRoute(registration.name, registration.options, routePrefix))
    .sort((a, b) => specificity(a.template).localeCompare(specificity(b.template)));
  return (req, res) => {
    serve(routes, req, res, log).catch((error: unknown) => {
      log('host', 'error', `request failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) writeEmpty(res, 500);
      else res.destroy();
    });
  };
}

async function serve(routes: readonly HttpRoute[], req: IncomingMessage, res: ServerResponse, log: LogLine): Promise<void> {
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
  const method = (req.method ?? 'GET').toUpperCase();
  const segments = splitPath(url.pathname);
  const chosen = routes
    .filter((route) => route.methods.includes(method as HttpMethod))
    .map((route) => ({ route, params: matchRoute(route.template, segments) }))
    .find((match): match is { route: HttpRoute; params: Record<string, string> } => match.params !== null);
  if (chosen === undefined) {
    req.resume();
    writeEmpty(res, 404);
    return;
  }
  const body = await readBody(req);
  if (body === null) {
    // The host cannot bind a body over its limit: the function fails before the app runs.
    writeEmpty(res, 500);
    return;
  }
  const request = new HttpRequest({
    method,
    url: url.toString(),
    headers: flattenHeaders(req.headers),
    params: chosen.params,
    // The library drops a body on GET and HEAD (with a warning); do the same without one.
    ...(body.length > 0 && method !== 'GET' && method !== 'HEAD' ? { body: { bytes: new Uint8Array(body) } } : {}),
  });
  const name = chosen.route.name;
  const context = new InvocationContext({
    invocationId: randomUUID(),
    functionName: name,
    logHandler: (level, ...args) => {
      log(name, level, args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
    },
  });
  const response = new HttpResponse(await chosen.route.handler(request, context));
  const payload = Buffer.from(await response.arrayBuffer());
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    headers[key] = value;
  });
  res.writeHead(response.status, headers);
  res.end(payload);
}

/** Kestrel's request body limit in the Functions host: 100 MiB. */
const MAX_BODY_BYTES = 104_857_600;

/** The body, or null when it is longer than the host takes (the rest is read and dropped). */
function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.once('end', () => {
      resolve(length > MAX_BODY_BYTES ? null : Buffer.concat(chunks));
    });
    req.once('error', reject);
  });
}

function flattenHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).flatMap(([name, value]) => (value === undefined ? [] : [[name, Array.isArray(value) ? value.join(', ') : value]])));
}

/** What the host answers itself when no function runs: a status and no body. */
function writeEmpty(res: ServerResponse, status: number): void {
  res.writeHead(status, { 'content-length': '0' });
  res.end();
}
