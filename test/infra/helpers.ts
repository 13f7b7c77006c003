import { expect } from 'vitest';

import { type ArmResource, type CompiledTemplate, compiledTemplate, Dynamic, type Value } from './arm';

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

/** The account a storage service («account»/default) or its child («account»/default/«leaf») belongs to, by name. */
export function accountNameOf(resource: ArmResource): string {
  const text = textOf(resource.value.name);
  const match = /^(.+?)\/default(?:\/[^/]+)?$/.exec(text);
  if (match?.[1] === undefined) throw new Error(`${resource.type} ${text} is not a storage child resource`);
  return match[1];
}

/** The resource id of a top-level resource in the resource group, as the evaluated template writes ids. */
export function idOf(resource: ArmResource): string {
  return `/subscriptions/«subscription»/resourceGroups/«resourceGroup»/providers/${resource.type}/${textOf(resource.value.name)}`;
}

/**
 * The two storage accounts, told apart by what they hold rather than by their names: the data
 * account has the task table, the host account the deployment-package container.
 */
export function storageAccounts(template: CompiledTemplate = compiledTemplate()): { data: ArmResource; host: ArmResource } {
  const accounts = template.resources.filter((resource) => resource.type === 'Microsoft.Storage/storageAccounts');
  expect(accounts, 'exactly two storage accounts').toHaveLength(2);
  const holder = (type: string): ArmResource => {
    const children = template.resources.filter((resource) => resource.type === type);
    expect(children, `exactly one ${type}`).toHaveLength(1);
    const name = accountNameOf(children[0]!);
    const account = accounts.find((candidate) => textOf(candidate.value.name) === name);
    expect(account, `the account of ${type} ${name} is created by the template`).toBeDefined();
    return account!;
  };
  const data = holder('Microsoft.Storage/storageAccounts/tableServices/tables');
  const host = holder('Microsoft.Storage/storageAccounts/blobServices/containers');
  expect(textOf(data.value.name), 'the table and the deployment container are in different accounts').not.toBe(textOf(host.value.name));
  return { data, host };
}
