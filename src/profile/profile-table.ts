/**
 * A dataset profile: what a FlowTable holds before anyone trains on it. Rows, class balance of
 * the label, a summary per column, the most correlated feature pairs, and per feature a test of
 * whether normal and attack flows differ (Mann-Whitney U for numeric features, chi-square for
 * categorical ones), with p-values and effect sizes.
 *
 * The result is a plain, JSON-able object (camelCase keys, null where a number does not exist,
 * never NaN or Infinity) so `--json` can print it as is and a dashboard can read it.
 *
 * Reading the tests: on tens of thousands of flows almost every feature is "significant"; the
 * effect size says how much. For a numeric feature it is the AUC of the feature alone as an attack
 * score (0.5 = no difference, 1 or 0 = the feature separates the classes); for a categorical one
 * Cramér's V (0 = independent, 1 = the category determines the class).
 *
 * Deliberately not here: the profile's text rendering (format-profile.ts), charts of it, and any
 * cleaning or dropping of columns: a profile only reports.
 */
import { getColumn, labelColumns, type Column, type FlowTable, type NumericColumn } from '../flows/table.js';
import { checkParam, UserError } from '../util/errors.js';
import { chiSquareIndependence } from './chi-square.js';
import { summariseColumn, type ColumnProfile } from './column-summary.js';
import { topCorrelations, type CorrelationSummary } from './correlation.js';
import { mannWhitneyUSortInPlace } from './mann-whitney.js';

export type { ColumnProfile, ValueCount } from './column-summary.js';
export type { CorrelatedPair, CorrelationSummary } from './correlation.js';

export interface ProfileOptions {
  /** label column for class balance and tests (default: the table's default target, else its first label column) */
  readonly label?: string;
  /** the class meaning normal traffic (default: the table's, else "normal"/"benign" in any case, else 0 for a numeric label) */
  readonly normalClass?: string;
  /** how many correlated pairs to report (default 10) */
  readonly topPairs?: number;
  /** distinct values counted exactly up to this many per column (default 10,000) */
  readonly maxDistinct?: number;
  /** most frequent values kept per column (default 5) */
  readonly topValues?: number;
  /** rows used for correlations; more are sampled down to this (default 200,000) */
  readonly correlationRows?: number;
  /** seed of that sample (default 0) */
  readonly seed?: number;
}

export interface ClassCount {
  readonly value: string;
  readonly count: number;
  readonly share: number;
}

export interface LabelProfile {
  readonly column: string;
  /** the class taken as normal traffic, or null when none could be found (then no tests) */
  readonly normalClass: string | null;
  /** classes, largest first */
  readonly classes: readonly ClassCount[];
  readonly missing: number;
  /** rows of the normal class, and of every other class together */
  readonly normalRows: number;
  readonly attackRows: number;
}

export interface FeatureTest {
  readonly feature: string;
  readonly test: 'mann-whitney-u' | 'chi-square';
  /** U of the normal rows (Mann-Whitney, scipy's statistic for x = normal) or χ² */
  readonly statistic: number | null;
  /** two-sided p-value; null when the test is undefined (no variance, one category) */
  readonly pValue: number | null;
  /** chi-square degrees of freedom; null for Mann-Whitney */
  readonly dof: number | null;
  /** Mann-Whitney: standardised statistic; null for chi-square */
  readonly z: number | null;
  /** AUC of the feature as an attack score (Mann-Whitney) or Cramér's V (chi-square) */
  readonly effect: number | null;
  readonly effectName: 'auc' | 'cramersV';
  /** rows the test used (label known, value not missing) */
  readonly n: number;
}

export interface Profile {
  readonly rows: number;
  readonly columnCount: number;
  readonly format: string;
  readonly label: LabelProfile | null;
  readonly columns: readonly ColumnProfile[];
  readonly correlations: CorrelationSummary;
  /** one per feature column, in column order; empty without a normal/attack split */
  readonly tests: readonly FeatureTest[];
  /** things a reader should know: sampling, skipped tests, assumptions */
  readonly notes: readonly string[];
}

export function profileTable(table: FlowTable, options: ProfileOptions = {}): Profile {
  const topPairs = options.topPairs ?? 10;
  const maxDistinct = options.maxDistinct ?? 10_000;
  const topValues = options.topValues ?? 5;
  const correlationRows = options.correlationRows ?? 200_000;
  checkParam('profileTable', 'topPairs', Number.isInteger(topPairs) && topPairs >= 0, 'an int in the range [0, inf)', topPairs);
  checkParam('profileTable', 'maxDistinct', Number.isInteger(maxDistinct) && maxDistinct >= 1, 'an int in the range [1, inf)', maxDistinct);
  checkParam('profileTable', 'topValues', Number.isInteger(topValues) && topValues >= 0, 'an int in the range [0, inf)', topValues);
  checkParam('profileTable', 'correlationRows', Number.isInteger(correlationRows) && correlationRows >= 2, 'an int in the range [2, inf)', correlationRows);

  const rows = table.rowCount;
  const notes: string[] = [];
  const columns = table.columns.map((c) => summariseColumn(c, rows, { maxDistinct, topValues }));
  const capped = columns.filter((c) => c.distinctCapped).map((c) => c.name);
  if (capped.length > 0) notes.push(`distinct values counted up to ${maxDistinct.toLocaleString('en-US')}; more in: ${capped.join(', ')}`);

  const features = table.columns.filter((c) => c.role === 'feature');
  const numericFeatures = features.filter((c): c is NumericColumn => c.kind === 'numeric');
  const correlations = topCorrelations(numericFeatures, rows, { topPairs, maxRows: correlationRows, seed: options.seed ?? 0 });
  if (correlations.sampled) {
    notes.push(`correlations from a seeded random sample of ${correlations.rowsUsed.toLocaleString('en-US')} of ${rows.toLocaleString('en-US')} rows`);
  }

  const labelCol = chooseLabel(table, options.label);
  let label: LabelProfile | null = null;
  const tests: FeatureTest[] = [];
  if (!labelCol) notes.push('no label column: no class balance and no feature tests');
  else {
    const split = binarySplit(table, labelCol, options.normalClass, notes);
    label = split.profile;
    if (split.isAttack) {
      if (split.profile.normalRows === 0 || split.profile.attackRows === 0) {
        notes.push(`only one of normal/attack is present in "${labelCol.name}": no feature tests`);
      } else {
        tests.push(...featureTests(features.filter((c) => c.name !== labelCol.name), split.isAttack, rows, split.profile));
        notes.push(
          'feature tests: normal vs every other class; Mann-Whitney U (two-sided, normal approximation with tie and continuity correction) ' +
            'for numeric features, effect = AUC of the feature as an attack score; chi-square of independence (Yates when dof = 1) ' +
            "for categorical ones, effect = Cramér's V; NaN values and rows without a label left out",
        );
      }
    }
  }
  return json({ rows, columnCount: table.columns.length, format: table.format, label, columns, correlations, tests, notes });
}

function chooseLabel(table: FlowTable, name: string | undefined): Column | undefined {
  if (name !== undefined) {
    const c = getColumn(table, name);
    if (!c) {
      const labels = labelColumns(table).map((l) => `"${l.name}"`);
      throw new UserError(`profile: no column "${name}"${labels.length ? `; label columns are ${labels.join(', ')}` : ''}`);
    }
    return c;
  }
  if (table.defaultTarget !== undefined) {
    const c = getColumn(table, table.defaultTarget);
    if (c) return c;
  }
  return labelColumns(table)[0];
}

/** 1 = attack, 0 = normal, 255 = label missing; plus the class balance. */
function binarySplit(
  table: FlowTable,
  c: Column,
  normalOption: string | undefined,
  notes: string[],
): { profile: LabelProfile; isAttack: Uint8Array | undefined } {
  const rows = table.rowCount;
  // class counts as strings, whatever the column kind
  const counts = new Map<string, number>();
  let missing = 0;
  const valueOf: (i: number) => string | null =
    c.kind === 'categorical'
      ? (i) => (c.codes[i] < 0 ? null : c.dictionary[c.codes[i]])
      : (i) => (Number.isNaN(c.values[i]) ? null : String(c.values[i]));
  if (c.kind === 'categorical') {
    const byCode = new Float64Array(c.dictionary.length);
    for (let i = 0; i < rows; i++) {
      if (c.codes[i] < 0) missing++;
      else byCode[c.codes[i]]++;
    }
    byCode.forEach((n, k) => {
      if (n > 0) counts.set(c.dictionary[k], (counts.get(c.dictionary[k]) ?? 0) + n);
    });
  } else {
    for (let i = 0; i < rows; i++) {
      const v = valueOf(i);
      if (v === null) missing++;
      else counts.set(v, (counts.get(v) ?? 0) + 1);
    }
  }
  const known = rows - missing;
  const classes = [...counts.entries()]
    .map(([value, count]) => ({ value, count, share: known > 0 ? count / known : 0 }))
    .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));

  let normal: string | null = null;
  if (normalOption !== undefined) {
    if (!counts.has(normalOption)) {
      throw new UserError(`profile: class "${normalOption}" does not occur in label column "${c.name}"; classes are ${classes.slice(0, 10).map((k) => `"${k.value}"`).join(', ')}`);
    }
    normal = normalOption;
  } else if (table.normalClass !== undefined && counts.has(table.normalClass)) normal = table.normalClass;
  else {
    normal = classes.find((k) => /^(normal|benign)$/i.test(k.value))?.value ?? null;
    if (normal === null && c.kind === 'numeric' && counts.has('0')) normal = '0';
  }
  if (normal === null) {
    notes.push(`no normal class found in "${c.name}" (give one with normalClass): no feature tests`);
    return { profile: { column: c.name, normalClass: null, classes, missing, normalRows: 0, attackRows: 0 }, isAttack: undefined };
  }
  const isAttack = new Uint8Array(rows);
  let normalRows = 0;
  if (c.kind === 'categorical') {
    const normalCode = Uint8Array.from(c.dictionary, (d) => (d === normal ? 1 : 0));
    for (let i = 0; i < rows; i++) {
      const code = c.codes[i];
      if (code < 0) isAttack[i] = 255;
      else if (normalCode[code] === 1) {
        isAttack[i] = 0;
        normalRows++;
      } else isAttack[i] = 1;
    }
  } else {
    const nv = Number(normal);
    for (let i = 0; i < rows; i++) {
      const v = c.values[i];
      if (Number.isNaN(v)) isAttack[i] = 255;
      else if (v === nv) {
        isAttack[i] = 0;
        normalRows++;
      } else isAttack[i] = 1;
    }
  }
  return {
    profile: { column: c.name, normalClass: normal, classes, missing, normalRows, attackRows: known - normalRows },
    isAttack,
  };
}

function featureTests(features: readonly Column[], isAttack: Uint8Array, rows: number, label: LabelProfile): FeatureTest[] {
  const out: FeatureTest[] = [];
  // scratch buffers reused by every numeric feature: the test sorts them in place
  const normalBuf = new Float64Array(label.normalRows);
  const attackBuf = new Float64Array(label.attackRows);
  for (const c of features) {
    if (c.kind === 'numeric') {
      let a = 0;
      let b = 0;
      const v = c.values;
      for (let i = 0; i < rows; i++) {
        const x = v[i];
        if (Number.isNaN(x)) continue;
        const y = isAttack[i];
        if (y === 0) normalBuf[a++] = x;
        else if (y === 1) attackBuf[b++] = x;
      }
      if (a === 0 || b === 0) {
        out.push({ feature: c.name, test: 'mann-whitney-u', statistic: null, pValue: null, dof: null, z: null, effect: null, effectName: 'auc', n: a + b });
        continue;
      }
      const r = mannWhitneyUSortInPlace(normalBuf.subarray(0, a), attackBuf.subarray(0, b));
      out.push({ feature: c.name, test: 'mann-whitney-u', statistic: r.u, pValue: r.pValue, dof: null, z: r.z, effect: r.auc, effectName: 'auc', n: a + b });
    } else {
      const k = c.dictionary.length;
      const table = new Float64Array(k * 2);
      let n = 0;
      for (let i = 0; i < rows; i++) {
        const code = c.codes[i];
        const y = isAttack[i];
        if (code < 0 || y === 255) continue;
        table[code * 2 + y]++;
        n++;
      }
      const r = chiSquareIndependence(table, k, 2);
      out.push({ feature: c.name, test: 'chi-square', statistic: r.statistic, pValue: r.pValue, dof: r.dof, z: null, effect: r.cramersV, effectName: 'cramersV', n });
    }
  }
  return out;
}

/** Deep copy with every non-finite number as null, so JSON.stringify loses nothing silently. */
function json<T>(x: T): T {
  return JSON.parse(JSON.stringify(x, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v))) as T;
}

