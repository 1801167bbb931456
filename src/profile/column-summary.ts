/**
 * One column's summary for the dataset profile: what it holds, how much is missing or infinite,
 * its range, centre and spread, how many distinct values, and the most common ones.
 *
 * Conventions (stated because they change the numbers): min, max, mean and std are over finite
 * values only (CICFlowMeter writes "Infinity" in rate columns when a duration is 0); std is the
 * sample standard deviation (n − 1), as pandas' describe(); distinct values are counted exactly
 * up to `maxDistinct` and reported as "more than" past it, so a flow-ID column costs no more
 * memory than a protocol column. Means use a two-pass sum (mean, then squared deviations) for
 * accuracy on values like byte counts in the billions.
 *
 * Deliberately not here: quantiles and histograms (they need a sort per column; the charts and
 * the risk baseline do their own), type inference (the readers decide numeric vs categorical).
 */
import type { CategoricalColumn, Column, ColumnRole, NumericColumn } from '../flows/table.js';

export interface ValueCount {
  readonly value: string;
  readonly count: number;
}

export interface ColumnProfile {
  readonly name: string;
  readonly role: ColumnRole;
  readonly type: 'numeric' | 'categorical';
  /** NaN cells (numeric) or missing codes (categorical) */
  readonly missing: number;
  /** ±Infinity cells (numeric; always 0 for categorical) */
  readonly infinite: number;
  /** cells equal to 0 (numeric; always 0 for categorical) */
  readonly zeros: number;
  /** over finite values; null for categorical columns or when there is no finite value */
  readonly min: number | null;
  readonly max: number | null;
  readonly mean: number | null;
  /** sample standard deviation (n − 1); null with fewer than two finite values */
  readonly std: number | null;
  /** distinct non-missing values, exact when `distinctCapped` is false, else a lower bound */
  readonly distinct: number;
  readonly distinctCapped: boolean;
  /** at most one distinct non-missing value */
  readonly constant: boolean;
  /** most frequent values, largest first (numeric columns: only when distinct values were counted exactly) */
  readonly topValues: readonly ValueCount[];
}

export interface ColumnSummaryOptions {
  /** distinct values counted exactly up to this many (default 10,000) */
  readonly maxDistinct: number;
  /** how many most frequent values to keep (default 5) */
  readonly topValues: number;
}

export function summariseColumn(c: Column, rows: number, o: ColumnSummaryOptions): ColumnProfile {
  return c.kind === 'numeric' ? summariseNumeric(c, rows, o) : summariseCategorical(c, rows, o);
}

function summariseNumeric(c: NumericColumn, rows: number, o: ColumnSummaryOptions): ColumnProfile {
  const v = c.values;
  let missing = 0;
  let infinite = 0;
  let zeros = 0;
  let finite = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < rows; i++) {
    const x = v[i];
    if (Number.isNaN(x)) {
      missing++;
      continue;
    }
    if (x === Infinity || x === -Infinity) {
      infinite++;
      continue;
    }
    if (x === 0) zeros++;
    finite++;
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const mean = finite > 0 ? sum / finite : Number.NaN;
  let ss = 0;
  let comp = 0; // Σ(x − mean), corrects the rounding in mean (the "corrected two-pass" form)
  if (finite > 1) {
    for (let i = 0; i < rows; i++) {
      const x = v[i];
      if (!Number.isFinite(x)) continue;
      const d = x - mean;
      ss += d * d;
      comp += d;
    }
  }
  const variance = finite > 1 ? (ss - (comp * comp) / finite) / (finite - 1) : Number.NaN;

  // distinct values, with counts for the most frequent, until the cap is passed
  const counts = new Map<number, number>();
  let capped = false;
  for (let i = 0; i < rows; i++) {
    const x = v[i];
    if (Number.isNaN(x)) continue;
    // +0 and -0 are one value (Map keys use SameValueZero)
    const k = counts.get(x);
    if (k !== undefined) counts.set(x, k + 1);
    else if (counts.size < o.maxDistinct) counts.set(x, 1);
    else {
      capped = true;
      break;
    }
  }
  const distinct = capped ? o.maxDistinct + 1 : counts.size;
  const top = capped ? [] : topOf([...counts.entries()].map(([value, count]) => ({ value: String(value), count })), o.topValues);
  return {
    name: c.name,
    role: c.role,
    type: 'numeric',
    missing,
    infinite,
    zeros,
    min: finite > 0 ? min : null,
    max: finite > 0 ? max : null,
    mean: finite > 0 ? mean : null,
    std: finite > 1 ? Math.sqrt(Math.max(0, variance)) : null,
    distinct,
    distinctCapped: capped,
    constant: !capped && counts.size <= 1,
    topValues: top,
  };
}

function summariseCategorical(c: CategoricalColumn, rows: number, o: ColumnSummaryOptions): ColumnProfile {
  const counts = new Float64Array(c.dictionary.length);
  let missing = 0;
  for (let i = 0; i < rows; i++) {
    const code = c.codes[i];
    if (code < 0) missing++;
    else counts[code]++;
  }
  let distinct = 0;
  const present: ValueCount[] = [];
  for (let k = 0; k < counts.length; k++) {
    if (counts[k] > 0) {
      distinct++;
      present.push({ value: c.dictionary[k], count: counts[k] });
    }
  }
  return {
    name: c.name,
    role: c.role,
    type: 'categorical',
    missing,
    infinite: 0,
    zeros: 0,
    min: null,
    max: null,
    mean: null,
    std: null,
    distinct,
    distinctCapped: false,
    constant: distinct <= 1,
    topValues: topOf(present, o.topValues),
  };
}

/** The k largest counts, ties by value so output is stable. */
function topOf(all: ValueCount[], k: number): ValueCount[] {
  return all.sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0)).slice(0, k);
}
