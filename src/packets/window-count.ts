/**
 * A count of events in a sliding window without keeping the events: two fixed windows of W, the
 * current one's count and the previous one's, the previous weighted by the part of it still inside
 * the sliding window. Exact when events are even; a flood's burst is never underestimated by more
 * than the previous window's share. Used by the watches that count towards one target or network
 * (ping floods, deauthentication floods); the SYN watch keeps the same numbers in typed arrays.
 */
export interface WindowCount {
  /** start of the current window (µs) */
  start: number;
  count: number;
  previous: number;
  /** the highest estimate so far */
  peak: number;
}

/** Count one event at `now` (µs; never before the last one counted) in a window of `w` µs: the sliding estimate, its peak kept. */
export function countInWindow(c: WindowCount, now: number, w: number): number {
  if (now - c.start >= w) {
    const windows = Math.floor((now - c.start) / w);
    c.previous = windows === 1 ? c.count : 0;
    c.count = 0;
    c.start += windows * w;
  }
  c.count++;
  const estimate = c.previous * (1 - (now - c.start) / w) + c.count;
  if (estimate > c.peak) c.peak = estimate;
  return estimate;
}
