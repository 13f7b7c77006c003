import { describe, expect, it } from 'vitest';

import { chunksOf } from '../../src/domain/chunks';

describe('chunksOf', () => {
  it('keeps every item, in order, in groups of the size with a shorter last one', () => {
    expect(chunksOf([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    expect(chunksOf([1, 2, 3, 4], 2)).toEqual([[1, 2], [3, 4]]);
    expect(chunksOf([], 100)).toEqual([]);
  });

  it('refuses a size that could not make progress', () => {
    expect(() => chunksOf([1], 0)).toThrow(RangeError);
    expect(() => chunksOf([1], 1.5)).toThrow(RangeError);
  });
});
