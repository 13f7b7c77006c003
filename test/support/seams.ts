import type { TaskStore } from '../../src/service/taskStore';

type Method<T> = { [K in keyof T]: T[K] extends (...args: never[]) => unknown ? K : never }[keyof T];

export interface Seam {
  /** Runs before the call reaches storage: the use case has read and decided, and waits to commit. */
  before?: (call: number, args: readonly unknown[]) => Promise<void>;
  /** Runs after storage answered and before the use case sees the answer. */
  after?: (call: number, args: readonly unknown[], result: unknown) => Promise<void>;
}

/**
 * A port (the task store, the outbox's store) with a seam around one of its methods, where a race
 * test does something on purpose (commits a competing write, starts a termination, dies) between a
 * use case's read and its next write, instead of hoping that timers collide. `call` counts the calls
 * of that method, from 0. The store itself is untouched: this wraps the port the use cases are given.
 */
export function withSeam<T extends object>(store: T, method: Method<T>, seam: Seam): T {
  let calls = 0;
  return new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (property !== method || typeof value !== 'function') return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      return async (...args: unknown[]) => {
        const call = calls++;
        await seam.before?.(call, args);
        const result: unknown = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        await seam.after?.(call, args, result);
        return result;
      };
    },
  });
}

/**
 * The task store listing in pages of at most `rows` rows, as if that were storage's page limit, so
 * that a test of a few hundred rows crosses page boundaries. Nothing else changes.
 */
export function withPageRows<T extends TaskStore>(store: T, rows: number): T {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'maxRowsPerPage') return rows;
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
