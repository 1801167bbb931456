/**
 * Row partitioning: a node owns the slice idx[start..end) of one index array, and a split
 * rearranges that slice into left rows then right rows, so children are two adjacent slices and
 * no per-node arrays are allocated (LightGBM's DataPartition).
 *
 * The partition is stable: rows stay in ascending order on both sides, so histogram passes read
 * columns forward and every sum is taken in the same order whatever thread grows the tree.
 */
import { NAN_BIN, type BinnedMatrix } from './binning.js';

/**
 * Move rows of idx[start..end) whose code in `feature` is <= bin (NaN by nanLeft) to the front,
 * keeping order on both sides. `scratch` holds at least end - start entries. Returns where the
 * right child starts.
 */
const LEFT = new Uint8Array(256);

export function partitionRows(
  idx: Int32Array,
  start: number,
  end: number,
  bins: BinnedMatrix,
  feature: number,
  bin: number,
  nanLeft: boolean,
  scratch: Int32Array,
): number {
  const { codes, rows } = bins;
  const col = feature * rows;
  // which codes go left, as a table: the loop below then has no data-dependent branch (a node's
  // rows go left or right at random, so a branch would mispredict half the time)
  const lut = LEFT;
  for (let c = 0; c < NAN_BIN; c++) lut[c] = c <= bin ? 1 : 0;
  lut[NAN_BIN] = nanLeft ? 1 : 0;
  let l = start;
  let r = 0;
  for (let i = start; i < end; i++) {
    const row = idx[i];
    const t = lut[codes[col + row]];
    idx[l] = row;
    scratch[r] = row;
    l += t;
    r += 1 - t;
  }
  idx.set(scratch.subarray(0, r), l);
  return l;
}
