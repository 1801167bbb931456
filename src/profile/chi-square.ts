/**
 * Pearson's chi-square test of independence on a contingency table: the numbers
 * scipy.stats.chi2_contingency(observed) gives (with its default Yates continuity correction when
 * the table has one degree of freedom), plus Cramér's V as an effect size.
 *
 * Used by the profile to ask, per categorical feature (protocol, service, flag), whether its value
 * depends on normal vs attack. Rows or columns that are all zero are dropped first (they carry no
 * information and would give a zero expected count); the degrees of freedom count what is left.
 *
 * Deliberately not here: Fisher's exact test for tiny tables, warnings about expected counts < 5
 * (the profile reports n so a reader can judge).
 */
import { chiSquareSf } from './special-functions.js';

export interface ChiSquareResult {
  /** the statistic (Yates-corrected when dof = 1, as scipy does by default) */
  readonly statistic: number;
  readonly dof: number;
  /** NaN when the table has fewer than two non-empty rows or columns */
  readonly pValue: number;
  /** total count */
  readonly n: number;
  /** Cramér's V from the uncorrected statistic: √(χ² / (n (min(r, c) − 1))), in [0, 1] */
  readonly cramersV: number;
}

/** `counts` is row-major rows × cols. */
export function chiSquareIndependence(counts: ArrayLike<number>, rows: number, cols: number, yates = true): ChiSquareResult {
  if (counts.length !== rows * cols) throw new Error(`chiSquareIndependence: ${counts.length} counts for a ${rows}x${cols} table`);
  const rowSum = new Float64Array(rows);
  const colSum = new Float64Array(cols);
  let n = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = counts[r * cols + c];
      rowSum[r] += v;
      colSum[c] += v;
      n += v;
    }
  }
  let liveRows = 0;
  let liveCols = 0;
  for (let r = 0; r < rows; r++) if (rowSum[r] > 0) liveRows++;
  for (let c = 0; c < cols; c++) if (colSum[c] > 0) liveCols++;
  const dof = (liveRows - 1) * (liveCols - 1);
  if (liveRows < 2 || liveCols < 2) return { statistic: 0, dof: Math.max(0, dof), pValue: Number.NaN, n, cramersV: Number.NaN };
  const correct = yates && dof === 1;
  let stat = 0;
  let plain = 0;
  for (let r = 0; r < rows; r++) {
    if (rowSum[r] === 0) continue;
    for (let c = 0; c < cols; c++) {
      if (colSum[c] === 0) continue;
      const expected = (rowSum[r] * colSum[c]) / n;
      const diff = counts[r * cols + c] - expected;
      plain += (diff * diff) / expected;
      // Yates: move each observed count half a unit towards its expectation, never past it
      const d = correct ? Math.max(0, Math.abs(diff) - 0.5) : diff;
      stat += (d * d) / expected;
    }
  }
  const k = Math.min(liveRows, liveCols) - 1;
  return { statistic: stat, dof, pValue: chiSquareSf(stat, dof), n, cramersV: Math.sqrt(plain / (n * k)) };
}
