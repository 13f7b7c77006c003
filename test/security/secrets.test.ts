import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { connectionStringFor, DEV_KEY, STANDARD_PORTS } from '../../scripts/azurite';
import { findSecrets } from '../support/secretScan';

/**
 * No credential is ever committed. The samples below are built at run time, so this file holds no
 * secret-looking text of its own for the scan to find.
 */

const root = path.resolve(import.meta.dirname, '../..');

describe('committed secrets', () => {
  it('no file tracked by git holds a storage key, a key-bearing connection string, a SAS token, a function key or a private key', () => {
    const files = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' }).split('\0').filter(Boolean);
    expect(files.length).toBeGreaterThan(50);
    const found = files.flatMap((file) => {
      const bytes = readFileSync(path.join(root, file));
      if (bytes.includes(0)) return [];
      return findSecrets(bytes.toString('utf8')).map((finding) => `${file}:${finding.line} ${finding.kind} ${finding.excerpt}`);
    });
    expect(found).toEqual([]);
  });

  it('flags samples of each kind', () => {
    const key = randomBytes(64).toString('base64');
    const signature = encodeURIComponent(randomBytes(32).toString('base64'));
    const functionKey = randomBytes(42).toString('base64url');
    const samples = {
      'a bare account key': `const key = "${key}";`,
      'a connection string': `DefaultEndpointsProtocol=https;AccountName=prod;AccountKey=${key};EndpointSuffix=core.windows.net`,
      'a connection string, spaced': `AccountKey = ${key.slice(0, 40)}`,
      'a SAS URL': `https://prod.table.core.windows.net/batchtasks?sv=2022-11-02&ss=t&srt=o&sp=rwdlacu&se=2030-01-01T00:00:00Z&sig=${signature}`,
      'a SAS connection string': `TableEndpoint=https://prod.table.core.windows.net/;SharedAccessSignature=sv=2022-11-02&ss=t&sig=${signature}`,
      'a function key in a URL': `curl "https://app.azurewebsites.net/jobs/j/terminate?code=${functionKey}"`,
      'a function key header': `-H "x-functions-key: ${functionKey}"`,
      'a private key': ['-----BEGIN', 'PRIVATE KEY-----'].join(' '),
    };
    for (const [name, sample] of Object.entries(samples)) expect(findSecrets(sample), name).not.toEqual([]);
  });

  it("passes Azurite's published development key, alone and in its connection string, and placeholders", () => {
    const allowed = [
      DEV_KEY,
      connectionStringFor(STANDARD_PORTS),
      `AccountKey=${DEV_KEY};`,
      'UseDevelopmentStorage=true',
      'DefaultEndpointsProtocol=https;AccountName=a;AccountKey=c2VjcmV0',
      'curl -X POST "https://$APP.azurewebsites.net/jobs/<jobId>/terminate?code=$KEY"',
      'https://account.blob.core.windows.net/c?sv=2022-11-02&sig=<signature>',
      `"integrity": "sha512-${randomBytes(64).toString('base64')}"`,
    ];
    for (const text of allowed) expect(findSecrets(text), text).toEqual([]);
  });
});
