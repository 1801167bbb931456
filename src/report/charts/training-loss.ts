/**
 * Loss per epoch (or iteration) of one or more training runs: train and validation loss on one
 * plot show at a glance whether a network still learns, has converged, or overfits.
 *
 * Series longer than `maxPoints` (default 2,000, e.g. per-batch losses) are cut by shape-preserving
 * downsampling; non-finite values (a diverged step) are left out and counted in the subtitle.
 *
 * Deliberately not here: smoothing (it hides divergence), learning-rate overlays.
 */
import { UserError } from '../../util/errors.js';
import { lttbIndices } from './downsample.js';
import { baseSpec, fullCount, SERIES_PALETTE, titleBlock, type ChartSpec, type ChartTextOptions } from './theme.js';
import { plural } from '../../util/plural.js';

export interface LossSeries {
  readonly name: string;
  /** loss at step 1, 2, 3, ... */
  readonly values: ArrayLike<number>;
}

export interface TrainingLossOptions extends ChartTextOptions {
  /** x axis title (default "Epoch") */
  readonly xTitle?: string;
  /** y axis title (default "Loss") */
  readonly yTitle?: string;
  /** log scale for the loss (useful when it falls by orders of magnitude; needs positive values) */
  readonly logY?: boolean;
  /** most points drawn per series (default 2,000) */
  readonly maxPoints?: number;
}

export function trainingLossSpec(series: readonly LossSeries[], options: TrainingLossOptions = {}): ChartSpec {
  if (series.length === 0) throw new UserError('trainingLossSpec: no series given');
  const maxPoints = options.maxPoints ?? 2000;
  const values: { series: string; step: number; loss: number }[] = [];
  let dropped = 0;
  let cut = false;
  let longest = 0;
  for (const s of series) {
    const steps: number[] = [];
    const loss: number[] = [];
    for (let i = 0; i < s.values.length; i++) {
      const v = s.values[i];
      if (Number.isFinite(v) && (!options.logY || v > 0)) {
        steps.push(i + 1);
        loss.push(v);
      } else dropped++;
    }
    longest = Math.max(longest, s.values.length);
    const keep = lttbIndices(steps, loss, maxPoints);
    if (keep.length < steps.length) cut = true;
    for (let j = 0; j < keep.length; j++) values.push({ series: s.name, step: steps[keep[j]], loss: loss[keep[j]] });
  }
  const notes: string[] = [];
  const last = series.map((s) => lastFinite(s.values)).map((v, i) => (v === undefined ? '' : `${series[i].name} ${formatLoss(v)}`)).filter((t) => t);
  if (last.length > 0) notes.push(`final: ${last.join(', ')}`);
  if (cut) notes.push(`series drawn with at most ${fullCount(maxPoints)} of ${fullCount(longest)} points (shape-preserving downsampling)`);
  if (dropped > 0) notes.push(`${fullCount(dropped)} non-finite${options.logY ? ' or non-positive' : ''} ${plural(dropped, 'value')} left out`);
  const showPoints = longest <= 60;
  return {
    ...baseSpec(640, 400, options),
    title: titleBlock('Training loss', options, notes),
    data: { values },
    mark: { type: 'line', strokeWidth: 2, point: showPoints ? { size: 24 } : false },
    encoding: {
      // steps start at 1: a domain from 1 also keeps '~s' from labelling a 0 tick "0k"
      x: {
        field: 'step',
        type: 'quantitative',
        title: options.xTitle ?? 'Epoch',
        scale: { domain: [1, Math.max(2, longest)], nice: false },
        axis: { format: longest >= 10_000 ? '~s' : 'd', tickMinStep: 1 },
      },
      y: {
        field: 'loss',
        type: 'quantitative',
        title: options.yTitle ?? 'Loss',
        scale: options.logY ? { type: 'log' } : { zero: false },
        axis: { format: '~g' },
      },
      color: {
        field: 'series',
        type: 'nominal',
        sort: series.map((s) => s.name),
        scale: { range: SERIES_PALETTE },
        legend: series.length > 1 ? { title: null, orient: 'top-right', fillColor: 'white', padding: 6 } : null,
      },
      order: { field: 'step', type: 'quantitative' },
    },
  };
}

function lastFinite(v: ArrayLike<number>): number | undefined {
  for (let i = v.length - 1; i >= 0; i--) if (Number.isFinite(v[i])) return v[i];
  return undefined;
}

function formatLoss(x: number): string {
  return Math.abs(x) >= 1e-3 && Math.abs(x) < 1e5 ? String(Number(x.toPrecision(4))) : x.toExponential(2);
}
