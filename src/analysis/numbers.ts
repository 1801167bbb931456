/**
 * How the analysis's outputs print numbers: six decimals in JSON (summary, alerts), six
 * significant digits in flows_scored.csv (written once per flow and per score, so it avoids
 * toPrecision on the hot path).
 */

export function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** six significant digits, cheaply; '' for NaN and ±Infinity */
export function sig6(x: number): string {
  if (!Number.isFinite(x)) return '';
  const a = Math.abs(x);
  if (a >= 1e-4 && a < 1e15) {
    const scale = 10 ** (5 - Math.floor(Math.log10(a)));
    return String(Math.round(x * scale) / scale);
  }
  return x === 0 ? '0' : x.toPrecision(6);
}

/** the day's ISO prefix ("2017-07-07T"), made by a Date once per day */
let isoDay = NaN;
let isoDayPrefix = '';
const TWO_DIGITS: readonly string[] = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
/** ".000Z" to ".999Z" */
const MILLIS_Z: readonly string[] = Array.from({ length: 1000 }, (_, i) => `.${String(i).padStart(3, '0')}Z`);
/** the end of year 9999: past it toISOString writes "+YYYYYY-...", left to Date */
const ISO_LIMIT = 253402300800000;

/**
 * new Date(ms).toISOString(), without a Date per call: a source row has two of these and an
 * analysis can have hundreds of thousands of sources (toISOString was most of a row's cost).
 * Throws RangeError for NaN and times out of Date's range, as toISOString does.
 */
export function isoTime(ms: number): string {
  if (!(ms >= 0 && ms < ISO_LIMIT)) return new Date(ms).toISOString();
  // Date drops the fraction of a millisecond (towards zero, which is floor for ms ≥ 0)
  const whole = Math.floor(ms);
  const day = Math.floor(whole / 86_400_000);
  if (day !== isoDay) {
    isoDayPrefix = new Date(day * 86_400_000).toISOString().slice(0, 11);
    isoDay = day;
  }
  const inDay = whole - day * 86_400_000;
  const s = Math.floor(inDay / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s - h * 3600) / 60);
  return `${isoDayPrefix}${TWO_DIGITS[h]}:${TWO_DIGITS[m]}:${TWO_DIGITS[s - h * 3600 - m * 60]}${MILLIS_Z[inDay - s * 1000]}`;
}
