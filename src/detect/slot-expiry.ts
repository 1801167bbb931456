/**
 * Forgetting slots of a rule that keeps one row of numbers per group in a flat Float64Array
 * (`stride` numbers a slot, the last-seen time at `lastField`) beside a state byte (0 = free):
 * the beaconing and TTL-hop rules. Both sweep groups quiet for a window and, over the group limit,
 * forget the least recently seen; `forget(slot)` closes and releases one (reporting what it must).
 */

/** Every live slot last seen before `cutoff` (all of them when `cutoff` is Infinity). */
export function forgetQuiet(state: Uint8Array, num: Float64Array, stride: number, lastField: number, high: number, cutoff: number, forget: (slot: number) => void): void {
  for (let s = 0; s < high; s++) {
    if (state[s] === 0 || num[s * stride + lastField] >= cutoff) continue;
    forget(s);
  }
}

/** How many live slots forgetQuiet(…, cutoff, …) would forget. */
export function countQuiet(state: Uint8Array, num: Float64Array, stride: number, lastField: number, high: number, cutoff: number): number {
  let n = 0;
  for (let s = 0; s < high; s++) if (state[s] !== 0 && !(num[s * stride + lastField] >= cutoff)) n++;
  return n;
}

/** The `drop` least recently seen of the `live` slots (ties at the cut: the first in slot order); how many went. */
export function forgetLeastRecent(state: Uint8Array, num: Float64Array, stride: number, lastField: number, high: number, live: number, drop: number, forget: (slot: number) => void): number {
  if (drop <= 0) return 0;
  const times = new Float64Array(live);
  let n = 0;
  for (let s = 0; s < high; s++) if (state[s] !== 0) times[n++] = num[s * stride + lastField];
  const cut = times.subarray(0, n).sort()[drop - 1];
  let dropped = 0;
  for (let s = 0; s < high && dropped < drop; s++) {
    if (state[s] === 0 || num[s * stride + lastField] > cut) continue;
    forget(s);
    dropped++;
  }
  return dropped;
}
