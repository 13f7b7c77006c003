import { readFileSync } from 'node:fs';

/** One step of the README's walk-through: a command, and the answer shown for it (curl steps). */
export type Step =
  | { kind: 'seed'; file: string }
  | { kind: 'curl'; method: string; url: string; headers: Record<string, string>; body: string | undefined; status: number; answer: unknown };

const SECTION = /### Walk-through\n([\s\S]*?)\n##+ /;
const STEP = /```sh\n(.+)\n```\n(?:\nAnswer `(\d{3})`:\n\n```json\n(.+)\n```)?/g;

/** The steps, in order, as the README shows them; it fails loudly on a command it cannot read. */
export function walkthroughSteps(readmePath: string): Step[] {
  const section = SECTION.exec(readFileSync(readmePath, 'utf8'))?.[1];
  if (section === undefined) throw new Error('README.md has no "### Walk-through" section');
  return [...section.matchAll(STEP)].map(([, command = '', status, answer]): Step => {
    const seed = /^npm run seed -- (\S+)$/.exec(command);
    if (seed?.[1] !== undefined) return { kind: 'seed', file: seed[1] };
    if (status === undefined || answer === undefined) throw new Error(`no answer shown for: ${command}`);
    return { kind: 'curl', ...parseCurl(command), status: Number(status), answer: JSON.parse(answer) };
  });
}

/** The few curl options the walk-through uses: -s, -X, -H, -d. */
function parseCurl(command: string): { method: string; url: string; headers: Record<string, string>; body: string | undefined } {
  const words = [...command.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
  if (words.shift() !== 'curl') throw new Error(`not a curl command: ${command}`);
  let method = 'GET';
  let url: string | undefined;
  let body: string | undefined;
  const headers: Record<string, string> = {};
  while (words.length > 0) {
    const word = words.shift() ?? '';
    if (word === '-s') continue;
    else if (word === '-X') method = words.shift() ?? '';
    else if (word === '-H') {
      const [name = '', ...value] = (words.shift() ?? '').split(':');
      headers[name.trim()] = value.join(':').trim();
    } else if (word === '-d') body = words.shift();
    else if (word.startsWith('http')) url = word;
    else throw new Error(`curl option the walk-through test does not know: ${word}`);
  }
  if (url === undefined) throw new Error(`no URL in: ${command}`);
  return { method, url, headers, body };
}

/** Values that change on every run: compared by type only. */
const VOLATILE = new Set(['state_transition_time', 'last_modified', 'etag', 'reactivated_at', 'request_id', 'event_id', 'end_time', 'started_at', 'last_progress_at']);

/** The differences between an answer and the one the README shows, as readable paths. */
export function differences(shown: unknown, actual: unknown, at = '$'): string[] {
  if (Array.isArray(shown)) {
    if (!Array.isArray(actual) || actual.length !== shown.length) return [`${at}: shown ${JSON.stringify(shown)}, got ${JSON.stringify(actual)}`];
    return shown.flatMap((item, index) => differences(item, actual[index], `${at}[${index}]`));
  }
  if (typeof shown === 'object' && shown !== null) {
    if (typeof actual !== 'object' || actual === null) return [`${at}: shown an object, got ${JSON.stringify(actual)}`];
    const keys = new Set([...Object.keys(shown), ...Object.keys(actual)]);
    return [...keys].flatMap((key) => {
      const [s, a] = [(shown as Record<string, unknown>)[key], (actual as Record<string, unknown>)[key]];
      if (VOLATILE.has(key) && typeof s === 'string') return typeof a === 'string' ? [] : [`${at}.${key}: shown a string, got ${JSON.stringify(a)}`];
      return differences(s, a, `${at}.${key}`);
    });
  }
  return Object.is(shown, actual) ? [] : [`${at}: shown ${JSON.stringify(shown)}, got ${JSON.stringify(actual)}`];
}
