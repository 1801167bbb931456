/**
 * Alert times as the store compares them. The store keeps an alert's time as text in Suricata's
 * form (2017-07-07T12:59:00.123456+0000, UTC, fixed width: what analyze, capture and the stream
 * workers write), and filters and groups by comparing that text (`ts >= ?`, the hour as its first
 * 13 characters). Text compares as time only when every value has that one form, so a time that
 * comes in through the API (a posted alert, a since/until filter) is turned into it first: a
 * posted "2030-01-01T10:00:00+02:00" stored as given sorted as 10:00 UTC, not 08:00.
 */
import { eveTimestamp } from '../report/eve-alert.js';

/** ISO 8601 date and time with its offset (Z, ±hh:mm or ±hhmm), seconds and fraction optional */
const ISO_WITH_OFFSET = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * A posted alert's time in the store's form, or an error saying what is wrong with it. The
 * offset is required: a time without one names no instant.
 */
export function postedAlertTime(text: string): { time: string } | { error: string } {
  const m = ISO_WITH_OFFSET.exec(text);
  if (!m) return { error: `expected an ISO 8601 time with its offset (e.g. 2026-12-03T07:00:00Z), got ${JSON.stringify(text)}` };
  const ms = Date.parse(text);
  // Date.parse rolls an impossible day over (02-30 becomes 03-02): check the fields it kept
  const [y, mo, d, h, mi, s] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x)));
  const probe = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  if (Number.isNaN(ms) || probe.getUTCMonth() !== mo - 1 || probe.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return { error: `${JSON.stringify(text)} is not a real time` };
  return { time: eveTimestamp(ms) };
}

/** A since/until filter in the store's form, or undefined when it is not a time. */
export function filterAlertTime(text: string): string | undefined {
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : eveTimestamp(ms);
}
