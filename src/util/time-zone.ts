/**
 * The time zone of timestamps written without a UTC offset (`--timezone`): an IANA name
 * (America/Moncton, with its daylight saving) or a fixed offset (±HH:MM). Flow files seldom say:
 * the original CIC-IDS2017 CSVs ("7/7/2017 8:59") are in New Brunswick's local time (ADT, UTC-3
 * in July), the corrected release is in UTC, and a reader cannot tell them apart. Without the
 * option such times are read as UTC (and said so), as before.
 */
import { UserError } from './errors.js';

export interface TimeZone {
  /** as the user gave it, for notes: "America/Moncton", "-03:00" */
  readonly name: string;
  /** a wall-clock time read as if it were UTC (epoch ms) → the instant it is in this zone */
  toUtc(wallMs: number): number;
}

const FIXED = /^(?:utc|gmt)?([+-])(\d{1,2})(?::?(\d{2}))?$/i;

const zones = new Map<string, TimeZone>();

/** The zone named by `text`; a UserError naming the option when it is none. */
export function parseTimeZone(text: string): TimeZone {
  const known = zones.get(text);
  if (known) return known;
  const zone = makeZone(text.trim());
  zones.set(text, zone);
  return zone;
}

function makeZone(text: string): TimeZone {
  if (/^(utc|gmt|z)$/i.test(text)) return { name: 'UTC', toUtc: (ms) => ms };
  const m = FIXED.exec(text);
  if (m) {
    const h = Number(m[2]);
    const min = m[3] === undefined ? 0 : Number(m[3]);
    if (h > 18 || min > 59) throw new UserError(`--timezone: "${text}" is no UTC offset (from -18:00 to +18:00)`);
    const offsetMs = (m[1] === '-' ? -1 : 1) * (h * 60 + min) * 60000;
    return { name: text, toUtc: (ms) => ms - offsetMs };
  }
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-US', { timeZone: text, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
  } catch {
    throw new UserError(`--timezone: "${text}" is neither an IANA time zone (like America/Moncton) nor a UTC offset (like -03:00)`);
  }
  const name = fmt.resolvedOptions().timeZone;
  // the zone's offset at an instant, cached per quarter hour (every zone's changes fall on one)
  const cache = new Map<number, number>();
  const offsetAt = (instant: number): number => {
    const key = Math.floor(instant / 900000);
    let off = cache.get(key);
    if (off === undefined) {
      const at = key * 900000;
      const p: Record<string, number> = {};
      for (const part of fmt.formatToParts(at)) if (part.type !== 'literal') p[part.type] = Number(part.value);
      off = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - at;
      if (cache.size > 100000) cache.clear();
      cache.set(key, off);
    }
    return off;
  };
  return {
    name,
    toUtc(wall) {
      // the offset at the wall time taken as UTC, then at the instant that gives: right except in
      // the hour a clock skips or repeats, where the later offset is taken
      const first = wall - offsetAt(wall);
      return wall - offsetAt(first);
    },
  };
}
