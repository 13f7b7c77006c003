import { randomUUID } from 'node:crypto';

import { Deadline } from '../src/service/deadline';
import { reactivateTask } from '../src/service/reactivateTask';
import { encodeMessage } from '../src/storage/messageQueue';
import { countStorageRequests } from '../src/storage/requestMeter';
import { percentile, round, timed } from './stats';
import { failedTask, job, type World } from './world';

const command = (jobId: string, taskId: string) => ({
  jobId,
  taskId,
  condition: { kind: 'none' as const },
  requestId: randomUUID(),
  clientRequestId: null,
  trigger: 'http' as const,
  deadline: Deadline.ofSeconds(30),
});

/**
 * The floor a hand-written reactivation would pay with the bare SDK for the same guarantees: the
 * same two point reads in parallel with the same delayed check, the same three-row transaction
 * (task, history, expiry index), the same event sent; then, not timed, the same bookkeeping (the
 * mark and the check withdrawn). No validation, no mapping, no retry loop.
 */
export async function bareReactivation(world: World, jobId: string, taskId: string): Promise<() => Promise<void>> {
  const pk = jobId.toLowerCase();
  const rk = `task|${taskId.toLowerCase()}`;
  const [, task, check] = await Promise.all([
    world.raw.getEntity(pk, 'job'),
    world.raw.getEntity(pk, rk),
    world.outboxChecks.queueClient.sendMessage(encodeMessage({ job_id: jobId, request_key: randomUUID(), task_ids: [taskId] }), { visibilityTimeout: 300 }),
  ]);
  const now = new Date().toISOString();
  const kept = ['id', 'job_id', 'created_at', 'max_retry_count', 'requeue_count', 'job_state'];
  const updated = {
    ...Object.fromEntries(kept.map((name) => [name, task[name]])),
    partitionKey: pk,
    rowKey: rk,
    state: 'active',
    previous_state: 'completed',
    previous_state_transition_time: task.state_transition_time,
    state_transition_time: now,
    last_modified: now,
    retry_count: 0,
    reactivation_count: 1,
    last_request_id: randomUUID(),
  };
  const etag = task.etag;
  const historyKey = `hist|${taskId.toLowerCase()}|${String(9_999_999_999_999 - 1).padStart(13, '0')}`;
  const history = { partitionKey: pk, rowKey: historyKey, job_id: jobId, task_id: taskId, reactivated_at: now, exit_code: task.exit_code as number, event_published: false };
  await world.raw.submitTransaction([
    ['update', updated, 'Replace', { etag }],
    ['create', history],
    ['create', { partitionKey: pk, rowKey: `exp|${now.slice(0, 10).replaceAll('-', '')}|${historyKey}` }],
  ]);
  await world.events.queueClient.sendMessage(encodeMessage({ type: 'task.reactivated', job_id: jobId, task_id: taskId, time: now }));
  return async () => {
    await world.raw.updateEntity({ partitionKey: pk, rowKey: historyKey, event_published: true }, 'Merge');
    await world.outboxChecks.queueClient.deleteMessage(check.messageId, check.popReceipt);
  };
}

export interface ServiceOverheadResult {
  samples: number;
  requestsPerReactivation: number;
  serviceP50Ms: number;
  serviceP99Ms: number;
  bareP50Ms: number;
  bareP99Ms: number;
  p50Ratio: number;
  p99Ratio: number;
}

/** Alternates service and bare calls one by one, so both see the same machine at the same moments. */
export async function measureServiceOverhead(world: World, samples: number): Promise<ServiceOverheadResult> {
  const warmup = 50;
  const total = samples + warmup;
  const jobs = Array.from({ length: total }, (_, i) => `svc-${i}`);
  await Promise.all(jobs.map((jobId) => world.table.loadJob(job(jobId), [failedTask(jobId, 'a'), failedTask(jobId, 'b')])));
  // Each job here sees one reactivation, where a real job sees many: the first of a job in a day also
  // files the job for history retention (one more round trip, measured apart by the events bench),
  // so every job is filed beforehand, as its earlier reactivations would have.
  for (const jobId of jobs) await world.deps.retention.cover(jobId, new Date(), Deadline.ofSeconds(30).signal);

  const service: number[] = [];
  const bare: number[] = [];
  let requests = 0;
  for (const [i, jobId] of jobs.entries()) {
    const first = i % 2 === 0;
    const runService = async () => {
      const { count, result } = countStorageRequests(() => reactivateTask(world.deps, command(jobId, 'a')));
      const { ms, result: outcome } = await timed(() => result);
      if (outcome.kind !== 'reactivated') throw new Error(`bench: unexpected ${JSON.stringify(outcome)}`);
      // The bookkeeping after the answer is counted, not timed.
      await world.deps.outbox.settled();
      if (i >= warmup) {
        service.push(ms);
        requests += count.requests;
      }
    };
    const runBare = async () => {
      const { ms, result: after } = await timed(() => bareReactivation(world, jobId, 'b'));
      await after();
      if (i >= warmup) bare.push(ms);
    };
    if (first) {
      await runService();
      await runBare();
    } else {
      await runBare();
      await runService();
    }
  }

  const [s50, s99, b50, b99] = [percentile(service, 50), percentile(service, 99), percentile(bare, 50), percentile(bare, 99)];
  return {
    samples,
    requestsPerReactivation: round(requests / samples),
    serviceP50Ms: round(s50),
    serviceP99Ms: round(s99),
    bareP50Ms: round(b50),
    bareP99Ms: round(b99),
    p50Ratio: round(s50 / b50),
    p99Ratio: round(s99 / b99),
  };
}
