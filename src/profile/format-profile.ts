/**
 * A dataset profile as text for the terminal: aligned tables a person can scan, the label's class
 * balance first (the first thing that decides how to train), then the columns, the redundant
 * pairs, and the features that tell normal from attack, strongest first.
 *
 * Deliberately not here: colour, terminal width detection (long names are cut to a fixed width
 * with "…"; `--json` has everything in full).
 */
import type { ColumnProfile } from './column-summary.js';
import type { FeatureTest, Profile } from './profile-table.js';

const NAME_WIDTH = 34;

export function formatProfile(p: Profile): string {
  const out: string[] = [];
  out.push(`Dataset: ${count(p.rows)} rows x ${p.columnCount} columns (${p.format})`);

  if (p.label) {
    const l = p.label;
    out.push('');
    const normal = l.normalClass === null ? 'no normal class found' : `normal class "${l.normalClass}": ${count(l.normalRows)} normal, ${count(l.attackRows)} attack`;
    out.push(`Label "${l.column}" (${normal}${l.missing > 0 ? `, ${count(l.missing)} missing` : ''})`);
    out.push(
      ...table(
        ['class', 'rows', 'share'],
        l.classes.map((k) => [cut(k.value), count(k.count), pct(k.share)]),
        [false, true, true],
      ),
    );
  }

  out.push('');
  out.push('Columns');
  out.push(
    ...table(
      ['column', 'role', 'type', 'missing', 'inf', 'min', 'max', 'mean', 'std', 'distinct', 'most frequent'],
      p.columns.map((c) => [
        cut(c.name),
        c.role,
        c.type === 'numeric' ? 'num' : 'cat',
        c.missing > 0 ? count(c.missing) : '',
        c.infinite > 0 ? count(c.infinite) : '',
        num(c.min),
        num(c.max),
        num(c.mean),
        num(c.std),
        c.distinctCapped ? `>${count(c.distinct - 1)}` : count(c.distinct),
        frequent(c, p.rows),
      ]),
      [false, false, false, true, true, true, true, true, true, true, false],
    ),
  );

  const cor = p.correlations;
  out.push('');
  out.push(
    `Most correlated feature pairs (Pearson, ${count(cor.rowsUsed)} rows${cor.sampled ? ', seeded sample' : ''}, ${cor.columnsCompared} numeric features)`,
  );
  if (cor.pairs.length === 0) out.push('  (none)');
  else out.push(...table(['feature', 'feature', 'r'], cor.pairs.map((q) => [cut(q.a), cut(q.b), fixed(q.r, 4)]), [false, false, true]));
  if (cor.skippedConstant.length > 0) out.push(`  constant, left out: ${cor.skippedConstant.join(', ')}`);

  if (p.tests.length > 0) {
    out.push('');
    out.push('Features vs normal/attack, strongest effect first');
    const sorted = [...p.tests].sort((a, b) => strength(b) - strength(a) || (a.pValue ?? 2) - (b.pValue ?? 2));
    out.push(
      ...table(
        ['feature', 'test', 'statistic', 'p-value', 'effect', 'n'],
        sorted.map((t) => [
          cut(t.feature),
          t.test === 'chi-square' ? `chi2 (dof ${t.dof})` : 'Mann-Whitney U',
          num(t.statistic),
          pValue(t.pValue),
          t.effect === null ? '-' : `${t.effectName === 'auc' ? 'AUC' : 'V'} ${fixed(t.effect, 3)}`,
          count(t.n),
        ]),
        [false, false, true, true, false, true],
      ),
    );
  }

  if (p.notes.length > 0) {
    out.push('');
    out.push('Notes');
    for (const n of p.notes) out.push(`  - ${n}`);
  }
  return out.join('\n') + '\n';
}

/** How strongly a feature separates the classes, on one scale: |AUC − ½|·2 or Cramér's V. */
function strength(t: FeatureTest): number {
  if (t.effect === null) return -1;
  return t.effectName === 'auc' ? Math.abs(t.effect - 0.5) * 2 : t.effect;
}

function frequent(c: ColumnProfile, rows: number): string {
  if (c.topValues.length === 0) return '';
  return c.topValues
    .slice(0, 3)
    .map((v) => {
      const text = c.type === 'numeric' ? num(Number(v.value)) : visible(v.value);
      return `${text.length > 16 ? text.slice(0, 15) + '…' : text} ${pct(v.count / (rows || 1))}`;
    })
    .join(', ');
}

/** Rows of cells as aligned text, with a header and a rule; `right` marks right-aligned columns. */
function table(header: string[], rows: string[][], right: boolean[]): string[] {
  const width = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (cells: string[]) =>
    '  ' +
    cells
      .map((s, j) => (right[j] ? s.padStart(width[j]) : s.padEnd(width[j])))
      .join('  ')
      .trimEnd();
  return [line(header), '  ' + width.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}

function cut(s: string): string {
  const v = visible(s);
  return v.length > NAME_WIDTH ? v.slice(0, NAME_WIDTH - 1) + '…' : v;
}

/**
 * A value on one line: control characters written as escapes. A quoted CSV field may hold a
 * newline ("multi\nline, note"); printed as is, it broke the row of the table across two lines.
 */
function visible(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : c === '\t' ? '\\t' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function pct(x: number): string {
  const v = x * 100;
  return v > 0 && v < 0.1 ? '<0.1%' : `${v.toFixed(1)}%`;
}

function fixed(x: number, digits: number): string {
  return x.toFixed(digits);
}

/** A statistic in at most ~9 characters: 4 significant digits, exponent when large or tiny. */
function num(x: number | null): string {
  if (x === null) return '-';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (Number.isInteger(x) && a < 1e7) return count(x);
  if (a >= 1e-3 && a < 1e7) return String(Number(x.toPrecision(4)));
  return x.toExponential(2);
}

function pValue(p: number | null): string {
  if (p === null) return '-';
  if (p === 0) return '<1e-300';
  if (p < 1e-3) return p.toExponential(1);
  return p.toFixed(4);
}
