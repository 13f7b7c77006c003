import { describe, expect, it } from 'vitest';

import { checkInvariants, runSoak, runWorkload, seededRandom, seedJobs, type SoakOptions } from '../../scripts/soakWorkload';
import { appFor, freshTable } from '../support/storage';

/** The soak of `npm run soak`, small enough for every run: the same workload and the same checks. */

const SMALL: SoakOptions = { operations: 400, jobs: 8, tasksPerJob: 10, concurrency: 16, seed: 7 };

describe('soak, short', () => {
  it('400 mixed operations across 8 jobs, concurrently: every invariant holds over every job, task and answer', async () => {
    const { table } = await freshTable();
    const report = await runSoak(await appFor(table), table, SMALL);
    expect(report.violations).toEqual([]);
    expect(Object.values(report.operations).reduce((sum, n) => sum + n, 0)).toBe(400);
    // The run exercised what it claims to: successes, replays of them, refusals and terminations.
    expect(report.answers.reactivate.OK).toBeGreaterThan(0);
    expect(report.answers.repeat.OK).toBeGreaterThan(0);
    expect(report.answers.reactivate.TASK_NOT_COMPLETED ?? 0).toBeGreaterThan(0);
    expect(report.answers.terminate.OK).toBeGreaterThan(0);
    expect(report.checks).toBeGreaterThan(400);
  });

  it('the check finds what is wrong: a task left active in a completed job, and a success no history records', async () => {
    const { table } = await freshTable();
    const options = { ...SMALL, operations: 150, jobs: 3 };
    const random = seededRandom(11);
    const jobs = await seedJobs(table, options, random);
    const answers = await runWorkload(await appFor(table), jobs, options, random);
    expect((await checkInvariants(table, jobs, answers)).violations).toEqual([]);

    // A completed job with an active task, written around the protocol.
    const [broken, other] = jobs;
    const victim = broken!.tasks[0]!;
    await table.loadJob({ ...broken!.job, state: 'completed' }, [{ ...victim, state: 'active' }]);
    // A caller told that a reactivation succeeded which never happened.
    const phantom = { kind: 'reactivate' as const, jobId: other!.job.id, taskId: other!.tasks[1]!.id, key: 'phantom', status: 200, code: 'OK', data: {}, started: 0, ended: 0 };
    const { violations } = await checkInvariants(table, jobs, [...answers, phantom]);
    expect(violations).toContain(`task ${broken!.job.id}/${victim.id} is active (stamp terminating) in a completed job`);
    expect(violations).toContain(`task ${other!.job.id}/${other!.tasks[1]!.id}: request phantom succeeded but has no single history record`);
  });
});
