import { assemble, partsFor } from '../src/compose';
import { loadConfig, SETTING } from '../src/config';
import { FixtureTable } from '../src/storage/fixtureLoader';
import { createTableClient } from '../src/storage/tableClient';
import { startAzurite } from './azurite';
import { runSoak, type SoakOptions } from './soakWorkload';

/**
 * `npm run soak`: 10,000 mixed operations (reactivate, repeat with the same client-request-id, get
 * task, get job, terminate) across 50 jobs, through the route handlers in process, against an
 * in-memory Azurite this script starts and stops; then every invariant over every job and task.
 * Options as `--operations=N --jobs=N --tasks=N --concurrency=N --seed=N`. Exits 1 on a violation.
 */
function option(name: string, fallback: number): number {
  const given = process.argv.find((arg) => arg.startsWith(`--${name}=`));
  const value = given === undefined ? fallback : Number(given.slice(name.length + 3));
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

async function main(): Promise<void> {
  const options: SoakOptions = {
    operations: option('operations', 10_000),
    jobs: option('jobs', 50),
    tasksPerJob: option('tasks', 40),
    concurrency: option('concurrency', 32),
    seed: option('seed', Date.now() % 1_000_000),
  };
  const azurite = await startAzurite();
  try {
    const config = loadConfig({ [SETTING.connectionString]: azurite.connectionString, [SETTING.tableName]: 'soak' });
    const parts = partsFor(config);
    const table = new FixtureTable(createTableClient(config.storage, config.tableName));
    await table.ensureExists();
    await parts.events.ensureExists();
    const deps = assemble({ ...parts, store: table });
    console.log(`soak: ${options.operations} operations, ${options.jobs} jobs of ${options.tasksPerJob} tasks, concurrency ${options.concurrency}, seed ${options.seed}`);
    console.log('soak: Azurite started by this script (in memory); route handlers called in process with real HttpRequest objects');
    const report = await runSoak(deps, table, options);
    console.log(JSON.stringify(report, null, 2));
    console.log(
      `soak: ${report.durationMs} ms, ${report.operationsPerSecond} ops/s; ${report.checks} invariant checks, ${report.violations.length} violations; ` +
        `heap ${report.memoryMiB.start.heapUsed} -> ${report.memoryMiB.end.heapUsed} MiB, rss ${report.memoryMiB.start.rss} -> ${report.memoryMiB.end.rss} MiB`,
    );
    if (report.violations.length > 0) process.exitCode = 1;
  } finally {
    await azurite.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
