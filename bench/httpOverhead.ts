import { randomUUID } from 'node:crypto';

import { startLocalHost } from '../scripts/host/localHost';
import { SETTING } from '../src/config';
import { Deadline } from '../src/service/deadline';
import { reactivateTask } from '../src/service/reactivateTask';
import { percentile, round, timed } from './stats';
import { failedTask, job, type World } from './world';

export interface HttpOverheadResult {
  samples: number;
  httpP50Ms: number;
  serviceP50Ms: number;
  ratio: number;
}

/**
 * The same reactivation over HTTP (the local host, `npm start`'s server, on loopback) and as a
 * direct service call that also publishes the event, as the route does; alternated one by one.
 */
export async function measureHttpOverhead(root: string, world: World, connectionString: string, samples: number): Promise<HttpOverheadResult> {
  process.env[SETTING.connectionString] = connectionString;
  process.env[SETTING.tableName] = world.tableName;
  process.env[SETTING.eventsQueueName] = world.events.name;
  const host = await startLocalHost({ root, port: 0, host: '127.0.0.1', log: () => undefined });
  try {
    return await compareOverHttp(host.url, {}, world, samples);
  } finally {
    await host.close();
  }
}

/**
 * Reactivations over HTTP at `url` (a host serving the app on `world`'s table and `events`) and as
 * direct service calls, alternated one by one, after a warm-up.
 */
export async function compareOverHttp(url: string, headers: Record<string, string>, world: World, samples: number): Promise<HttpOverheadResult> {
  const warmup = 30;
  const jobs = Array.from({ length: samples + warmup }, (_, i) => `http-${i}`);
  await Promise.all(jobs.map((jobId) => world.table.loadJob(job(jobId), [failedTask(jobId, 'a'), failedTask(jobId, 'b')])));
  const http: number[] = [];
  const service: number[] = [];
  for (const [i, jobId] of jobs.entries()) {
    const overHttp = async () => {
      const { ms, result } = await timed(() => fetch(`${url}/jobs/${jobId}/tasks/a/reactivate`, { method: 'POST', headers }));
      if (result.status !== 200) throw new Error(`bench: HTTP answered ${result.status}`);
      await result.arrayBuffer();
      if (i >= warmup) http.push(ms);
    };
    const direct = async () => {
      const { ms } = await timed(async () => {
        const outcome = await reactivateTask(world.deps, {
          jobId,
          taskId: 'b',
          condition: { kind: 'none' },
          requestId: randomUUID(),
          clientRequestId: null,
          trigger: 'http',
          deadline: Deadline.ofSeconds(30),
        });
        if (outcome.kind !== 'reactivated') throw new Error(`bench: unexpected ${JSON.stringify(outcome)}`);
      });
      if (i >= warmup) service.push(ms);
    };
    if (i % 2 === 0) {
      await overHttp();
      await direct();
    } else {
      await direct();
      await overHttp();
    }
  }
  const [h, s] = [percentile(http, 50), percentile(service, 50)];
  return { samples, httpP50Ms: round(h), serviceP50Ms: round(s), ratio: round(h / s) };
}
