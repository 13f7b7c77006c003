import { describe, expect, it } from 'vitest';

import { BATCH_API_VERSIONS, FIRST_VERSION_WITH_REACTIVATE, hasReactivate, parseApiVersion } from '../../../src/http/batch/apiVersion';
import { batchIssueOfFields } from '../../../src/http/batch/batchError';
import { batchClient } from './batchSdk';

function query(text: string): URLSearchParams {
  return new URLSearchParams(text);
}

/** A refusal as Batch answers it: the issues parseApiVersion reports, through the one mapping to Batch's codes. */
function refusalOf(text: string): unknown {
  const parsed = parseApiVersion(query(text));
  if (parsed.kind !== 'refused') throw new Error(`expected ${text} to be refused`);
  return batchIssueOfFields(parsed.issues, { query: query(text), headers: new Headers() });
}

describe('parseApiVersion', () => {
  it('finds no api-version in a query without one, so the envelope answers', () => {
    expect(parseApiVersion(query('timeout=5'))).toEqual({ kind: 'absent' });
  });

  it('knows the version @azure/batch 10.x sends', () => {
    const sent = batchClient('http://127.0.0.1:1').apiVersion ?? '';
    expect(sent).toBe('2022-10-01.16.0');
    expect(parseApiVersion(query(`api-version=${sent}`))).toEqual({ kind: 'known', version: sent });
  });

  it.each(['2016-07-01.3.1', '2020-09-01.12.0', '2024-07-01.20.0', '2025-06-01'])('knows %s', (version) => {
    expect(parseApiVersion(query(`api-version=${version}`))).toEqual({ kind: 'known', version });
  });

  it.each(['Api-Version', 'API-VERSION'])('reads the name %s as api-version', (name) => {
    expect(parseApiVersion(query(`${name}=2024-07-01.20.0`))).toEqual({ kind: 'known', version: '2024-07-01.20.0' });
  });

  it.each(['2022-10-01.16.1', '2022-10-01', '2025-06-01.21.0', '2024-05-01-preview', '2020-09-01.13.0', ' 2025-06-01', ''])(
    'refuses %j as Batch refuses a value it does not know',
    (value) => {
      expect(refusalOf(`api-version=${encodeURIComponent(value)}`)).toEqual({
        code: 'InvalidQueryParameterValue',
        values: [
          { key: 'QueryParameterName', value: 'api-version' },
          { key: 'QueryParameterValue', value },
          { key: 'Reason', value: 'not a Batch data-plane api-version' },
        ],
      });
    },
  );

  it('names the parameter as the caller spelled it', () => {
    expect(refusalOf('API-Version=1.0')).toMatchObject({ values: [{ key: 'QueryParameterName', value: 'API-Version' }, { key: 'QueryParameterValue', value: '1.0' }, { key: 'Reason' }] });
  });

  it('refuses an api-version given twice, even with the same value', () => {
    expect(refusalOf('api-version=2025-06-01&API-VERSION=2025-06-01')).toMatchObject({ code: 'InvalidQueryParameterValue', values: expect.arrayContaining([{ key: 'Reason', value: 'must be given at most once' }]) as unknown });
  });
});

describe('BATCH_API_VERSIONS', () => {
  it('lists each version once, oldest first', () => {
    expect(new Set(BATCH_API_VERSIONS).size).toBe(BATCH_API_VERSIONS.length);
    expect([...BATCH_API_VERSIONS].sort()).toEqual([...BATCH_API_VERSIONS]);
  });

  it('keeps the old form until the TypeSpec-era service dropped the suffix', () => {
    const dated = BATCH_API_VERSIONS.filter((v) => /^\d{4}-\d{2}-\d{2}$/.test(v));
    expect(dated).toEqual(['2025-06-01']);
    expect(BATCH_API_VERSIONS.filter((v) => !dated.includes(v)).every((v) => /^\d{4}-\d{2}-\d{2}\.\d+\.\d+$/.test(v))).toBe(true);
  });

  it('says which versions have Reactivate Task', () => {
    expect(hasReactivate(FIRST_VERSION_WITH_REACTIVATE)).toBe(true);
    expect(hasReactivate('2016-02-01.3.0')).toBe(false);
    expect(hasReactivate('2025-06-01')).toBe(true);
  });
});
