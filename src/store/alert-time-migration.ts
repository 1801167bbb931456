/**
 * Alert times in one form per store. The store compares alert times as text in Suricata's UTC
 * form (2017-07-07T17:51:45.479000+0000; src/server/alert-time.ts), so `since`/`until`, the
 * timeline's hours and the order of a page are right only when every row has it. Versions before
 * the API turned posted times into that form stored them as given: "2017-07-07T19:51:45+02:00"
 * (a local time with its offset) sorted two hours late, and a time with no offset at all named no
 * instant. One store then mixed two forms and said nothing.
 *
 * Migration, once per store (a row in `store_meta` records it, so a large store is not scanned at
 * every open): every time with an offset is rewritten in the UTC form (the same instant; the
 * fraction's digits kept as written); a time without an offset is taken as UTC (as analyze reads
 * such times) and counted apart; text that is no time at all is left and counted. The counts stay
 * in `store_meta` and are said once, on stderr, when the migration changes anything.
 */
import { eveTimestamp } from '../report/eve-alert.js';

/** the one form the store compares */
export const UTC_ALERT_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+0000$/;
/** the same as a SQLite GLOB and a PostgreSQL regular expression (to select only the others) */
export const UTC_ALERT_TIME_GLOB = '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]+0000';
export const UTC_ALERT_TIME_PG = '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}\\+0000$';

/** the `store_meta` key of the migration's record */
export const ALERT_TIMES_KEY = 'alertTimes';

const ANY_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/** A stored time in the UTC form; `assumedUtc` when it had no offset; null when it is no time. */
export function utcAlertTime(text: string): { time: string; assumedUtc: boolean } | null {
  if (UTC_ALERT_TIME.test(text)) return { time: text, assumedUtc: false };
  const m = ANY_TIME.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h, mi, s = '00', frac = '', zone] = m;
  let offsetMin = 0;
  if (zone && zone.toUpperCase() !== 'Z') {
    const digits = zone.replace(':', '');
    offsetMin = (zone[0] === '-' ? -1 : 1) * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
  }
  const local = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  const check = new Date(local);
  if (Number.isNaN(local) || check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return null;
  const whole = local - offsetMin * 60_000;
  // the whole second from eveTimestamp, the fraction as written (microseconds, as Suricata's)
  const time = `${eveTimestamp(whole).slice(0, 19)}.${frac.padEnd(6, '0').slice(0, 6)}+0000`;
  return { time, assumedUtc: !zone };
}

/**
 * The time a new alert is stored with: the UTC form as given (every alert analyze, capture and
 * the workers make: one regular-expression test), else converted, so a caller handing another
 * form cannot mix them either; text that is no time is stored as given.
 */
export function storedAlertTime(text: string): string {
  return UTC_ALERT_TIME.test(text) ? text : (utcAlertTime(text)?.time ?? text);
}

export interface AlertTimeMigration {
  /** rows rewritten from a time with an offset other than the UTC form's */
  converted: number;
  /** rows whose time had no offset, taken as UTC */
  assumedUtc: number;
  /** rows whose time is no time at all, left as they were */
  unreadable: number;
  /** a few of the times as they were, for the message */
  examples: string[];
}

/** What to change: the new time of each row that needs one, and the counts. */
export function planAlertTimes(rows: Iterable<{ id: number | string; ts: string }>): { updates: { id: number | string; ts: string }[]; result: AlertTimeMigration } {
  const updates: { id: number | string; ts: string }[] = [];
  const result: AlertTimeMigration = { converted: 0, assumedUtc: 0, unreadable: 0, examples: [] };
  for (const r of rows) {
    const u = utcAlertTime(r.ts);
    if (!u) {
      result.unreadable++;
      if (result.examples.length < 3) result.examples.push(r.ts);
      continue;
    }
    if (u.time === r.ts) continue;
    updates.push({ id: r.id, ts: u.time });
    if (u.assumedUtc) result.assumedUtc++;
    else result.converted++;
    if (result.examples.length < 3) result.examples.push(r.ts);
  }
  return { updates, result };
}

/** The one line said when a migration changed or found something; null when the store was clean. */
export function migrationNote(where: string, r: AlertTimeMigration): string | null {
  if (!r.converted && !r.assumedUtc && !r.unreadable) return null;
  const parts: string[] = [];
  if (r.converted) parts.push(`${r.converted} converted from local times with their offset to UTC`);
  if (r.assumedUtc) parts.push(`${r.assumedUtc} without an offset taken as UTC`);
  if (r.unreadable) parts.push(`${r.unreadable} that are no time left as they were`);
  return `the alert store ${where} held alert times stored by an older version (e.g. ${r.examples.map((e) => JSON.stringify(e)).join(', ')}): ${parts.join('; ')}; every ${r.unreadable ? 'other ' : ''}alert time is now in UTC (recorded in its store_meta table)`;
}

/** where the note goes: stderr, as every warning (tests replace it) */
export let noteSink: (line: string) => void = (line) => process.stderr.write(`netsentinel: note: ${line}\n`);
export function setMigrationNoteSink(f: (line: string) => void): void {
  noteSink = f;
}
