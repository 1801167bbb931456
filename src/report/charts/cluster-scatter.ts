/**
 * Clusters in two dimensions (usually the first two principal components): one colour per cluster,
 * core points as filled discs, border points as rings (hollow), noise as red crosses drawn on top, since noise is what
 * an analyst looks at first (DBSCAN's noise is the anomaly).
 *
 * Large inputs are drawn from a seeded uniform sample of at most `maxPoints` (default 5,000) rows;
 * cluster sizes in the legend and subtitle count every row. Only the largest `maxClusters` clusters
 * (default 12) get their own colour, the rest share one grey: beyond a dozen, colours cannot be
 * told apart anyway.
 *
 * Deliberately not here: projecting to 2-D (features/pca.ts), density contours.
 */
import type { Matrix } from '../../features/matrix.js';
import { UserError } from '../../util/errors.js';
import { sampleIndices } from './downsample.js';
import { baseSpec, COLORS, fullCount, SERIES_PALETTE, titleBlock, type ChartSpec, type ChartTextOptions } from './theme.js';
import { plural } from '../../util/plural.js';

/** Point kinds as numbers, the codes models/cluster/dbscan.ts uses (NOISE 0, BORDER 1, CORE 2). */
export const KIND_NOISE = 0;
export const KIND_BORDER = 1;
export const KIND_CORE = 2;
export type PointKindName = 'noise' | 'border' | 'core';

export interface ClusterScatterOptions extends ChartTextOptions {
  /** most points drawn (default 5,000) */
  readonly maxPoints?: number;
  /** seed of the sample (default 0) */
  readonly seed?: number;
  /** clusters with a colour of their own (default 12) */
  readonly maxClusters?: number;
  readonly xTitle?: string;
  readonly yTitle?: string;
}

const OTHER_GREY = '#8c8c8c';

/**
 * @param points2d a Matrix (first two columns used) or a flat array x0, y0, x1, y1, ...
 * @param labels cluster per point, -1 for noise
 * @param kinds per point: KIND_CORE / KIND_BORDER / KIND_NOISE codes, or their names
 */
export function clusterScatterSpec(
  points2d: Matrix | ArrayLike<number>,
  labels: ArrayLike<number>,
  kinds: ArrayLike<number> | readonly PointKindName[],
  options: ClusterScatterOptions = {},
): ChartSpec {
  const { xs, ys, n } = coordinates(points2d);
  if (labels.length !== n || kinds.length !== n) {
    throw new UserError(`clusterScatterSpec: ${n} points but ${labels.length} labels and ${kinds.length} kinds`);
  }
  const maxClusters = options.maxClusters ?? 12;
  // cluster sizes over every row, to rank clusters and label the legend
  const sizes = new Map<number, number>();
  let noise = 0;
  for (let i = 0; i < n; i++) {
    const l = labels[i];
    if (l < 0) noise++;
    else sizes.set(l, (sizes.get(l) ?? 0) + 1);
  }
  const ranked = [...sizes.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]);
  const named = new Map<number, string>();
  const domain: string[] = [];
  const range: string[] = [];
  ranked.slice(0, maxClusters).forEach(([id, size], j) => {
    const name = `cluster ${id} (${fullCount(size)})`;
    named.set(id, name);
    domain.push(name);
    range.push(SERIES_PALETTE[j % SERIES_PALETTE.length]);
  });
  const rest = ranked.slice(maxClusters);
  const otherName = `${fullCount(rest.length)} other clusters (${fullCount(rest.reduce((s, e) => s + e[1], 0))})`;
  if (rest.length > 0) {
    domain.push(otherName);
    range.push(OTHER_GREY);
  }
  const noiseName = `noise (${fullCount(noise)})`;
  if (noise > 0) {
    domain.push(noiseName);
    range.push(COLORS.alarm);
  }

  const keep = sampleIndices(n, options.maxPoints ?? 5000, options.seed ?? 0);
  const values = new Array<{ x: number; y: number; cluster: string; kind: PointKindName }>();
  let nonFinite = 0;
  for (let j = 0; j < keep.length; j++) {
    const i = keep[j];
    if (!Number.isFinite(xs(i)) || !Number.isFinite(ys(i))) {
      nonFinite++;
      continue;
    }
    const l = labels[i];
    const kind = l < 0 ? 'noise' : kindName(kinds[i]);
    const cluster = l < 0 ? noiseName : (named.get(l) ?? otherName);
    values.push({ x: xs(i), y: ys(i), cluster, kind: kind === 'noise' && l >= 0 ? 'border' : kind });
  }

  const notes = [`${fullCount(sizes.size)} ${plural(sizes.size, 'cluster')}, ${fullCount(noise)} noise ${plural(noise, 'point')} (${n > 0 ? ((noise / n) * 100).toFixed(1) : '0'}%)`];
  if (keep.length < n) notes.push(`${fullCount(keep.length)} of ${fullCount(n)} points drawn (seeded random sample, seed ${options.seed ?? 0})`);
  if (nonFinite > 0) notes.push(`${fullCount(nonFinite)} ${plural(nonFinite, 'point')} with non-finite coordinates left out`);

  const x = { field: 'x', type: 'quantitative', title: options.xTitle ?? 'Component 1', scale: { zero: false } } as const;
  const y = { field: 'y', type: 'quantitative', title: options.yTitle ?? 'Component 2', scale: { zero: false } } as const;
  // drawn in this order, so noise ends on top of the clusters it sits in
  const drawOrder = { core: 0, border: 1, noise: 2 } as const;
  values.sort((p, q) => drawOrder[p.kind] - drawOrder[q.kind]);

  // hollow border points as a ring-shaped symbol (outer circle, inner circle drawn the other way
  // round, so the non-zero fill rule leaves a hole): unlike a stroke-only mark, a shape also shows
  // up hollow in the legend
  const kindLegend = {
    title: 'Point',
    orient: 'right',
    labelExpr: "datum.value === 'core' ? 'core' : datum.value === 'border' ? 'border' : 'noise'",
    symbolFillColor: '#444444',
    symbolStrokeWidth: 0,
    symbolSize: 80,
  } as const;
  return {
    ...baseSpec(760, 520, options),
    title: titleBlock('Clusters', options, notes),
    data: { values },
    mark: { type: 'point', filled: true, size: 40, opacity: 0.8 },
    encoding: {
      x: { field: 'x', type: 'quantitative', title: options.xTitle ?? 'Component 1', scale: { zero: false } },
      y: { field: 'y', type: 'quantitative', title: options.yTitle ?? 'Component 2', scale: { zero: false } },
      color: { field: 'cluster', type: 'nominal', scale: { domain, range }, legend: { title: 'Cluster (rows)', orient: 'right', symbolType: 'circle', symbolSize: 80 } },
      shape: { field: 'kind', type: 'nominal', scale: { domain: ['core', 'border', 'noise'], range: ['circle', RING, 'cross'] }, legend: kindLegend },
    },
  };
}

/** A ring in Vega's unit symbol box: outer radius 1, inner 0.55, opposite winding. */
const RING = 'M -1 0 A 1 1 0 1 0 1 0 A 1 1 0 1 0 -1 0 Z M -0.55 0 A 0.55 0.55 0 1 1 0.55 0 A 0.55 0.55 0 1 1 -0.55 0 Z';

function kindName(k: number | PointKindName): PointKindName {
  if (typeof k === 'string') return k;
  return k === KIND_CORE ? 'core' : k === KIND_BORDER ? 'border' : 'noise';
}

function coordinates(p: Matrix | ArrayLike<number>): { xs: (i: number) => number; ys: (i: number) => number; n: number } {
  if (typeof p === 'object' && p !== null && 'cols' in p && 'data' in p) {
    const m = p as Matrix;
    if (m.cols < 2) throw new UserError(`clusterScatterSpec: points need 2 columns, got ${m.cols}`);
    return { xs: (i) => m.data[i * m.cols], ys: (i) => m.data[i * m.cols + 1], n: m.rows };
  }
  const flat = p as ArrayLike<number>;
  if (flat.length % 2 !== 0) throw new UserError(`clusterScatterSpec: a flat points array needs x, y pairs; got ${flat.length} values`);
  return { xs: (i) => flat[2 * i], ys: (i) => flat[2 * i + 1], n: flat.length / 2 };
}
