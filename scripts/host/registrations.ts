import { createRequire } from 'node:module';
import path from 'node:path';

import { app, type HttpFunctionOptions, type HttpHandler, type HttpMethod } from '@azure/functions';

/** A function the app registered, as the Functions host would receive it. */
export type Registration =
  | { kind: 'http'; name: string; options: HttpFunctionOptions }
  | { kind: string; name: string; options: unknown };

const HTTP_SHORTHANDS: Partial<Record<keyof typeof app, HttpMethod>> = { get: 'GET', put: 'PUT', post: 'POST', patch: 'PATCH', deleteRequest: 'DELETE' };
/** Members of `app` that are not registrations of a function. */
const NOT_TRIGGERS = new Set(['hook', 'setup']);

/**
 * Loads the app's entry with every `app.*` registration call captured instead of sent to a host.
 * What the local host serves is therefore exactly what the app registers with Azure, whatever kind
 * of trigger and whoever added it. It loads the unbundled build of the entry the deployment bundle
 * is made from (package.json `main` is that bundle): a bundle carries its own copy of
 * `@azure/functions`, whose `app` could not be intercepted here.
 */
export function loadRegistrations(root: string): Registration[] {
  const captured: Registration[] = [];
  const target = app as unknown as Record<string, unknown>;
  const originals = new Map<string, unknown>();
  const replace = (member: string, capture: (name: string, options: unknown) => void): void => {
    originals.set(member, target[member]);
    target[member] = capture;
  };
  for (const member of Object.keys(app)) {
    if (NOT_TRIGGERS.has(member)) continue;
    const method = HTTP_SHORTHANDS[member as keyof typeof app];
    if (member === 'http') {
      replace(member, (name, options) => captured.push({ kind: 'http', name, options: options as HttpFunctionOptions }));
    } else if (method !== undefined) {
      replace(member, (name, options) => {
        const given = typeof options === 'function' ? { handler: options as HttpHandler } : (options as Omit<HttpFunctionOptions, 'methods'>);
        captured.push({ kind: 'http', name, options: { ...given, methods: [method] } });
      });
    } else {
      replace(member, (name, options) => captured.push({ kind: member, name, options }));
    }
  }
  try {
    const load = createRequire(path.join(root, 'package.json'));
    load(path.join(root, UNBUNDLED_ENTRY));
  } finally {
    for (const [member, original] of originals) target[member] = original;
  }
  return captured;
}

/** The compiled entry that scripts/bundle.ts bundles into package.json `main`. */
export const UNBUNDLED_ENTRY = 'dist/src/main.js';
