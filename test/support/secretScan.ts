import { DEV_KEY } from '../../scripts/azurite';

/**
 * Finds strings that look like storage or function credentials. Azurite's published development key
 * is the one key allowed: it is public, the same on every machine, and opens nothing but Azurite.
 */

export interface Finding {
  kind: string;
  line: number;
  excerpt: string;
}

const RULES: { kind: string; pattern: RegExp; secret: (match: RegExpMatchArray) => string }[] = [
  // A storage account key: 64 random bytes in base64, alone or anywhere in a string. A sha512
  // integrity hash (package-lock.json) has the same shape and is named as one.
  { kind: 'storage account key', pattern: /(?<![A-Za-z0-9+/])(?<!sha512-)[A-Za-z0-9+/]{86}==(?![A-Za-z0-9+/=])/g, secret: (m) => m[0] },
  // A connection string with a key long enough to be one (placeholders such as `c2VjcmV0` are not).
  { kind: 'connection string with a key', pattern: /AccountKey\s*=\s*([A-Za-z0-9+/]{20,}={0,2})/gi, secret: (m) => m[1] ?? '' },
  // The signature of a SAS token, in a URL or in a SharedAccessSignature= setting.
  { kind: 'SAS token', pattern: /[?&;]sig=([A-Za-z0-9%+/]{20,}(?:=|%3D){0,2})/gi, secret: (m) => m[1] ?? '' },
  { kind: 'SAS token', pattern: /SharedAccessSignature\s*=\s*sv=[^;\s"'`]*sig=([A-Za-z0-9%+/]{20,}(?:=|%3D){0,2})/gi, secret: (m) => m[1] ?? '' },
  // A function or host key sent as ?code= or x-functions-key.
  { kind: 'function key', pattern: /(?:[?&]code=|x-functions-key["']?\s*[:=]\s*["']?)([A-Za-z0-9_-]{30,}={0,2})/gi, secret: (m) => m[1] ?? '' },
  { kind: 'private key', pattern: /-----BEGIN (?:RSA |EC |OPENSSH )?PRIVATE KEY-----/g, secret: (m) => m[0] },
];

export function findSecrets(text: string): Finding[] {
  const findings: Finding[] = [];
  for (const rule of RULES) {
    for (const match of text.matchAll(rule.pattern)) {
      if (rule.secret(match) === DEV_KEY) continue;
      const line = text.slice(0, match.index).split('\n').length;
      findings.push({ kind: rule.kind, line, excerpt: `${match[0].slice(0, 12)}…` });
    }
  }
  return findings;
}
