/**
 * The text table scikit-learn's `classification_report` prints, character for character: a
 * header, one line per class (precision, recall, f1-score, support), a blank line, then the
 * "accuracy", "macro avg" and "weighted avg" lines. Analysts know this table by sight and diff it
 * against notebooks, so the layout is copied exactly, including Python's rounding of ties to even
 * ("{:.2f}" prints 0.125 as 0.12; JavaScript's toFixed would print 0.13).
 *
 * Which classes appear follows scikit-learn: those present in y_true or y_pred unless `labels`
 * is given; when the given labels are not exactly the present ones, the accuracy line becomes a
 * "micro avg" line, as there.
 *
 * Deliberately not here: the output_dict form (callers use metrics.ts directly for JSON), and
 * multilabel "samples avg".
 */
import { averageOf, averagedScores, classScores, presentLabels } from './metrics.js';
import { UserError } from '../util/errors.js';

export interface ClassificationReportOptions {
  /** decimals for the ratios; scikit-learn's default is 2 */
  digits?: number;
  /** class indices to report, in order (default: those present in y_true or y_pred) */
  labels?: ArrayLike<number>;
  sampleWeight?: ArrayLike<number>;
}

/**
 * `x` with `digits` decimals the way Python's format(x, ".{digits}f") writes it: the exact binary
 * value is rounded to nearest, ties to even (JavaScript's toFixed breaks ties upward).
 */
export function formatFixed(x: number, digits: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const plain = x.toFixed(digits);
  // toFixed is exact below 1e21; look further to see whether x sits exactly on a tie
  if (Math.abs(x) >= 1e21 || digits >= 99) return plain;
  const long = x.toFixed(Math.min(100, digits + 40));
  const dot = long.indexOf('.');
  const rest = long.slice(dot + 1 + digits);
  if (rest[0] === '5' && /^50*$/.test(rest)) {
    // exact tie: toFixed rounded away from zero; Python rounds to the even neighbour
    const truncated = long.slice(0, digits === 0 ? dot : dot + 1 + digits);
    const lastDigit = Number(truncated[truncated.length - 1]);
    if (lastDigit % 2 === 0) {
      // keep the truncated (even) value; Python writes -0.00 for a negative tie towards zero
      return truncated;
    }
  }
  return plain;
}

/** Python's "{:>{width}s}": right-align to `width` code points. */
function right(s: string, width: number): string {
  const len = [...s].length;
  return len >= width ? s : ' '.repeat(width - len) + s;
}

/**
 * Python's str() of a support: a count prints as an integer; a sum of sample weights is a float,
 * which Python always writes with a decimal point ("12.0").
 */
function supportText(s: number, weighted: boolean): string {
  if (!weighted) return String(s);
  return Number.isInteger(s) && Math.abs(s) < 1e16 ? `${s}.0` : String(s);
}

/**
 * The report text. `classNames[c]` names class index c; `nClasses` defaults to
 * classNames.length.
 */
export function classificationReport(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  classNames: readonly string[],
  opts: ClassificationReportOptions = {},
): string {
  const digits = opts.digits ?? 2;
  if (!Number.isInteger(digits) || digits < 0) {
    throw new UserError(`The 'digits' parameter of classification_report must be an int in the range [0, inf). Got ${JSON.stringify(digits)} instead.`);
  }
  const nClasses = classNames.length;
  const present = presentLabels(yTrue, yPred, nClasses);
  const labels = opts.labels ? Int32Array.from(opts.labels) : present;
  const sameAsPresent = !opts.labels || sameSet(labels, present);
  const sw = opts.sampleWeight;
  const per = classScores(yTrue, yPred, nClasses, { labels, sampleWeight: sw });
  const names = Array.from(labels, (c) => classNames[c]);

  const width = Math.max(...names.map((s) => [...s].length), 'weighted avg'.length, digits);
  const headers = ['precision', 'recall', 'f1-score', 'support'];
  let out = right('', width) + ' ' + headers.map((h) => ' ' + right(h, 9)).join('') + '\n\n';
  const row = (name: string, p: number, r: number, f: number, s: number): string =>
    right(name, width) +
    ' ' +
    [p, r, f].map((v) => ' ' + right(formatFixed(v, digits), 9)).join('') +
    ' ' +
    right(supportText(s, sw !== undefined), 9) +
    '\n';
  for (let j = 0; j < labels.length; j++) {
    out += row(names[j], per.precision[j], per.recall[j], per.f1[j], per.support[j]);
  }
  out += '\n';
  let total = 0;
  for (let j = 0; j < labels.length; j++) total += per.support[j];

  const micro = averagedScores(yTrue, yPred, nClasses, 'micro', { labels, sampleWeight: sw });
  if (sameAsPresent) {
    out += right('accuracy', width) + ' ' + ' ' + right('', 9) + ' ' + right('', 9) + ' ' + right(formatFixed(micro.f1, digits), 9) + ' ' + right(supportText(total, sw !== undefined), 9) + '\n';
  } else {
    out += row('micro avg', micro.precision, micro.recall, micro.f1, total);
  }
  const macro = averageOf(per, 'macro');
  out += row('macro avg', macro.precision, macro.recall, macro.f1, total);
  const weighted = averageOf(per, 'weighted');
  out += row('weighted avg', weighted.precision, weighted.recall, weighted.f1, total);
  return out;
}

function sameSet(a: Int32Array, b: Int32Array): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  if (sa.size !== sb.size) return false;
  for (const v of sa) if (!sb.has(v)) return false;
  return true;
}
