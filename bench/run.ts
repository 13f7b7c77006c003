import { writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { startAzurite, type RunningAzurite } from '../scripts/azurite';
import { functionsHostDir, functionsHostMissing } from '../scripts/functionsHost';
import { SETTING } from '../src/config';
import { benchBulkReactivation, benchSingleReactivations } from './bulkReactivation';
import { measureColdStart } from './coldStart';
import { measureContention } from './contention';
import { measureBulkEvents, measureEventPath, measureRelay } from './events';
import { measureHttpOverhead } from './httpOverhead';
import { measureRealHost } from './realHost';
import { measureServiceOverhead } from './serviceOverhead';
import { measureBackgroundTermination, measureCappedBulk, measureDrain } from './scale';
import { measureTermination } from './termination';
import { inWorld } from './world';

/**
 * `npm run bench`: what users pay, as ratios against baselines measured side by side in the same
 * run (the machines are shared and noisy, so absolute times alone say little). Prints a table and
 * writes bench/results.json. It measures; it does not pass or fail.
 */
async function main(): Promise<void> {
  const root = process.cwd();
  const configured = process.env[SETTING.connectionString];
  let azurite: RunningAzurite | undefined;
  if (configured === undefined) azurite = await startAzurite();
  const connectionString = configured ?? azurite?.connectionString ?? '';
  // `npm run bench -- --only=scale` runs the scale section alone.
  const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length) ?? null;
  const runs = (section: string): boolean => only === null || only === section;
  try {
    const step = (name: string): void => {
      console.error(`bench: ${name}…`);
    };

    const service = runs('main') ? (step('round trips and service overhead'), await inWorld(connectionString, (world) => measureServiceOverhead(world, 400))) : null;
    const http = runs('main') ? (step('HTTP overhead'), await inWorld(connectionString, (world) => measureHttpOverhead(root, world, connectionString, 300))) : null;
    const contention = runs('main') ? (step('contention inside one job'), await inWorld(connectionString, (world) => measureContention(world, 500))) : null;
    const termination = runs('main') ? (step('termination of a 5,000-task job'), await inWorld(connectionString, (world) => measureTermination(world, 5_000))) : null;
    let events = null;
    if (runs('main')) {
      step('events: the critical path, the bulk events, the checks at 0 and 50,000 history rows');
      events = { path: await measureEventPath(connectionString), bulk: await measureBulkEvents(connectionString), relay: await measureRelay(connectionString) };
    }
    const bulk = runs('main') ? (step('1,000 tasks: one bulk call'), await inWorld(connectionString, (world) => benchBulkReactivation(world, 1_000))) : null;
    const singles = runs('main') ? (step('1,000 tasks: single calls'), await inWorld(connectionString, (world) => benchSingleReactivations(world, 1_000))) : null;
    const coldStart = runs('main') ? (step('cold start'), measureColdStart(root, connectionString)) : null;
    let realHost = null;
    if (runs('main')) {
      const hostMissing = functionsHostMissing(root);
      step(hostMissing === null ? 'under the real host: cold start and HTTP overhead' : `under the real host: skipped, ${hostMissing}`);
      realHost =
        hostMissing === null
          ? await inWorld(connectionString, (world) => measureRealHost(root, functionsHostDir(root), connectionString, world, { rounds: 7, httpSamples: 300 }))
          : { skipped: hostMissing };
    }

    let scale = null;
    if (runs('scale')) {
      step('scale: terminations cut short by timeout=1, finished by the sweep messages');
      const background = [await inWorld(connectionString, (world) => measureBackgroundTermination(world, 2_000)), await inWorld(connectionString, (world) => measureBackgroundTermination(world, 10_000))];
      step('scale: a bulk call with max_tasks 100 in jobs of 1,000 and 10,000 failed tasks');
      const capped = [await inWorld(connectionString, (world) => measureCappedBulk(world, 1_000, 100)), await inWorld(connectionString, (world) => measureCappedBulk(world, 10_000, 100))];
      step('scale: draining 10,000 failed tasks by continuation');
      const drains = [await inWorld(connectionString, (world) => measureDrain(world, 10_000, 100)), await inWorld(connectionString, (world) => measureDrain(world, 10_000, null))];
      const cappedRatio = Math.round(((capped[1]?.storageRequests ?? 0) / (capped[0]?.storageRequests ?? 1)) * 100) / 100;
      const cappedTableRatio = Math.round(((capped[1]?.tableRequests ?? 0) / (capped[0]?.tableRequests ?? 1)) * 100) / 100;
      scale = { background, capped, cappedRatio, cappedTableRatio, drains };
    }

    const results = {
      measuredAt: new Date().toISOString(),
      machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, memoryGB: Math.round(os.totalmem() / 2 ** 30), node: process.version, platform: `${os.platform()} ${os.release()}` },
      storage: configured === undefined ? 'Azurite 3.35.0, in memory, started by the benchmark' : 'configured storage (TASKS_STORAGE)',
      service,
      http,
      contention,
      termination,
      events,
      bulk: bulk === null || singles === null ? null : { bulk, singles, timeRatio: Math.round((bulk.durationMs / singles.durationMs) * 100) / 100, requestRatio: Math.round((bulk.storageRequests / singles.storageRequests) * 1000) / 1000 },
      coldStart,
      realHost,
      scale,
    };
    const rows: [string, string, string][] = [];
    if (service !== null && http !== null && contention !== null && termination !== null && events !== null && results.bulk !== null && coldStart !== null && realHost !== null) {
      const { bulk: b, singles: s } = results.bulk;
      const { path: eventPath, bulk: bulkEvents, relay } = events;
      rows.push(
        ['storage requests per reactivation, in all', `${service.requestsPerReactivation}`, '2 reads and the check in parallel, 1 transaction, the event; after the answer the mark and the withdrawal'],
        ['reactivation: requests before the answer, in all', `${eventPath.criticalRequests}, ${eventPath.totalRequests}`, 'reads + delayed check, commit, event; then mark and withdraw the check'],
        ['reactivation: round trips before the answer', `${eventPath.criticalRoundTrips}`, `its time / a ${eventPath.delayMs} ms delay on every request; goal 3; ${eventPath.stalled} samples stalled`],
        ['bulk of 200: answer to its last event on the queue', `${bulkEvents.answerToLastEventMs} ms (${bulkEvents.eventsAtAnswer} already there at the answer)`, ''],
        ['checks for 100 dead publishers: 50,000 / 0 history rows', `${relay.ratio} (${relay.full.requests} / ${relay.empty.requests} requests)`, 'goal ≈ 1: no scan'],
        ['service / bare SDK doing the same, p50', `${service.p50Ratio} (${service.serviceP50Ms} / ${service.bareP50Ms} ms)`, 'goal ≤ 1.10'],
        ['service / bare SDK, p99', `${service.p99Ratio} (${service.serviceP99Ms} / ${service.bareP99Ms} ms)`, 'goal ≤ 1.10'],
        ['HTTP (local host) / service call, p50', `${http.ratio} (${http.httpP50Ms} / ${http.serviceP50Ms} ms)`, 'both publish the event'],
        ['one job / spread, throughput', `${contention.oneJobOverSpread} (${contention.oneJobPerSecond} / ${contention.spreadPerSecond} per s)`, `goal ≥ 0.9; ${contention.tasks} tasks, ${contention.callers} callers; ${contention.stalled} calls stalled`],
        ['the same, bare SDK', `${contention.bareOneJobOverSpread}`, "the share of the gap that is the storage's own"],
        ['412 retries: one job, spread', `${contention.retriesOneJob}, ${contention.retriesSpread}`, 'goal 0 between different tasks'],
        ['job row fenced / spread (naive)', `${contention.fencedOverSpread} (${contention.retriesFenced} retries)`, 'what the protocol avoids'],
        [
          'terminate 5,000 tasks',
          termination.answered === 200
            ? `200 in ${termination.terminateMs} ms, ${termination.terminateRequests} requests`
            : `202 in ${termination.terminateMs} ms, completed after ${termination.completedMs} ms (${termination.deliveries} sweep deliveries), ${termination.terminateRequests} requests`,
          `half active; ${termination.activeTasksLeft} left active`,
        ],
        ['reactivations racing it, p99', `${termination.racingP99Ms} ms (${termination.racingP99OverQuiet}× quiet p99, ${termination.racingReactivations} calls)`, `${termination.stalled} calls stalled`],
        ['bulk / single calls, 1,000 tasks: time', `${results.bulk.timeRatio} (${b.durationMs} / ${s.durationMs} ms)`, `${b.reactivated} and ${s.reactivated} reactivated; singles 32 at a time`],
        ['bulk / single calls: storage requests', `${results.bulk.requestRatio} (${b.storageRequests} / ${s.storageRequests})`, ''],
        ['cold start: app / hello app', `${coldStart.ratio} (${coldStart.appLoadMs} / ${coldStart.helloLoadMs} ms)`, 'goal ≤ 1.5'],
        ['deployment package', `${coldStart.packageMB} MB`, 'what .funcignore ships: dist/app, host.json, package.json'],
        ...('skipped' in realHost
          ? [['under the real host', 'skipped', realHost.skipped] as [string, string, string]]
          : ([
              ['real host: cold start app / hello, median', `${realHost.medianRatio} (${realHost.appMedianMs} / ${realHost.helloMedianMs} ms)`, `goal ≤ 1.10; spawn to first answer, ${realHost.rounds} interleaved rounds`],
              ['real host: the same, best', `${realHost.bestRatio} (${realHost.appBestMs} / ${realHost.helloBestMs} ms)`, ''],
              ["real host: the same, median of the rounds' ratios", `${realHost.pairedMedianRatio}`, "each round: app / the hello run beside it"],
              ['HTTP (real host) / service call, p50', `${realHost.http.ratio} (${realHost.http.httpP50Ms} / ${realHost.http.serviceP50Ms} ms)`, 'both publish the event'],
            ] as [string, string, string][])),
      );
    }
    if (scale !== null) {
      for (const t of scale.background) {
        rows.push([
          `scale: terminate ${t.tasks.toLocaleString('en')} tasks, timeout=1`,
          `${t.answered} in ${t.callMs} ms (${t.sweptByCall} swept by the call); completed after ${t.untilCompletedMs} ms, ${t.deliveries} deliveries`,
          `${t.appRequestsPerTask} app requests per task (${t.appRequests}), ${t.withHostPerTask} with the host's; ${t.tasksLeftActive} left active`,
        ]);
      }
      for (const c of scale.capped) {
        rows.push([`scale: bulk, max_tasks ${c.maxTasks}, job of ${c.tasks.toLocaleString('en')}`, `${c.storageRequests} storage requests (${c.tableRequests} table, ${c.queueRequests} queue)`, `${c.reactivated} reactivated; the queue's are its events`]);
      }
      rows.push(['scale: the same, 10,000 / 1,000', `${scale.cappedRatio} (table alone ${scale.cappedTableRatio})`, 'goal ≤ 1.5']);
      for (const d of scale.drains) {
        rows.push([
          `scale: drain 10,000 by continuation, max_tasks ${d.maxTasks ?? 'default'}`,
          `${d.requestsPerTask} requests per task (${d.storageRequests} in ${d.calls} calls): ${d.tableRequestsPerTask} table, ${d.queueRequestsPerTask} queue`,
          `${d.reactivated} reactivated in ${d.durationMs} ms; ${d.faultRetries} calls retried after a fault`,
        ]);
      }
    }
    const width = Math.max(...rows.map(([name]) => name.length));
    console.log(`\nbatch-task-reactivation benchmark, ${results.machine.cpu} × ${results.machine.cores}, Node ${process.version}, ${results.storage}\n`);
    for (const [name, value, note] of rows) console.log(`${name.padEnd(width)}  ${value}${note ? `   [${note}]` : ''}`);
    const out = path.join(root, 'bench', 'results.json');
    writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
    console.log(`\nwritten to ${path.relative(root, out)}`);
  } finally {
    await azurite?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
