/**
 * The first `n` values of a builder's typed array, as a batch hands them over: the array itself
 * when full, a view of it when it is nearly full (at most an eighth unused), else a copy. Readers
 * reserve their expected rows a little high (2 % and 16 rows, so a file rarely needs a doubling),
 * so copying every column of every batch to cut that margin off cost as much memory traffic as the
 * reading itself writes, and its garbage (external memory) made V8 run full collections. A copy
 * when much is unused: a small last batch must not keep a large builder alive.
 */
export function trimmed<A extends Int32Array | Float64Array>(a: A, n: number): A {
  if (a.length === n) return a;
  return (a.length - n <= a.length >> 3 ? a.subarray(0, n) : a.slice(0, n)) as A;
}
