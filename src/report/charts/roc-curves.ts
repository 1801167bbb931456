/**
 * ROC curves of one or more models (or one-vs-rest classes) on one plot, with the chance diagonal
 * and each curve's AUC in the legend, so models can be compared at a glance.
 *
 * A curve from a large test set has one point per distinct score (hundreds of thousands); each is
 * cut to at most `maxPoints` (default 1,000) by largest-triangle-three-buckets, which keeps the
 * corners that make the curve's shape, and the subtitle says so.
 *
 * Deliberately not here: computing the curve (evaluate/roc.ts), precision-recall curves.
 */
import { UserError } from '../../util/errors.js';
import { lttbIndices } from './downsample.js';
import { baseSpec, COLORS, fullCount, SERIES_PALETTE, titleBlock, type ChartSpec, type ChartTextOptions } from './theme.js';
import { plural } from '../../util/plural.js';

export interface RocCurveInput {
  readonly name: string;
  readonly fpr: ArrayLike<number>;
  readonly tpr: ArrayLike<number>;
  readonly auc: number;
}

export interface RocChartOptions extends ChartTextOptions {
  /** most points drawn per curve (default 1,000) */
  readonly maxPoints?: number;
}

export function rocCurvesSpec(curves: readonly RocCurveInput[], options: RocChartOptions = {}): ChartSpec {
  if (curves.length === 0) throw new UserError('rocCurvesSpec: no curves given');
  const maxPoints = options.maxPoints ?? 1000;
  const values: { curve: string; fpr: number; tpr: number; i: number }[] = [];
  const names: string[] = [];
  let cut = 0;
  let largest = 0;
  for (const c of curves) {
    if (c.fpr.length !== c.tpr.length) {
      throw new UserError(`rocCurvesSpec: curve "${c.name}" has ${c.fpr.length} fpr values but ${c.tpr.length} tpr values`);
    }
    const label = `${c.name} (AUC ${Number.isFinite(c.auc) ? c.auc.toFixed(3) : 'n/a'})`;
    names.push(label);
    const keep = lttbIndices(c.fpr, c.tpr, maxPoints);
    if (keep.length < c.fpr.length) {
      cut++;
      largest = Math.max(largest, c.fpr.length);
    }
    for (let j = 0; j < keep.length; j++) values.push({ curve: label, fpr: c.fpr[keep[j]], tpr: c.tpr[keep[j]], i: j });
  }
  const notes = cut > 0 ? [`${cut === curves.length ? 'each curve' : `${cut} ${plural(cut, 'curve')}`} drawn with ${fullCount(maxPoints)} of up to ${fullCount(largest)} points (shape-preserving downsampling)`] : [];
  return {
    ...baseSpec(620, 560, options),
    title: titleBlock(curves.length === 1 ? 'ROC curve' : 'ROC curves', options, notes),
    layer: [
      {
        data: { values: [{ fpr: 0, tpr: 0 }, { fpr: 1, tpr: 1 }] },
        mark: { type: 'line', strokeDash: [6, 4], color: COLORS.reference, strokeWidth: 1 },
        encoding: {
          x: { field: 'fpr', type: 'quantitative' },
          y: { field: 'tpr', type: 'quantitative' },
        },
      },
      {
        data: { values },
        mark: { type: 'line', strokeWidth: 2, interpolate: 'linear' },
        encoding: {
          x: { field: 'fpr', type: 'quantitative', title: 'False positive rate', scale: { domain: [0, 1] } },
          y: { field: 'tpr', type: 'quantitative', title: 'True positive rate', scale: { domain: [0, 1] } },
          color: {
            field: 'curve',
            type: 'nominal',
            sort: names,
            scale: { range: SERIES_PALETTE },
            legend: { title: null, orient: 'bottom-right', fillColor: 'white', padding: 6, strokeColor: '#cccccc' },
          },
          order: { field: 'i', type: 'quantitative' },
        },
      },
    ],
  };
}
