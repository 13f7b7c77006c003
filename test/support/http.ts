import { HttpRequest, HttpResponse, InvocationContext, type HttpHandler } from '@azure/functions';

export interface Call {
  method?: string;
  path: string;
  params: Record<string, string>;
  headers?: Record<string, string>;
  /** Text, or raw bytes (which need not be UTF-8). */
  body?: string | Uint8Array;
}

export interface Answer {
  status: number;
  headers: Headers;
  /** The body read as the envelope; `{}` when the answer has none (204, 202, 304). */
  body: { success: boolean; data?: unknown; error?: { code: string; message: string; details?: { field: string; message: string }[] } };
  /** The same body as sent: the text, and its JSON (undefined when empty) for answers in Batch's format. */
  text: string;
  json: unknown;
  logs: { level: string; message: string }[];
}

/** Calls a handler as the host would: a real HttpRequest and a real InvocationContext. */
export async function invoke(handler: HttpHandler, call: Call): Promise<Answer> {
  const logs: Answer['logs'] = [];
  const request = new HttpRequest({
    method: call.method ?? 'POST',
    url: `http://localhost:7071${call.path}`,
    params: call.params,
    headers: call.headers ?? {},
    ...(call.body === undefined ? {} : { body: typeof call.body === 'string' ? { string: call.body } : { bytes: call.body } }),
  });
  const context = new InvocationContext({
    invocationId: 'test-invocation',
    functionName: 'test',
    logHandler: (level, ...args) => logs.push({ level, message: args.map(String).join(' ') }),
  });
  const response = new HttpResponse(await handler(request, context));
  const text = await response.text();
  const json: unknown = text === '' ? undefined : JSON.parse(text);
  return { status: response.status, headers: response.headers, body: (json ?? {}) as Answer['body'], text, json, logs };
}
