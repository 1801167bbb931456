/**
 * The one-line warnings, one per column, for numeric cells that were read but are not ordinary
 * values: missing (empty, NaN), infinite, and negative values in count columns. The reader counts
 * them (FlowTable.cellCounts); the verbs print these lines on stderr, so imputation is never silent.
 * Columns with no value in any row, when there are several, share one line.
 */
import type { CellCounts } from '../flows/table.js';
import { quoteField } from './input-limits.js';
import { plural } from '../util/plural.js';

/** At most this many columns get their own line; the rest are summed in one more line. */
const MAX_LINES = 20;

/** At most this many names in the line of columns that hold no value at all. */
const MAX_EMPTY_NAMES = 8;

export function cellCountWarnings(counts: readonly CellCounts[] | undefined, rows: number): string[] {
  if (!counts || counts.length === 0) return [];
  const fmt = (n: number): string => n.toLocaleString('en-US');
  const lines: string[] = [];
  // Columns with no value in any row (absent from the input, or empty throughout) are said in one
  // line when there are several: a file in another format's names (CIC-IDS2018's for a CIC-IDS2017
  // model) lacks dozens, and a line each ("600 missing ... (of 600 rows)") read as cells missing here
  // and there, 21 lines of it.
  const empty = rows > 0 ? counts.filter((c) => c.missing === rows && c.infinite === 0 && c.negative === 0) : [];
  const grouped = new Set(empty.length >= 2 ? empty : []);
  if (grouped.size > 0) {
    const names = empty.slice(0, MAX_EMPTY_NAMES).map((c) => quoteField(c.column, 60)).join(', ');
    const more = empty.length > MAX_EMPTY_NAMES ? ` and ${fmt(empty.length - MAX_EMPTY_NAMES)} more` : '';
    lines.push(`${fmt(empty.length)} columns hold no value in ${rows === 1 ? 'the 1 row' : `any of the ${fmt(rows)} rows`} (absent from the input, or empty), every cell imputed with the training median: ${names}${more}`);
  }
  const rest = counts.filter((c) => !grouped.has(c));
  for (const c of rest.slice(0, MAX_LINES)) {
    const parts: string[] = [];
    if (c.missing > 0) parts.push(`${fmt(c.missing)} missing (empty or NaN) imputed with the training median`);
    if (c.infinite > 0) parts.push(`${fmt(c.infinite)} infinite imputed with the training maximum/minimum`);
    if (c.negative > 0) parts.push(`${fmt(c.negative)} negative in a count column, kept as read`);
    lines.push(`column ${quoteField(c.column, 60)}: ${parts.join('; ')} (of ${fmt(rows)} ${plural(rows, 'row')})`);
  }
  if (rest.length > MAX_LINES) {
    const over = rest.slice(MAX_LINES);
    const sum = (k: 'missing' | 'infinite' | 'negative'): number => over.reduce((s, c) => s + c[k], 0);
    lines.push(`${fmt(over.length)} more columns: ${fmt(sum('missing'))} missing, ${fmt(sum('infinite'))} infinite, ${fmt(sum('negative'))} negative cells`);
  }
  return lines;
}

/** CICFlowMeter's per-second rates (Flow Bytes/s, Flow Packets/s, Fwd Packets/s, Bwd Packets/s). */
const CIC_RATE = /\/s$/i;
/** CICFlowMeter's header lengths (Fwd/Bwd Header Length) and initial windows (Init Win Bytes, Init_Win_bytes_forward) */
const CIC_NEGATIVE_OK = /header[ _]?length|init[ _]?win/i;

/**
 * The counts less what CICFlowMeter writes for ordinary traffic, which every CIC-IDS2017 file (and
 * our meter's flows of a capture, built the same way) has by the hundred, so a warning about them
 * tells nothing and hides the one that does:
 *  - a rate (a column ending in "/s") of a zero-duration flow: Infinity, or empty/NaN for 0/0
 *    (Flow Bytes/s of a flow with no payload), the duration being 0;
 *  - a negative header length (CICFlowMeter's counter overflows on long flows; the corrected
 *    CIC-IDS2017 release still has them) or initial window (-1: no packet in that direction);
 *    kept as read, not imputed, either way.
 * Anything else in such a file (an infinite port, a missing duration, text in a count) is
 * unexpected and said. Other formats: all of it is (no format writes these as a matter of course).
 * Undefined when nothing is left.
 */
export function unexpectedCellCounts(counts: readonly CellCounts[] | undefined, format: string | undefined): CellCounts[] | undefined {
  if (!counts) return undefined;
  const out: CellCounts[] = [];
  for (const c of counts) {
    let { missing, infinite, negative } = c;
    if (format === 'cicflowmeter') {
      if (CIC_RATE.test(c.column.trim())) missing = infinite = 0;
      if (CIC_NEGATIVE_OK.test(c.column)) negative = 0;
    }
    if (missing + infinite + negative > 0) out.push({ column: c.column, missing, infinite, negative });
  }
  return out.length ? out : undefined;
}
