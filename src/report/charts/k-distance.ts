/**
 * The sorted k-distance curve used to pick DBSCAN's eps: each point's distance to its k-th nearest
 * neighbour, ascending; the knee (where the curve turns up) separates dense regions from noise.
 * The suggested eps is drawn as a labelled horizontal rule, so a user can judge the suggestion.
 *
 * Distances may come in any order (they are sorted here). More than `maxPoints` (default 2,000)
 * are cut by shape-preserving downsampling; the first and last (smallest and largest) are kept.
 *
 * Deliberately not here: computing distances or the knee (models/cluster/k-distance.ts).
 */
import { UserError } from '../../util/errors.js';
import { lttbIndices } from './downsample.js';
import { baseSpec, COLORS, formatNumber, fullCount, titleBlock, type ChartSpec, type ChartTextOptions } from './theme.js';
import { plural } from '../../util/plural.js';

export interface KDistanceChartOptions extends ChartTextOptions {
  /** the k the distances were computed with, for the title and axis */
  readonly k?: number;
  /** most points drawn (default 2,000) */
  readonly maxPoints?: number;
}

export function kDistanceSpec(distances: ArrayLike<number>, suggestedEps?: number, options: KDistanceChartOptions = {}): ChartSpec {
  const sorted = finiteSorted(distances);
  const n = sorted.length;
  if (n === 0) throw new UserError('kDistanceSpec: no finite distances given');
  const maxPoints = options.maxPoints ?? 2000;
  const rank = new Float64Array(n);
  for (let i = 0; i < n; i++) rank[i] = i + 1;
  const keep = lttbIndices(rank, sorted, maxPoints);
  const values = Array.from(keep, (i) => ({ rank: i + 1, distance: sorted[i] }));
  const hasK = options.k !== undefined;
  const notes: string[] = [];
  if (keep.length < n) notes.push(`${fullCount(keep.length)} of ${fullCount(n)} points drawn (shape-preserving downsampling; min and max kept)`);
  else notes.push(`${fullCount(n)} points`);
  const dropped = distances.length - n;
  if (dropped > 0) notes.push(`${fullCount(dropped)} non-finite ${plural(dropped, 'distance')} left out`);
  const hasEps = suggestedEps !== undefined && Number.isFinite(suggestedEps);
  const eps = hasEps ? [{ eps: suggestedEps, label: `suggested eps = ${formatNumber(suggestedEps as number)}` }] : [];
  return {
    ...baseSpec(640, 420, options),
    title: titleBlock(hasK ? `k-distance curve (k = ${options.k})` : 'k-distance curve', options, notes),
    layer: [
      {
        data: { values },
        mark: { type: 'line', color: COLORS.primary, strokeWidth: 2 },
        encoding: {
          x: { field: 'rank', type: 'quantitative', title: 'Points, sorted by k-distance', axis: { format: '~s', tickMinStep: 1 }, scale: { domain: [1, n], nice: false } },
          // a few far points would flatten the knee on a linear axis: a symmetric log keeps both readable
          y: { field: 'distance', type: 'quantitative', title: hasK ? `Distance to neighbour ${options.k}` : 'Distance to k-th nearest neighbour', scale: { type: 'symlog' } },
        },
      },
      // the threshold rule and its label, only when there is an eps (an empty layer makes Vega warn)
      ...(hasEps
        ? [
            {
              data: { values: eps },
              mark: { type: 'rule' as const, color: COLORS.alarm, strokeDash: [6, 4], strokeWidth: 1.5 },
              encoding: { y: { field: 'eps', type: 'quantitative' as const, scale: { type: 'symlog' as const } } },
            },
            {
              data: { values: eps },
              mark: { type: 'text' as const, align: 'left' as const, baseline: 'bottom' as const, dx: 6, dy: -4, color: COLORS.alarm, fontSize: 12, fontWeight: 'bold' as const },
              encoding: { y: { field: 'eps', type: 'quantitative' as const, scale: { type: 'symlog' as const } }, x: { value: 0 }, text: { field: 'label' } },
            },
          ]
        : []),
    ],
  };
}

function finiteSorted(d: ArrayLike<number>): Float64Array {
  let n = 0;
  for (let i = 0; i < d.length; i++) if (Number.isFinite(d[i])) n++;
  const out = new Float64Array(n);
  let j = 0;
  for (let i = 0; i < d.length; i++) if (Number.isFinite(d[i])) out[j++] = d[i];
  return out.sort();
}
