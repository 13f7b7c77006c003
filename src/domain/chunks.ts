/** `items` in consecutive groups of `size` (the last one shorter): transactions of at most so many rows. */
export function chunksOf<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`A chunk holds at least one item, not ${size}.`);
  return Array.from({ length: Math.ceil(items.length / size) }, (_, n) => items.slice(n * size, (n + 1) * size));
}
