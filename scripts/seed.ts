import { readFileSync } from 'node:fs';
import path from 'node:path';

import { loadConfig } from '../src/config';
import { parseFixture, type LoadableJob } from '../src/domain/fixture';
import { isoTime } from '../src/domain/time';
import { createTableClient } from '../src/storage/tableClient';
import { FixtureTable } from '../src/storage/fixtureLoader';
import { describeConnectionString, localSettings, projectRoot } from './settings';

/**
 * `npm run seed -- <file.json>`: loads the jobs and tasks of a fixture file (contract §6) into the
 * configured storage, replacing rows with the same ids. The whole file is checked first; a file with
 * any issue is refused, with every issue named by its place in the file, and nothing is written.
 */
async function main(argv: readonly string[]): Promise<number> {
  const [file, ...rest] = argv;
  if (file === undefined || rest.length > 0) {
    console.error('usage: npm run seed -- <fixture.json>   (e.g. npm run seed -- fixtures/demo.json)');
    return 2;
  }
  const jobs = readFixture(file);
  if (typeof jobs === 'string') {
    console.error(jobs);
    return 1;
  }
  const config = loadConfig(localSettings(projectRoot(__dirname)));
  const where = config.storage.kind === 'connectionString' ? describeConnectionString(config.storage.connectionString) : config.storage.tableServiceUri;
  const table = new FixtureTable(createTableClient(config.storage, config.tableName));
  try {
    await table.ensureExists();
    for (const { job, tasks } of jobs) await table.loadJob(job, tasks);
  } catch (error) {
    console.error(`Could not load ${file} into table ${config.tableName} at ${where}: ${error instanceof Error ? error.message : String(error)}`);
    console.error('Is the storage running? `npm start` starts Azurite on the standard ports.');
    return 1;
  }
  const taskCount = jobs.reduce((sum, { tasks }) => sum + tasks.length, 0);
  console.log(`Loaded ${jobs.length} job(s) and ${taskCount} task(s) from ${file} into table ${config.tableName} at ${where}:`);
  for (const { job, tasks } of jobs) {
    console.log(`  ${job.id} (${job.state}): ${tasks.map((task) => `${task.id} ${task.state}${task.result !== null ? `/${task.result}` : ''}`).join(', ') || 'no tasks'}`);
  }
  return 0;
}

/** The loadable jobs of the file, or a message that says everything wrong with it. */
function readFixture(file: string): LoadableJob[] | string {
  let text: string;
  try {
    // npm runs scripts in the project root; INIT_CWD is where the user typed the command.
    text = readFileSync(path.resolve(process.env.INIT_CWD ?? process.cwd(), file), 'utf8');
  } catch (error) {
    return `Cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return `${file} is not JSON: ${error instanceof Error ? error.message : String(error)}`;
  }
  const parsed = parseFixture(json, isoTime(new Date()));
  if (!parsed.ok) return [`${file} was refused; nothing was loaded:`, ...parsed.issues.map((issue) => `  ${issue}`)].join('\n');
  return parsed.jobs;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
