import { describe, expect, it } from 'vitest';

import { parseOcpDate } from '../../../src/http/batch/ocpDate';

describe('parseOcpDate', () => {
  it('takes a request without ocp-date as having none', () => {
    expect(parseOcpDate(new Headers())).toEqual({ ok: true, value: null });
  });

  it('reads the RFC 1123 date the SDK writes', () => {
    const sent = new Date('2026-11-28T12:23:47Z').toUTCString();
    expect(parseOcpDate(new Headers({ 'ocp-date': sent }))).toEqual({ ok: true, value: new Date('2026-11-28T12:23:47Z') });
  });

  it('checks the form only, not the clock: a date long past is accepted', () => {
    expect(parseOcpDate(new Headers({ 'ocp-date': 'Sun, 06 Nov 1994 08:49:37 GMT' })).ok).toBe(true);
  });

  it.each(['2026-11-28T12:23:47Z', 'yesterday', 'Sat, 31 Feb 2026 12:00:00 GMT'])('refuses %j, naming the header', (value) => {
    expect(parseOcpDate(new Headers({ 'ocp-date': value }))).toEqual({
      ok: false,
      issues: [{ field: 'ocp-date', message: 'must be an HTTP date such as Sun, 06 Nov 1994 08:49:37 GMT' }],
    });
  });
});
