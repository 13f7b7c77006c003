import { z } from 'zod';

/**
 * Every setting the app reads, by name. The names follow the Functions identity-connection
 * convention (`<prefix>__tableServiceUri`, `__credential`, `__clientId`) so that one prefix serves
 * both our own Table and Queue clients and the queue trigger's `connection`, and so that the Bicep app
 * settings, `local.settings.example.json` and this schema can be checked against one another.
 */
export const SETTING = {
  connectionString: 'TASKS_STORAGE',
  tableServiceUri: 'TASKS_STORAGE__tableServiceUri',
  queueServiceUri: 'TASKS_STORAGE__queueServiceUri',
  credential: 'TASKS_STORAGE__credential',
  clientId: 'TASKS_STORAGE__clientId',
  tableName: 'TASKS_TABLE_NAME',
  reactivationQueueName: 'TASKS_REACTIVATION_QUEUE',
  eventsQueueName: 'TASKS_EVENTS_QUEUE',
  sweepQueueName: 'TASKS_SWEEP_QUEUE',
  outboxQueueName: 'TASKS_OUTBOX_QUEUE',
  retentionQueueName: 'TASKS_RETENTION_QUEUE',
  historyRetentionDays: 'TASKS_HISTORY_RETENTION_DAYS',
} as const;

export const DEFAULT_TABLE_NAME = 'batchtasks';
export const DEFAULT_REACTIVATION_QUEUE_NAME = 'task-reactivation-requests';
export const DEFAULT_EVENTS_QUEUE_NAME = 'task-events';
/** The app's own background work: termination sweeps, outbox checks, history retention. */
export const DEFAULT_SWEEP_QUEUE_NAME = 'job-sweeps';
export const DEFAULT_OUTBOX_QUEUE_NAME = 'outbox-checks';
export const DEFAULT_RETENTION_QUEUE_NAME = 'history-retention';
export const DEFAULT_HISTORY_RETENTION_DAYS = 30;

const tableName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9]{2,62}$/, 'must be 3-63 letters or digits, starting with a letter')
  .refine((name) => name.toLowerCase() !== 'tables', '"tables" is reserved by Table Storage');

const httpsUri = (service: string) =>
  z.url({ protocol: /^https$/, error: `must be an https:// URL such as https://<account>.${service}.core.windows.net` });

/** Queue names are 3-63 lower-case letters, digits and single hyphens; the poison queue adds "-poison" (7). */
const queueName = z
  .string()
  .regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,54}[a-z0-9]$/, 'must be 3-56 lower-case letters, digits and single hyphens (its poison queue adds "-poison")');

const nonEmpty = z.string().trim().min(1);

const settingsSchema = z
  .object({
    [SETTING.connectionString]: nonEmpty.optional(),
    [SETTING.tableServiceUri]: httpsUri('table').optional(),
    [SETTING.queueServiceUri]: httpsUri('queue').optional(),
    [SETTING.credential]: z.literal('managedidentity', 'must be "managedidentity" when set').optional(),
    [SETTING.clientId]: z.guid('must be the client id (a GUID) of the managed identity').optional(),
    [SETTING.tableName]: tableName.default(DEFAULT_TABLE_NAME),
    [SETTING.reactivationQueueName]: queueName.default(DEFAULT_REACTIVATION_QUEUE_NAME),
    [SETTING.eventsQueueName]: queueName.default(DEFAULT_EVENTS_QUEUE_NAME),
    [SETTING.sweepQueueName]: queueName.default(DEFAULT_SWEEP_QUEUE_NAME),
    [SETTING.outboxQueueName]: queueName.default(DEFAULT_OUTBOX_QUEUE_NAME),
    [SETTING.retentionQueueName]: queueName.default(DEFAULT_RETENTION_QUEUE_NAME),
    [SETTING.historyRetentionDays]: z.coerce
      .number('must be a whole number of days')
      .int('must be a whole number of days')
      .min(1, 'must be at least 1 day')
      .max(3650, 'must be at most 3650 days')
      .default(DEFAULT_HISTORY_RETENTION_DAYS),
  })
  .superRefine((settings, ctx) => {
    const hasConnectionString = settings[SETTING.connectionString] !== undefined;
    const hasUri = settings[SETTING.tableServiceUri] !== undefined;
    if (hasConnectionString === hasUri) {
      ctx.addIssue({
        code: 'custom',
        path: [hasConnectionString ? SETTING.tableServiceUri : SETTING.connectionString],
        message: hasConnectionString
          ? `set either ${SETTING.connectionString} or ${SETTING.tableServiceUri}, not both`
          : `is required: set ${SETTING.connectionString} to a connection string (UseDevelopmentStorage=true for Azurite), ` +
            `or ${SETTING.tableServiceUri} to the account's table endpoint to sign in with a managed identity`,
      });
    }
    if (hasUri && settings[SETTING.queueServiceUri] === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [SETTING.queueServiceUri],
        message: `is required with ${SETTING.tableServiceUri}: the account's queue endpoint, for the reactivation and event queues`,
      });
    }
  });

/** How the app reaches Table Storage: with a key (Azurite, local) or with Entra ID (Azure). */
export type StorageConnection =
  | { kind: 'connectionString'; connectionString: string }
  | { kind: 'identity'; tableServiceUri: string; queueServiceUri: string; clientId: string | undefined };

export interface Config {
  storage: StorageConnection;
  tableName: string;
  /** The queue the queue trigger reads; its poison queue is this name with "-poison". */
  reactivationQueueName: string;
  eventsQueueName: string;
  /** Pages of a termination sweep; its poison queue is watched too, so a sweep never stops. */
  sweepQueueName: string;
  /** Delayed checks that every committed event was published. */
  outboxQueueName: string;
  /** Delayed deletion of history records and stored bulk answers past their retention. */
  retentionQueueName: string;
  historyRetentionDays: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Reads and validates the settings once; the message names every missing or wrong setting. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const present = Object.fromEntries(
    Object.values(SETTING).map((name) => [name, env[name] === '' ? undefined : env[name]]),
  );
  const parsed = settingsSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || 'settings'} ${issue.message}`);
    throw new ConfigError(`Invalid app settings: ${problems.join('; ')}`);
  }
  const settings = parsed.data;
  const connectionString = settings[SETTING.connectionString];
  const storage: StorageConnection =
    connectionString !== undefined
      ? { kind: 'connectionString', connectionString }
      : {
          kind: 'identity',
          tableServiceUri: settings[SETTING.tableServiceUri] as string,
          queueServiceUri: settings[SETTING.queueServiceUri] as string,
          clientId: settings[SETTING.clientId],
        };
  return {
    storage,
    tableName: settings[SETTING.tableName],
    reactivationQueueName: settings[SETTING.reactivationQueueName],
    eventsQueueName: settings[SETTING.eventsQueueName],
    sweepQueueName: settings[SETTING.sweepQueueName],
    outboxQueueName: settings[SETTING.outboxQueueName],
    retentionQueueName: settings[SETTING.retentionQueueName],
    historyRetentionDays: settings[SETTING.historyRetentionDays],
  };
}
