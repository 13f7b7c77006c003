import { describe, expect, it } from 'vitest';

import { DEFAULT_EVENTS_QUEUE_NAME, DEFAULT_REACTIVATION_QUEUE_NAME, DEFAULT_TABLE_NAME } from '../../src/config';
import { at, ofType, textOf } from './helpers';

const ROLE = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  storageQueueDataMessageSender: 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a',
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
} as const;

const account = String.raw`/providers/Microsoft\.Storage/storageAccounts/[^/]+`;
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');

/** Every role the identity holds, and the one scope it holds it on. */
const EXPECTED: { role: string; scope: RegExp; why: string }[] = [
  { role: ROLE.storageBlobDataOwner, scope: new RegExp(`${account}$`), why: 'host storage and deployment package, account-wide as the host needs' },
  {
    role: ROLE.storageTableDataContributor,
    scope: new RegExp(`${account}/tableServices/default/tables/${escape(DEFAULT_TABLE_NAME)}$`),
    why: 'the task table only',
  },
  {
    role: ROLE.storageQueueDataContributor,
    scope: new RegExp(`${account}/queueServices/default/queues/${escape(DEFAULT_REACTIVATION_QUEUE_NAME)}$`),
    why: 'the queue trigger',
  },
  {
    role: ROLE.storageQueueDataContributor,
    scope: new RegExp(`${account}/queueServices/default/queues/${escape(`${DEFAULT_REACTIVATION_QUEUE_NAME}-poison`)}$`),
    why: 'the queue trigger moving failures aside',
  },
  {
    role: ROLE.storageQueueDataMessageSender,
    scope: new RegExp(`${account}/queueServices/default/queues/${escape(DEFAULT_EVENTS_QUEUE_NAME)}$`),
    why: 'publishing task events',
  },
  { role: ROLE.monitoringMetricsPublisher, scope: /\/providers\/Microsoft\.Insights\/components\/[^/]+$/, why: 'telemetry with local auth off' },
];

function assignments(): { role: string; scope: string; principalType: unknown; principalId: string }[] {
  return ofType('Microsoft.Authorization/roleAssignments').map((assignment) => {
    const roleDefinitionId = textOf(at(assignment.value, 'properties', 'roleDefinitionId'));
    expect(roleDefinitionId).toMatch(/\/providers\/Microsoft\.Authorization\/roleDefinitions\/[0-9a-f-]{36}$/);
    return {
      role: roleDefinitionId.slice(-36),
      scope: textOf(assignment.value.scope),
      principalType: at(assignment.value, 'properties', 'principalType'),
      principalId: textOf(at(assignment.value, 'properties', 'principalId')),
    };
  });
}

describe('infra: role assignments', () => {
  it('grants exactly the expected roles, each on its narrowest scope', () => {
    const actual = assignments();
    for (const expected of EXPECTED) {
      const matches = actual.filter((assignment) => assignment.role === expected.role && expected.scope.test(assignment.scope));
      expect(matches, `${expected.role} on ${String(expected.scope)} (${expected.why})`).toHaveLength(1);
    }
    expect(actual).toHaveLength(EXPECTED.length);
  });

  it('assigns nothing at resource-group or subscription scope', () => {
    for (const assignment of assignments()) {
      expect(assignment.scope).toMatch(/\/providers\/.+\/.+/);
    }
  });

  it('grants every role to the one user-assigned identity, as a service principal', () => {
    const actual = assignments();
    for (const assignment of actual) {
      expect(assignment.principalType).toBe('ServicePrincipal');
      expect(assignment.principalId).toMatch(/Microsoft\.ManagedIdentity\/userAssignedIdentities.*\.principalId$/);
    }
    expect(new Set(actual.map((assignment) => assignment.principalId)).size).toBe(1);
  });
});
