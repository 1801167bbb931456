/**
 * Limits on what one input may ask of us, and how a field is quoted in a message.
 *
 * netsentinel reads files made by attackers by design. Without limits, a 100,000-column header or
 * a 50 MB line without a newline costs minutes and gigabytes before anything is said. Each limit
 * here is far above what any real flow export needs (CICFlowMeter has 84 columns, a record is a
 * few hundred bytes), is checked as early as the data allows, and fails with one line that names
 * the option raising it.
 *
 * Messages quote at most ~100 characters of a field: a 4 MB field must not become a 4 MB line.
 */
import { UserError } from '../util/errors.js';

export interface InputLimits {
  /** most fields (columns) per record */
  readonly maxColumns: number;
  /** most bytes in one record (line), quoted newlines included */
  readonly maxLineBytes: number;
}

export const DEFAULT_LIMITS: InputLimits = {
  maxColumns: 10_000,
  maxLineBytes: 16 * 1024 * 1024,
};

/** The CLI flag that raises each limit (named in the error). */
export const LIMIT_FLAGS: Readonly<Record<keyof InputLimits, string>> = {
  maxColumns: '--max-columns',
  maxLineBytes: '--max-line-bytes',
};

/** Default limits with the given ones replaced; each must be a positive integer. */
export function inputLimits(given: Partial<InputLimits> = {}): InputLimits {
  const out = { ...DEFAULT_LIMITS };
  for (const k of Object.keys(DEFAULT_LIMITS) as (keyof InputLimits)[]) {
    const v = given[k];
    if (v === undefined) continue;
    if (!Number.isSafeInteger(v) || v < 1) throw new UserError(`${LIMIT_FLAGS[k]} must be a positive integer, got ${String(v)}`);
    out[k] = v;
  }
  return out;
}

/** Most characters of a field a message quotes. */
export const QUOTE_CHARS = 100;

/** A field as a message shows it: JSON-quoted, cut to ~100 characters with its full length said. */
export function quoteField(s: string, max = QUOTE_CHARS): string {
  if (s.length <= max) return JSON.stringify(s);
  return `${JSON.stringify(s.slice(0, max))}… (${s.length.toLocaleString('en-US')} characters)`;
}

/** A list of names for a message: the first `max` quoted, then how many more. */
export function quoteList(names: readonly string[], max = 20): string {
  const shown = names.slice(0, max).map((n) => quoteField(n, 60));
  return names.length > max ? `${shown.join(', ')} and ${(names.length - max).toLocaleString('en-US')} more` : shown.join(', ');
}

/** "1,048,576 bytes" / "16 MiB" for limits in messages. */
export function describeBytes(n: number): string {
  if (n >= 1048576 && n % 1048576 === 0) return `${n / 1048576} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n.toLocaleString('en-US')} bytes`;
}

/** Most classes a classifier's target may have before training is refused (a likely identifier). */
export const DEFAULT_MAX_CLASSES = 100;

/**
 * Refuse a target with more distinct values than `max`: a column of 500 "classes" in 6,000 rows is
 * far more often an identifier, a timestamp or a free-text field than a label, and a multi-class
 * model pays for every class (gradient boosting grows one tree per class and round).
 */
export function checkClassCount(target: string, classes: number, max: number): void {
  if (classes <= max) return;
  throw new UserError(
    `the target ${quoteField(target, 60)} has ${classes.toLocaleString('en-US')} classes, more than the limit of ${max.toLocaleString('en-US')}: is it an identifier rather than a label? (raise the limit with --max-classes N; training time grows with every class)`,
  );
}
