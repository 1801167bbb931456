/**
 * The one-line warnings, one per column, for numeric cells that were read but are not ordinary
 * values: missing (empty, NaN), infinite, and negative values in count columns. The reader counts
 * them (FlowTable.cellCounts); the verbs print these lines on stderr, so imputation is never silent.
 */
import type { CellCounts } from '../flows/table.js';
import { quoteField } from './input-limits.js';
import { plural } from '../util/plural.js';

/** At most this many columns get their own line; the rest are summed in one more line. */
const MAX_LINES = 20;

export function cellCountWarnings(counts: readonly CellCounts[] | undefined, rows: number): string[] {
  if (!counts || counts.length === 0) return [];
  const fmt = (n: number): string => n.toLocaleString('en-US');
  const lines = counts.slice(0, MAX_LINES).map((c) => {
    const parts: string[] = [];
    if (c.missing > 0) parts.push(`${fmt(c.missing)} missing (empty or NaN) imputed with the training median`);
    if (c.infinite > 0) parts.push(`${fmt(c.infinite)} infinite imputed with the training maximum/minimum`);
    if (c.negative > 0) parts.push(`${fmt(c.negative)} negative in a count column, kept as read`);
    return `column ${quoteField(c.column, 60)}: ${parts.join('; ')} (of ${fmt(rows)} ${plural(rows, 'row')})`;
  });
  if (counts.length > MAX_LINES) {
    const rest = counts.slice(MAX_LINES);
    const sum = (k: 'missing' | 'infinite' | 'negative'): number => rest.reduce((s, c) => s + c[k], 0);
    lines.push(`${fmt(rest.length)} more columns: ${fmt(sum('missing'))} missing, ${fmt(sum('infinite'))} infinite, ${fmt(sum('negative'))} negative cells`);
  }
  return lines;
}
