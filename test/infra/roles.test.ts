import { describe, expect, it } from 'vitest';

import {
  DEFAULT_EVENTS_QUEUE_NAME,
  DEFAULT_OUTBOX_QUEUE_NAME,
  DEFAULT_REACTIVATION_QUEUE_NAME,
  DEFAULT_RETENTION_QUEUE_NAME,
  DEFAULT_SWEEP_QUEUE_NAME,
  DEFAULT_TABLE_NAME,
} from '../../src/config';
import { at, idOf, leafName, ofType, single, storageAccounts, textOf } from './helpers';

const ROLE = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
  storageQueueDataMessageSender: 'c6a89b2d-59bc-44d0-9896-0f6e12d7b80a',
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
} as const;

const QUEUE_ROLES: string[] = [ROLE.storageQueueDataContributor, ROLE.storageQueueDataMessageSender];
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');

/** Every role the identity holds, and the one scope it holds it on. */
function expected(): { role: string; scope: string; why: string }[] {
  const { data, host } = storageAccounts();
  const queue = (name: string): string => `${idOf(data)}/queueServices/default/queues/${name}`;
  return [
    { role: ROLE.storageBlobDataOwner, scope: idOf(host), why: 'host storage and deployment package, in the host account, account-wide as the host needs' },
    {
      role: ROLE.storageTableDataContributor,
      scope: `${idOf(data)}/tableServices/default/tables/${DEFAULT_TABLE_NAME}`,
      why: 'the task table only',
    },
    { role: ROLE.storageQueueDataContributor, scope: queue(DEFAULT_REACTIVATION_QUEUE_NAME), why: 'the queue trigger' },
    {
      role: ROLE.storageQueueDataContributor,
      scope: queue(`${DEFAULT_REACTIVATION_QUEUE_NAME}-poison`),
      why: 'the queue trigger moving failures aside',
    },
    { role: ROLE.storageQueueDataMessageSender, scope: queue(DEFAULT_EVENTS_QUEUE_NAME), why: 'publishing task events' },
    { role: ROLE.storageQueueDataContributor, scope: queue(DEFAULT_SWEEP_QUEUE_NAME), why: 'the sweep trigger' },
    {
      role: ROLE.storageQueueDataContributor,
      scope: queue(`${DEFAULT_SWEEP_QUEUE_NAME}-poison`),
      why: 'the host moving failed sweeps aside, and the trigger that resumes them',
    },
    { role: ROLE.storageQueueDataContributor, scope: queue(DEFAULT_OUTBOX_QUEUE_NAME), why: 'the outbox-check trigger' },
    {
      role: ROLE.storageQueueDataContributor,
      scope: queue(`${DEFAULT_OUTBOX_QUEUE_NAME}-poison`),
      why: 'the host moving failed outbox checks aside',
    },
    { role: ROLE.storageQueueDataContributor, scope: queue(DEFAULT_RETENTION_QUEUE_NAME), why: 'the retention trigger' },
    {
      role: ROLE.storageQueueDataContributor,
      scope: queue(`${DEFAULT_RETENTION_QUEUE_NAME}-poison`),
      why: 'the host moving failed retention runs aside',
    },
    { role: ROLE.monitoringMetricsPublisher, scope: idOf(single('Microsoft.Insights/components')), why: 'telemetry with local auth off' },
  ];
}

/**
 * Who touches which queue, as the app is built. The host adds "-poison" to every queue a trigger
 * reads, except to a queue already named so (the Storage Queues extension's QueueListenerFactory).
 */
const ACCESS = {
  triggerReads: [
    DEFAULT_REACTIVATION_QUEUE_NAME,
    DEFAULT_SWEEP_QUEUE_NAME,
    `${DEFAULT_SWEEP_QUEUE_NAME}-poison`,
    DEFAULT_OUTBOX_QUEUE_NAME,
    DEFAULT_RETENTION_QUEUE_NAME,
  ],
  appSends: [
    DEFAULT_EVENTS_QUEUE_NAME,
    DEFAULT_REACTIVATION_QUEUE_NAME,
    `${DEFAULT_REACTIVATION_QUEUE_NAME}-poison`,
    DEFAULT_SWEEP_QUEUE_NAME,
    DEFAULT_OUTBOX_QUEUE_NAME,
    DEFAULT_RETENTION_QUEUE_NAME,
  ],
};

const hostPoisons = (): string[] => ACCESS.triggerReads.filter((name) => !name.endsWith('-poison')).map((name) => `${name}-poison`);

/** The one role a queue needs: Contributor where a trigger reads or the host writes, Sender where the app only sends. */
function roleNeeded(queue: string): string | undefined {
  if (ACCESS.triggerReads.includes(queue) || hostPoisons().includes(queue)) return ROLE.storageQueueDataContributor;
  if (ACCESS.appSends.includes(queue)) return ROLE.storageQueueDataMessageSender;
  return undefined;
}

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
    const wanted = expected();
    for (const { role, scope, why } of wanted) {
      const matches = actual.filter((assignment) => assignment.role === role && assignment.scope === scope);
      expect(matches, `${role} on ${scope} (${why})`).toHaveLength(1);
    }
    expect(actual).toHaveLength(wanted.length);
  });

  it('puts queue roles on single queues and the table role on the table, all in the data account', () => {
    const { data } = storageAccounts();
    const queues = new Set(ofType('Microsoft.Storage/storageAccounts/queueServices/queues').map(leafName));
    for (const assignment of assignments()) {
      if (QUEUE_ROLES.includes(assignment.role)) {
        const match = new RegExp(`^${escape(idOf(data))}/queueServices/default/queues/([^/]+)$`).exec(assignment.scope);
        expect(match, `${assignment.role} on ${assignment.scope}`).not.toBeNull();
        expect(queues.has(match?.[1] ?? ''), `${assignment.scope} is a queue the template creates`).toBe(true);
      }
      if (assignment.role === ROLE.storageTableDataContributor) {
        expect(assignment.scope).toBe(`${idOf(data)}/tableServices/default/tables/${DEFAULT_TABLE_NAME}`);
      }
    }
  });

  it('grants no blob role on the data account, and nothing but Blob Data Owner on the host account', () => {
    const { data, host } = storageAccounts();
    const within = (scope: string, account: string): boolean => scope === account || scope.startsWith(`${account}/`);
    for (const assignment of assignments()) {
      if (assignment.role === ROLE.storageBlobDataOwner) expect(assignment.scope).toBe(idOf(host));
      if (within(assignment.scope, idOf(host))) expect(assignment.role, assignment.scope).toBe(ROLE.storageBlobDataOwner);
      if (within(assignment.scope, idOf(data))) {
        expect([ROLE.storageTableDataContributor, ...QUEUE_ROLES], assignment.scope).toContain(assignment.role);
      }
    }
  });

  it('gives every queue exactly the role its use needs: Contributor where read or poisoned, Sender where only sent to', () => {
    const { data } = storageAccounts();
    const queues = ofType('Microsoft.Storage/storageAccounts/queueServices/queues').map(leafName);
    const actual = assignments();
    for (const queue of queues) {
      const scope = `${idOf(data)}/queueServices/default/queues/${queue}`;
      const roles = actual.filter((assignment) => assignment.scope === scope).map((assignment) => assignment.role);
      const needed = roleNeeded(queue);
      expect(needed, `${queue} is used by the app`).toBeDefined();
      expect(roles, queue).toEqual([needed]);
    }
    for (const queue of [...ACCESS.triggerReads, ...ACCESS.appSends, ...hostPoisons()]) expect(queues, `${queue} is created`).toContain(queue);
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
