/**
 * The time a use case stamps on what it writes. Built once, in the composition root, so a test (or
 * a benchmark) can run the whole app on a clock it controls.
 */
export type Clock = () => Date;

export const systemClock: Clock = () => new Date();
