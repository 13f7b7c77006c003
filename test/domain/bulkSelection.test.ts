import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { reactivateFailedTasksBodySchema } from '../../src/domain/bulkRequest';
import { bulkJobRefusal, selectFailedTasks, type BulkRequest, type BulkSelection, type SelectedTasks } from '../../src/domain/bulkSelection';
import { continuationAfter, encodeContinuation } from '../../src/domain/continuation';
import { idKey } from '../../src/domain/ids';
import type { JobSnapshot } from '../../src/domain/job';
import type { TaskSnapshot } from '../../src/domain/task';
import { aFailedTask, aJob } from '../support/fixtures';

const KEY = 'this-request';
const JOB: JobSnapshot = { job: aJob(), sweptThrough: null, etag: 'W/"job"' };
const REQUEST: BulkRequest = { condition: { kind: 'none' }, idempotencyKey: KEY, requestId: KEY, clientRequestId: null, trigger: 'http', now: new Date('2025-02-01T00:00:00.000Z') };

/** Few distinct ids, spelled in either case, so that ids collide, repeat and sort in interesting ways. */
const idArb = fc.constantFrom('a', 'A-1', 'a_2', 'b', 'B', 'c-1', 'c_1', 'd', 'e9', 'Zed');

const snapshotArb = (id: string): fc.Arbitrary<TaskSnapshot> =>
  fc
    .record({
      state: fc.constantFrom('active', 'running', 'completed', 'completed', 'completed'),
      result: fc.constantFrom('failure', 'failure', 'success'),
      code: fc.constantFrom('X', 'Y', 'Z'),
      exit: fc.constantFrom(1, 2, 3, null),
      lastRequestId: fc.constantFrom(null, null, 'someone-else', KEY),
    })
    .map(({ state, result, code, exit, lastRequestId }) => ({
      task: aFailedTask({
        id,
        state,
        result: state === 'completed' ? result : null,
        exit_code: state === 'completed' ? exit : null,
        failure_info: state === 'completed' && result === 'failure' ? { category: 'usererror', code, message: null } : null,
      }),
      jobStamp: 'active',
      lastRequestId,
      etag: `W/"${id}"`,
    }));

/** A job's listing: unique keys, in key order, as Table Storage returns it. */
const listingArb: fc.Arbitrary<TaskSnapshot[]> = fc
  .uniqueArray(idArb, { selector: idKey, maxLength: 10 })
  .chain((ids) => fc.tuple(...ids.map(snapshotArb)))
  .map((snapshots) => [...snapshots].sort((a, b) => (idKey(a.task.id) < idKey(b.task.id) ? -1 : 1)));

const selectionArb: fc.Arbitrary<Omit<BulkSelection, 'maxTasks' | 'after' | 'through'>> = fc.record({
  taskIds: fc.option(fc.array(idArb, { minLength: 1, maxLength: 6 }), { nil: null }),
  failureCodes: fc.option(fc.subarray(['X', 'Y', 'Q'], { minLength: 1 }), { nil: null }),
  exitCodes: fc.option(fc.subarray([1, 3, 7], { minLength: 1 }), { nil: null }),
});

const UNLIMITED = 10_000;

let events = 0;
const newEventId = (): string => `event-${++events}`;

function idsOf(selected: SelectedTasks): { changes: string[]; replays: string[]; skipped: string[] } {
  return { changes: selected.changes.map((c) => c.task.id), replays: selected.replays.map((r) => r.task.id), skipped: selected.skipped.map((s) => s.id) };
}

describe('selectFailedTasks', () => {
  it('selects exactly the failed tasks that match every filter, and names every other named task with a reason', () => {
    fc.assert(
      fc.property(listingArb, selectionArb, (listed, filter) => {
        const selected = selectFailedTasks(JOB, listed, { ...filter, maxTasks: UNLIMITED, after: null, through: null }, REQUEST, newEventId);
        const named = filter.taskIds === null ? null : new Set(filter.taskIds.map(idKey));
        const considered = listed.filter((s) => named === null || named.has(idKey(s.task.id)));
        const failed = (s: TaskSnapshot): boolean => s.task.state === 'completed' && s.task.result === 'failure';
        const matches = (s: TaskSnapshot): boolean =>
          (filter.failureCodes === null || filter.failureCodes.includes(s.task.failure_info?.code ?? '')) &&
          (filter.exitCodes === null || (s.task.exit_code !== null && filter.exitCodes.includes(s.task.exit_code)));
        const ids = idsOf(selected);
        expect(ids.replays).toEqual(considered.filter((s) => s.lastRequestId === KEY).map((s) => s.task.id));
        expect(ids.changes).toEqual(considered.filter((s) => s.lastRequestId !== KEY && failed(s) && matches(s)).map((s) => s.task.id));
        expect(selected.resumeAfter).toBeNull();
        if (named === null) expect(ids.skipped).toEqual([]);
        else {
          // Every named task appears exactly once, in one of the three lists.
          const all = [...ids.changes, ...ids.replays, ...ids.skipped].map(idKey).sort();
          expect(all).toEqual([...named].sort());
        }
        for (const change of selected.changes) expect(change.task).toMatchObject({ state: 'active', retry_count: 0, failure_info: null });
        // Each reactivation emits its own event.
        expect(new Set(selected.changes.map((c) => c.history.event_id)).size).toBe(selected.changes.length);
      }),
      { numRuns: 500 },
    );
  });

  it('pages with resumeAfter cover exactly what one unlimited call covers, none twice, at most maxTasks matches each', () => {
    fc.assert(
      fc.property(listingArb, selectionArb, fc.integer({ min: 1, max: 4 }), (listed, filter, maxTasks) => {
        const whole = idsOf(selectFailedTasks(JOB, listed, { ...filter, maxTasks: UNLIMITED, after: null, through: null }, REQUEST, newEventId));
        const paged = { changes: [] as string[], replays: [] as string[], skipped: [] as string[] };
        let after: string | null = null;
        for (let page = 0; page < 20; page += 1) {
          const selected = selectFailedTasks(JOB, listed, { ...filter, maxTasks, after, through: null }, REQUEST, newEventId);
          expect(selected.changes.length + selected.replays.length).toBeLessThanOrEqual(maxTasks);
          const ids = idsOf(selected);
          paged.changes.push(...ids.changes);
          paged.replays.push(...ids.replays);
          paged.skipped.push(...ids.skipped);
          if (selected.resumeAfter === null) break;
          expect(after === null || selected.resumeAfter > after).toBe(true);
          after = selected.resumeAfter;
        }
        expect(paged).toEqual(whole);
      }),
      { numRuns: 500 },
    );
  });

  it('over the pages of a listing, each judged up to its last key, selects exactly what one listing of the whole job does', () => {
    fc.assert(
      fc.property(listingArb, selectionArb, fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 10 }), (listed, filter, sizes) => {
        const whole = idsOf(selectFailedTasks(JOB, listed, { ...filter, maxTasks: UNLIMITED, after: null, through: null }, REQUEST, newEventId));
        const paged = { changes: [] as string[], replays: [] as string[], skipped: [] as string[] };
        let after: string | null = null;
        for (let start = 0, n = 0; start < listed.length || start === 0; n += 1) {
          const page = listed.slice(start, start + (sizes[n % sizes.length] ?? 1));
          start += Math.max(1, page.length);
          const last = start >= listed.length;
          const through = last ? null : idKey(page.at(-1)?.task.id ?? '');
          const ids = idsOf(selectFailedTasks(JOB, page, { ...filter, maxTasks: UNLIMITED, after, through }, REQUEST, newEventId));
          paged.changes.push(...ids.changes);
          paged.replays.push(...ids.replays);
          paged.skipped.push(...ids.skipped);
          if (last) break;
          after = through;
        }
        // A named task is reported missing once, by the page whose range holds its key, never by every page.
        expect(paged).toEqual(whole);
      }),
      { numRuns: 500 },
    );
  });

  it('gives no resumeAfter when the matches end exactly at maxTasks', () => {
    const listed = ['a', 'b'].map((id) => ({ task: aFailedTask({ id }), jobStamp: 'active' as const, lastRequestId: null, etag: 'e' }));
    const selected = selectFailedTasks(JOB, listed, { taskIds: null, failureCodes: null, exitCodes: null, maxTasks: 2, after: null, through: null }, REQUEST, newEventId);
    expect(selected.resumeAfter).toBeNull();
    const fewer = selectFailedTasks(JOB, listed, { taskIds: null, failureCodes: null, exitCodes: null, maxTasks: 1, after: null, through: null }, REQUEST, newEventId);
    expect(fewer.resumeAfter).toBe('a');
  });
});

describe('bulkJobRefusal', () => {
  it('refuses on the furthest of the job row and every task stamp', () => {
    const stamped = (stamp: 'active' | 'terminating'): TaskSnapshot => ({ task: aFailedTask(), jobStamp: stamp, lastRequestId: null, etag: 'e' });
    expect(bulkJobRefusal(JOB, [stamped('active')])).toBeNull();
    expect(bulkJobRefusal(JOB, [stamped('active'), stamped('terminating')])?.code).toBe('JOB_BEING_TERMINATED');
    expect(bulkJobRefusal({ ...JOB, job: aJob({ state: 'completed' }) }, [stamped('terminating')])?.code).toBe('JOB_COMPLETED');
    expect(bulkJobRefusal({ ...JOB, job: aJob({ state: 'disabled' }) }, [])).toBeNull();
  });
});

describe('the bulk body and its continuation token', () => {
  it('defaults to every failed task, 10,000 at most, for real', () => {
    expect(reactivateFailedTasksBodySchema.parse({})).toEqual({ max_tasks: 10_000, dry_run: false });
  });

  it('decodes a token it issued, and refuses anything else naming the field', () => {
    const token = encodeContinuation(continuationAfter('Job-1', 'Task-9'));
    expect(reactivateFailedTasksBodySchema.parse({ continuation: token }).continuation).toEqual({ v: 1, job: 'job-1', after: 'task-9' });
    fc.assert(
      fc.property(fc.string(), (junk) => {
        fc.pre(junk !== token);
        const parsed = reactivateFailedTasksBodySchema.safeParse({ continuation: junk });
        if (parsed.success) expect(encodeContinuation(parsed.data.continuation ?? continuationAfter('x', 'x'))).toBe(junk);
        else expect(parsed.error.issues.map((i) => i.path.join('.'))).toEqual(['continuation']);
      }),
    );
    const tampered = Buffer.from(JSON.stringify({ v: 1, job: 'job-1', after: 'a/b' })).toString('base64url');
    expect(reactivateFailedTasksBodySchema.safeParse({ continuation: tampered }).success).toBe(false);
  });
});
