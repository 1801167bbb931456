/**
 * Every flow's risk, sorted from lowest to highest, with the alert threshold as a labelled
 * horizontal rule: the share of traffic that would alert is where the curve crosses the rule, and
 * the shape shows whether the threshold sits in a clear gap or in the middle of the crowd.
 *
 * More than `maxPoints` (default 2,000) scores are cut by shape-preserving downsampling that keeps
 * the lowest and the highest score; the subtitle says so. NaN scores are left out and counted.
 *
 * Deliberately not here: computing risk (risk/), per-IP aggregation.
 */
import { UserError } from '../../util/errors.js';
import { lttbIndices } from './downsample.js';
import { baseSpec, COLORS, formatNumber, fullCount, titleBlock, type ChartSpec, type ChartTextOptions } from './theme.js';
import { plural } from '../../util/plural.js';

export interface RiskChartOptions extends ChartTextOptions {
  /** most points drawn (default 2,000) */
  readonly maxPoints?: number;
  /** y axis title (default "Risk score") */
  readonly yTitle?: string;
  /** what a row is, for the axis and notes (default "flows") */
  readonly unit?: string;
  /**
   * The scores are a uniform sample of this many rows (analyze keeps 20,000 flows' risks for the
   * chart): the notes say so, and the label gives `whole.above` (rows at or above the threshold
   * among all of them) rather than the sample's count, which read as the run's risky flows.
   */
  readonly whole?: { readonly rows: number; readonly above: number };
}

/** What the risk chart shows, whichever way it is drawn (Vega-Lite spec or SVG written directly). */
export interface RiskChartData {
  /** scores drawn (NaN left out); the whole run's rows when the scores are a sample of them (the x axis's extent) */
  readonly n: number;
  /** the drawn points: rank (1-based, among the n sorted scores) and risk, lowest first */
  readonly points: readonly { readonly rank: number; readonly risk: number }[];
  readonly threshold: number;
  /** the rule's label: the threshold and how many rows are at or above it */
  readonly label: string;
  /** subtitle lines: counts, range, sampling, NaN */
  readonly notes: readonly string[];
  /** [0, 1] when every score and the threshold are in it; else the scale follows the data */
  readonly yDomain?: readonly [number, number];
  /** the rule is near the top of the plot: its label goes below it */
  readonly nearTop: boolean;
  readonly unit: string;
}

export function riskChartData(scores: ArrayLike<number>, threshold: number, options: RiskChartOptions = {}): RiskChartData {
  if (!Number.isFinite(threshold)) throw new UserError(`riskScoresSpec: the threshold must be a finite number, got ${threshold}`);
  let n = 0;
  for (let i = 0; i < scores.length; i++) if (!Number.isNaN(scores[i])) n++;
  if (n === 0) throw new UserError('riskScoresSpec: no scores given');
  const sorted = new Float64Array(n);
  let j = 0;
  for (let i = 0; i < scores.length; i++) if (!Number.isNaN(scores[i])) sorted[j++] = scores[i];
  sorted.sort();
  // rows at or above the threshold alert (the rule scores use: score >= threshold)
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < threshold) lo = mid + 1;
    else hi = mid;
  }
  const above = n - lo;
  const unit = options.unit ?? 'flows';
  const rank = new Float64Array(n);
  for (let i = 0; i < n; i++) rank[i] = i + 1;
  const keep = lttbIndices(rank, sorted, options.maxPoints ?? 2000);
  const sampled = options.whole !== undefined && options.whole.rows > n;
  const all = sampled ? options.whole!.rows : n;
  // a sample's ranks stretched over the whole run's, so the x axis counts the run's flows
  const stretch = sampled && n > 1 ? (all - 1) / (n - 1) : 1;
  const points = Array.from(keep, (i) => ({ rank: 1 + i * stretch, risk: sorted[i] }));
  const allAbove = sampled ? options.whole!.above : above;
  const share = (allAbove / all) * 100;
  const label = `threshold ${formatNumber(threshold)}: ${fullCount(allAbove)} ${unit} (${share < 0.1 && allAbove > 0 ? share.toFixed(2) : share.toFixed(1)}%) at or above`;
  const notes: string[] = [
    sampled
      ? `${fullCount(all)} ${unit}; drawn: a uniform random sample of ${fullCount(n)}, risk from ${formatNumber(sorted[0])} to ${formatNumber(sorted[n - 1])}`
      : `${fullCount(n)} ${unit}, risk from ${formatNumber(sorted[0])} to ${formatNumber(sorted[n - 1])}`,
  ];
  if (keep.length < n) notes.push(`${fullCount(keep.length)} of ${fullCount(n)} points drawn (shape-preserving downsampling; lowest and highest kept)`);
  const nan = scores.length - n;
  if (nan > 0) notes.push(`${fullCount(nan)} NaN ${plural(nan, 'score')} left out`);
  const yDomain: [number, number] | undefined = sorted[0] >= 0 && sorted[n - 1] <= 1 && threshold >= 0 && threshold <= 1 ? [0, 1] : undefined;
  // the label goes below the rule when the rule is near the top of the plot
  const top = yDomain ? yDomain[1] : Math.max(sorted[n - 1], threshold);
  const bottom = yDomain ? yDomain[0] : Math.min(sorted[0], threshold);
  const nearTop = (threshold - bottom) / (top - bottom || 1) > 0.85;
  return { n: sampled ? all : n, points, threshold, label, notes, yDomain, nearTop, unit };
}

export function riskScoresSpec(scores: ArrayLike<number>, threshold: number, options: RiskChartOptions = {}): ChartSpec {
  const { n, points, label, notes, yDomain, nearTop, unit } = riskChartData(scores, threshold, options);
  const values = points.map((p) => ({ rank: p.rank, risk: p.risk, alert: p.risk >= threshold }));
  return {
    ...baseSpec(680, 420, options),
    title: titleBlock('Risk scores, sorted', options, notes),
    layer: [
      {
        data: { values },
        mark: { type: 'area', line: { color: COLORS.primary, strokeWidth: 2 }, color: COLORS.primary, opacity: 0.15 },
        encoding: {
          x: { field: 'rank', type: 'quantitative', title: `${capitalise(unit)}, ranked by risk (lowest to highest)`, axis: { format: '~s', tickMinStep: 1 }, scale: { domain: [1, n], nice: false } },
          y: { field: 'risk', type: 'quantitative', title: options.yTitle ?? 'Risk score', scale: yDomain ? { domain: [...yDomain] } : { zero: false } },
        },
      },
      {
        data: { values: [{ threshold, label }] },
        mark: { type: 'rule', color: COLORS.alarm, strokeDash: [6, 4], strokeWidth: 1.5 },
        encoding: { y: { field: 'threshold', type: 'quantitative' } },
      },
      {
        data: { values: [{ threshold, label }] },
        mark: {
          type: 'text',
          align: 'left',
          baseline: nearTop ? 'top' : 'bottom',
          dx: 6,
          dy: nearTop ? 4 : -4,
          color: COLORS.alarm,
          fontSize: 12,
          fontWeight: 'bold',
        },
        encoding: { y: { field: 'threshold', type: 'quantitative' }, x: { value: 0 }, text: { field: 'label' } },
      },
    ],
  };
}

export function capitalise(s: string): string {
  return s.length > 0 ? s[0].toUpperCase() + s.slice(1) : s;
}
