const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MONTH = '(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '(\\d{2}):(\\d{2}):(\\d{2})';

/** `Sun, 06 Nov 1994 08:49:37 GMT`: the form to send. */
const IMF_FIXDATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\\d{2}) ${MONTH} (\\d{4}) ${TIME} GMT$`);
/** `Sunday, 06-Nov-94 08:49:37 GMT`: obsolete, but recipients must accept it. */
const RFC_850 = new RegExp(`^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d{2})-${MONTH}-(\\d{2}) ${TIME} GMT$`);
/** `Sun Nov  6 08:49:37 1994`: C's asctime, obsolete too. */
const ASCTIME = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ${MONTH} ([ \\d]\\d) ${TIME} (\\d{4})$`);

interface Parts {
  year: number;
  month: string;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** A two-digit year more than 50 years in the future is in the past century (RFC 9110 §5.6.7). */
function fullYear(twoDigits: number, now: Date): number {
  const century = Math.floor(now.getUTCFullYear() / 100) * 100;
  const year = century + twoDigits;
  return year > now.getUTCFullYear() + 50 ? year - 100 : year;
}

function partsOf(value: string, now: Date): Parts | null {
  let m = IMF_FIXDATE.exec(value);
  if (m !== null) return { day: Number(m[1]), month: m[2] ?? '', year: Number(m[3]), hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]) };
  m = RFC_850.exec(value);
  if (m !== null) return { day: Number(m[1]), month: m[2] ?? '', year: fullYear(Number(m[3]), now), hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]) };
  m = ASCTIME.exec(value);
  if (m !== null) return { month: m[1] ?? '', day: Number(m[2]?.trim()), hour: Number(m[3]), minute: Number(m[4]), second: Number(m[5]), year: Number(m[6]) };
  return null;
}

/**
 * An HTTP-date in any of the three forms RFC 9110 §5.6.7 has recipients accept. A date that does
 * not exist (31 February, hour 24) is not a date.
 */
export function parseHttpDate(value: string, now = new Date()): Date | null {
  const parts = partsOf(value.trim(), now);
  if (parts === null) return null;
  const month = MONTHS.indexOf(parts.month);
  const date = new Date(Date.UTC(2000, month, parts.day, parts.hour, parts.minute, parts.second));
  // Date.UTC maps the years 0-99 to 1900-1999; setting the year afterwards does not.
  date.setUTCFullYear(parts.year);
  const exists = date.getUTCDate() === parts.day && date.getUTCMonth() === month && parts.hour < 24 && parts.minute < 60 && parts.second < 60;
  return exists ? date : null;
}
