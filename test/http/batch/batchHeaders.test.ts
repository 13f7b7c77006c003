import { describe, expect, it } from 'vitest';

import { parseBatchHeaders } from '../../../src/http/batch/batchHeaders';

describe('parseBatchHeaders: ocp-date', () => {
  it('takes a request without ocp-date as having none', () => {
    expect(parseBatchHeaders(new Headers())).toEqual({ ok: true, value: { ocpDate: null, sdkClientRequestId: null } });
  });

  it('reads the RFC 1123 date the SDK writes', () => {
    const sent = new Date('2026-11-28T12:23:47Z').toUTCString();
    expect(parseBatchHeaders(new Headers({ 'ocp-date': sent }))).toMatchObject({ ok: true, value: { ocpDate: new Date('2026-11-28T12:23:47Z') } });
  });

  it('checks the form only, not the clock: a date long past is accepted', () => {
    expect(parseBatchHeaders(new Headers({ 'ocp-date': 'Sun, 06 Nov 1994 08:49:37 GMT' })).ok).toBe(true);
  });

  it.each(['2026-11-28T12:23:47Z', 'yesterday', 'Sat, 31 Feb 2026 12:00:00 GMT'])('refuses %j, naming the header', (value) => {
    expect(parseBatchHeaders(new Headers({ 'ocp-date': value }))).toEqual({
      ok: false,
      issues: [{ field: 'ocp-date', message: 'must be an HTTP date such as Sun, 06 Nov 1994 08:49:37 GMT' }],
    });
  });
});

describe('parseBatchHeaders: x-ms-client-request-id', () => {
  it('reads the id the SDK generates, lower-cased as idempotency keys are', () => {
    expect(parseBatchHeaders(new Headers({ 'x-ms-client-request-id': ' 9F0C1A52-7C1E-4A4B-9A53-2B8F0E3C6D11 ' }))).toEqual({
      ok: true,
      value: { ocpDate: null, sdkClientRequestId: '9f0c1a52-7c1e-4a4b-9a53-2b8f0e3c6d11' },
    });
  });

  it.each(['not-a-guid', '{9f0c1a52-7c1e-4a4b-9a53-2b8f0e3c6d11}', ''])('refuses %j, naming the header and the rule', (value) => {
    expect(parseBatchHeaders(new Headers({ 'x-ms-client-request-id': value }))).toEqual({
      ok: false,
      issues: [{ field: 'x-ms-client-request-id', message: 'must be a UUID such as 9f0c1a52-7c1e-4a4b-9a53-2b8f0e3c6d11' }],
    });
  });
});
