import { expect } from 'vitest';

import { type ArmResource, compiledTemplate, Dynamic, type Value } from './arm';

/** The only resource of a type; fails if there are none or several. */
export function single(type: string): ArmResource {
  const found = ofType(type);
  expect(found.map((resource) => resource.type), `exactly one ${type}`).toEqual([type]);
  return found[0]!;
}

export function ofType(type: string): ArmResource[] {
  return compiledTemplate().resources.filter((resource) => resource.type === type);
}

/** Reads a nested property of an evaluated value by path. */
export function at(value: Value | undefined, ...path: string[]): Value | undefined {
  let current: Value | undefined = value;
  for (const key of path) {
    if (current === null || current === undefined || typeof current !== 'object' || Array.isArray(current) || current instanceof Dynamic) {
      return undefined;
    }
    current = current[key];
  }
  return current;
}

/** The last segment of a resource name such as «account»/default/batchtasks. */
export function leafName(resource: ArmResource): string {
  const text = textOf(resource.value.name);
  return text.split('/').pop() ?? text;
}

export function textOf(value: Value | undefined): string {
  if (value instanceof Dynamic) return value.text;
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
