import type { TimeZone } from '../util/time-zone.js';
import type { TwelveHourClock } from './twelve-hour-clock.js';

/**
 * Flow timestamps from CSV bytes to epoch milliseconds (fractional part keeps microseconds).
 *
 * The layouts flow datasets use, and only those:
 *   2017-07-07 12:59:21.088203      CIC-IDS2017 corrected release (UTC), ISO 8601 with `T`,
 *                                   optionally ending in `Z` or an offset like `+02:00`
 *   7/7/2017 8:59  |  03/07/2017 08:55:58 AM
 *                                   CICFlowMeter and the original CIC-IDS2017 CSVs: day/month/year,
 *                                   optional seconds, optional AM/PM
 * A time without an offset is taken as UTC: the files do not say, the corrected CIC-IDS2017 release
 * is in UTC, and reading it as the machine's local time would make results depend on where they
 * are computed; `zone` (--timezone) reads them in that zone instead. Day/month/year times without
 * AM/PM or offset go through `clock` when given: a 12-hour clock without AM/PM whose hour drops
 * from 8 or later to 7 or earlier on one day continues in the afternoon (twelve-hour-clock.ts). Empty cells are missing (NaN). Anything else is undefined, for an error that names
 * the cell. Written by hand because Date.parse accepts neither day-first dates nor microseconds, and
 * parsing bytes avoids a string per row.
 */

export function parseTimestamp(b: Uint8Array, start: number, end: number, zone?: TimeZone, clock?: TwelveHourClock): number | undefined {
  let s = start;
  let e = end;
  while (s < e && b[s] === 32) s++;
  while (e > s && b[e - 1] === 32) e--;
  if (s === e) return NaN;
  const r = new Reader(b, s, e);
  const a = r.int(4);
  if (a < 0) return undefined;
  let year: number;
  let month: number;
  let day: number;
  let dayFirst = false;
  if (r.take(45 /* - */)) {
    year = a;
    month = r.int(2);
    if (!r.take(45)) return undefined;
    day = r.int(2);
    if (!(r.take(32) || r.take(84 /* T */) || r.take(116 /* t */))) return r.done() && month > 0 ? local(utc(year, month, day, 0, 0, 0, 0), zone) : undefined;
  } else if (r.take(47 /* / */)) {
    dayFirst = true;
    day = a;
    month = r.int(2);
    if (!r.take(47)) return undefined;
    year = r.int(4);
    if (year >= 0 && year < 100) year += 2000;
    if (!r.take(32)) return r.done() && month > 0 ? local(utc(year, month, day, 0, 0, 0, 0), zone) : undefined;
    while (r.take(32));
  } else return undefined;
  let hour = r.int(2);
  if (!r.take(58 /* : */)) return undefined;
  const minute = r.int(2);
  let second = 0;
  let frac = 0;
  if (r.take(58)) {
    second = r.int(2);
    if (r.take(46 /* . */) || r.take(44 /* , */)) {
      frac = r.fraction();
      if (frac < 0) return undefined;
    }
  }
  let offsetMin = 0;
  let naive = true;
  /** AM or PM written */
  let halfSaid = false;
  while (r.take(32));
  if (r.takeWord('am')) {
    if (hour < 1 || hour > 12) return undefined;
    if (hour === 12) hour = 0;
    halfSaid = true;
  } else if (r.takeWord('pm')) {
    if (hour < 1 || hour > 12) return undefined;
    if (hour !== 12) hour += 12;
    halfSaid = true;
  } else if (r.take(90 /* Z */) || r.take(122)) {
    naive = false;
  } else if (r.peek() === 43 || r.peek() === 45) {
    naive = false;
    const sign = r.peek() === 45 ? -1 : 1;
    r.skip();
    const oh = r.int(2);
    r.take(58);
    const om = r.atEnd() ? 0 : r.int(2);
    if (oh < 0 || om < 0) return undefined;
    offsetMin = sign * (oh * 60 + om);
  }
  if (!r.done() || year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 60) {
    return undefined;
  }
  if (clock && dayFirst) {
    if (halfSaid) clock.sawAmPm();
    else if (naive) hour = clock.hour(hour, minute, year * 10000 + month * 100 + day);
  }
  const at = utc(year, month, day, hour, minute, second, frac) - offsetMin * 60000;
  return naive ? local(at, zone) : at;
}

/** A time without an offset: in `zone` when one was given, else as UTC. */
function local(wallMs: number, zone: TimeZone | undefined): number {
  return zone ? zone.toUtc(wallMs) : wallMs;
}

function utc(y: number, mo: number, d: number, h: number, mi: number, s: number, frac: number): number {
  return Date.UTC(y, mo - 1, d, h, mi, s) + frac * 1000;
}

class Reader {
  constructor(
    private readonly b: Uint8Array,
    private i: number,
    private readonly e: number,
  ) {}
  /** 1..maxDigits decimal digits, or -1 */
  int(maxDigits: number): number {
    let v = 0;
    let n = 0;
    while (this.i < this.e && n < maxDigits) {
      const d = this.b[this.i] - 48;
      if (d < 0 || d > 9) break;
      v = v * 10 + d;
      n++;
      this.i++;
    }
    return n === 0 ? -1 : v;
  }
  /** digits after a decimal point, as a fraction of a second; -1 when none */
  fraction(): number {
    let v = 0;
    let scale = 1;
    let n = 0;
    while (this.i < this.e) {
      const d = this.b[this.i] - 48;
      if (d < 0 || d > 9) break;
      if (n < 9) {
        v = v * 10 + d;
        scale *= 10;
      }
      n++;
      this.i++;
    }
    return n === 0 ? -1 : v / scale;
  }
  take(c: number): boolean {
    if (this.i < this.e && this.b[this.i] === c) {
      this.i++;
      return true;
    }
    return false;
  }
  takeWord(w: string): boolean {
    if (this.e - this.i < w.length) return false;
    for (let k = 0; k < w.length; k++) if ((this.b[this.i + k] | 0x20) !== w.charCodeAt(k)) return false;
    this.i += w.length;
    return true;
  }
  peek(): number {
    return this.i < this.e ? this.b[this.i] : -1;
  }
  skip(): void {
    this.i++;
  }
  atEnd(): boolean {
    return this.i >= this.e;
  }
  done(): boolean {
    return this.i === this.e;
  }
}
