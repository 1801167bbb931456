/**
 * Order statistics without a full sort: quickselect (Hoare partition, median-of-three pivot),
 * O(n) on average. Used where only a median or a rank threshold is needed (pipeline medians,
 * GOSS thresholds), which a sort would make O(n log n).
 */

/** The k-th largest of a[0..n) (1-based k), by quickselect; reorders a. */
export function kthLargest(a: Float64Array, n: number, k: number): number {
  let lo = 0;
  let hi = n - 1;
  const target = k - 1;
  while (lo < hi) {
    // median of three as pivot, descending order
    const mid = (lo + hi) >>> 1;
    const x = a[lo];
    const y = a[mid];
    const z = a[hi];
    const pivot = x > y ? (y > z ? y : x > z ? z : x) : x > z ? x : y > z ? z : y;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] > pivot) i++;
      while (a[j] < pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (target <= j) hi = j;
    else if (target >= i) lo = i;
    else return a[target];
  }
  return a[target];
}

/** The median of a[0..n) (mean of the two middle values when n is even); reorders a. NaN when n = 0. */
export function medianInPlace(a: Float64Array, n: number): number {
  if (n === 0) return NaN;
  const m = n >> 1;
  // ascending position m is descending rank n - m
  const hi = kthLargest(a, n, n - m);
  if (n % 2) return hi;
  // ascending position m - 1: the largest value after that rank's position
  let lo = -Infinity;
  for (let i = n - m; i < n; i++) if (a[i] > lo) lo = a[i];
  return (lo + hi) / 2;
}
