/**
 * Seeded, stratified splits of row indices: a train/test split for evaluation and a
 * fit/validation split for early stopping inside a model. Stratified means every class keeps its
 * share of rows on both sides (up to rounding), which matters on intrusion data where the rare
 * classes (U2R, Heartbleed) would otherwise land wholly on one side.
 *
 * The allocation follows scikit-learn's StratifiedShuffleSplit: the test side gets
 * ceil(test_size * n) rows, each class gets floor(its share) of the train side, and the rows left
 * over go to the classes with the largest remainders (ties broken by the seeded generator); a
 * class's rows are shuffled and the first ones go to train. The indices returned are sorted
 * ascending, so taking the rows walks memory forwards. The draws are not scikit-learn's (its
 * generator is not ours), so the same seed does not give the same rows.
 *
 * Deliberately not here: group-aware splits (all flows of one host on one side) and time-ordered
 * splits; they need metadata this module does not see.
 */
import { Rng } from '../util/rng.js';
import { UserError, checkParam } from '../util/errors.js';
import { plural } from '../util/plural.js';

export interface TrainTestSplit {
  readonly train: Int32Array;
  readonly test: Int32Array;
}

export interface ValidationSplit {
  /** rows the model learns from */
  readonly fit: Int32Array;
  /** rows held out to decide when to stop */
  readonly validation: Int32Array;
}

/** Row indices per class (class = the value in y), in row order. */
export function rowsByClass(y: ArrayLike<number>): Int32Array[] {
  let k = 0;
  for (let i = 0; i < y.length; i++) {
    const c = y[i];
    if (!(Number.isInteger(c) && c >= 0)) throw new RangeError(`class labels must be non-negative integers; row ${i} has ${c}`);
    if (c + 1 > k) k = c + 1;
  }
  const count = new Int32Array(k);
  for (let i = 0; i < y.length; i++) count[y[i]]++;
  const out = Array.from(count, (n) => new Int32Array(n));
  const fill = new Int32Array(k);
  for (let i = 0; i < y.length; i++) {
    const c = y[i];
    out[c][fill[c]++] = i;
  }
  return out;
}

/**
 * Share `total` draws among classes in proportion to `counts`: floors first, then one more to each
 * class in order of largest remainder, equal remainders in seeded random order (scikit-learn's
 * _approximate_mode).
 */
export function allocateProportional(counts: ArrayLike<number>, total: number, rng: Rng): Int32Array {
  const k = counts.length;
  let n = 0;
  for (let c = 0; c < k; c++) n += counts[c];
  const out = new Int32Array(k);
  if (n === 0) return out;
  const remainder = new Float64Array(k);
  let given = 0;
  for (let c = 0; c < k; c++) {
    const exact = (counts[c] * total) / n;
    out[c] = Math.floor(exact);
    remainder[c] = exact - out[c];
    given += out[c];
  }
  let left = total - given;
  if (left > 0) {
    // random order first, then a stable sort by remainder: equal remainders stay shuffled
    const order = rng.shuffle(Array.from({ length: k }, (_, c) => c));
    order.sort((a, b) => remainder[b] - remainder[a]);
    for (const c of order) {
      if (left === 0) break;
      if (out[c] < counts[c]) {
        out[c]++;
        left--;
      }
    }
  }
  return out;
}

/** Resolve a size given as a fraction in (0, 1) or a row count, as scikit-learn reads test_size. */
function resolveSize(model: string, param: string, size: number, n: number): number {
  const isFraction = size > 0 && size < 1;
  const isCount = Number.isInteger(size) && size >= 1 && size < n;
  checkParam(model, param, isFraction || isCount, `a float in the range (0.0, 1.0) or an int in the range [1, ${n - 1}]`, size);
  return isFraction ? Math.ceil(size * n) : size;
}

function split(y: ArrayLike<number>, nHeld: number, seed: number): { kept: Int32Array; held: Int32Array } {
  const n = y.length;
  const byClass = rowsByClass(y);
  const rng = new Rng(seed);
  const counts = byClass.map((r) => r.length);
  const keptPerClass = allocateProportional(counts, n - nHeld, rng);
  const kept = new Int32Array(n - nHeld);
  const held = new Int32Array(nHeld);
  let a = 0;
  let b = 0;
  for (let c = 0; c < byClass.length; c++) {
    const rows = rng.shuffle(Int32Array.from(byClass[c]));
    for (let i = 0; i < rows.length; i++) {
      if (i < keptPerClass[c]) kept[a++] = rows[i];
      else held[b++] = rows[i];
    }
  }
  return { kept: kept.sort(), held: held.sort() };
}

/**
 * Stratified random train/test split of the rows of `y` (class indices). `testSize` is a fraction
 * in (0, 1) or a row count. The same y and seed always give the same split.
 */
export function stratifiedTrainTestSplit(y: ArrayLike<number>, testSize: number, seed: number): TrainTestSplit {
  if (y.length < 2) throw new UserError(`cannot split ${y.length} ${plural(y.length, 'row')} into a train and a test set; need at least 2`);
  const nTest = resolveSize('train_test_split', 'test_size', testSize, y.length);
  const { kept, held } = split(y, nTest, seed);
  return { train: kept, test: held };
}

/**
 * Stratified fit/validation split for early stopping (scikit-learn's validation_fraction):
 * `fraction` of the rows, at least one, are held out for validation.
 */
export function stratifiedValidationSplit(y: ArrayLike<number>, fraction: number, seed: number): ValidationSplit {
  if (y.length < 2) throw new UserError(`cannot hold out a validation set from ${y.length} ${plural(y.length, 'row')}; need at least 2`);
  checkParam('validation split', 'validation_fraction', fraction > 0 && fraction < 1, 'a float in the range (0.0, 1.0)', fraction);
  const nHeld = Math.min(y.length - 1, Math.max(1, Math.ceil(fraction * y.length)));
  const { kept, held } = split(y, nHeld, seed);
  return { fit: kept, validation: held };
}
