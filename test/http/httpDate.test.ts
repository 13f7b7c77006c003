import { describe, expect, it } from 'vitest';

import { parseHttpDate } from '../../src/http/httpDate';

const NOW = new Date('2026-11-28T00:00:00Z');
const EXPECTED = new Date('1994-11-06T08:49:37Z');

describe('parseHttpDate', () => {
  it.each([
    ['IMF-fixdate', 'Sun, 06 Nov 1994 08:49:37 GMT'],
    ['RFC 850', 'Sunday, 06-Nov-94 08:49:37 GMT'],
    ['asctime', 'Sun Nov  6 08:49:37 1994'],
  ])('reads the %s form', (_, text) => {
    expect(parseHttpDate(text, NOW)).toEqual(EXPECTED);
  });

  it('puts a two-digit year more than 50 years ahead in the past century', () => {
    expect(parseHttpDate('Monday, 01-Jan-76 00:00:00 GMT', NOW)?.getUTCFullYear()).toBe(2076);
    expect(parseHttpDate('Friday, 01-Jan-77 00:00:00 GMT', NOW)?.getUTCFullYear()).toBe(1977);
  });

  it('keeps a four-digit year below 100 as it is', () => {
    expect(parseHttpDate('Mon, 01 Jan 0099 00:00:00 GMT', NOW)?.getUTCFullYear()).toBe(99);
  });

  it.each(['yesterday', '1994-11-06T08:49:37Z', 'Sun, 31 Feb 1994 08:49:37 GMT', 'Sun, 06 Nov 1994 24:00:00 GMT', 'Sun, 06 Nov 1994 08:49:37 UTC', '', 'Sun, 6 Nov 1994 08:49:37 GMT'])(
    'refuses %j',
    (text) => {
      expect(parseHttpDate(text, NOW)).toBeNull();
    },
  );
});
