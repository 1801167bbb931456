/**
 * The most important features as horizontal bars, largest on top: names read left to right and
 * long flow-feature names ("Fwd Packet Length Max") fit without rotation.
 *
 * Ranked by value, not by magnitude: a negative permutation importance means the feature hurt, and
 * is drawn left of zero in the alarm colour rather than ranked as if it helped.
 *
 * Deliberately not here: computing importances (models/, evaluate/), error bars.
 */
import { UserError } from '../../util/errors.js';
import { baseSpec, COLORS, fullCount, titleBlock, type ChartSpec, type ChartTextOptions } from './theme.js';
import { plural } from '../../util/plural.js';

export interface FeatureImportanceOptions extends ChartTextOptions {
  /** x axis title (default "Importance") */
  readonly valueTitle?: string;
}

export function featureImportanceSpec(
  names: readonly string[],
  values: ArrayLike<number>,
  top = 20,
  options: FeatureImportanceOptions = {},
): ChartSpec {
  if (names.length !== values.length) {
    throw new UserError(`featureImportanceSpec: ${names.length} names but ${values.length} values`);
  }
  if (!(Number.isInteger(top) && top >= 1)) throw new UserError(`The 'top' parameter of featureImportanceSpec must be an int in the range [1, inf). Got ${top} instead.`);
  const order: number[] = [];
  for (let i = 0; i < names.length; i++) if (Number.isFinite(values[i])) order.push(i);
  const skipped = names.length - order.length;
  order.sort((a, b) => values[b] - values[a] || (names[a] < names[b] ? -1 : 1));
  const shown = order.slice(0, top);
  const rows = shown.map((i, rank) => ({ feature: names[i], value: values[i], rank, negative: values[i] < 0 }));
  const notes: string[] = [];
  notes.push(shown.length < names.length ? `top ${fullCount(shown.length)} of ${fullCount(names.length)} features` : `all ${fullCount(names.length)} features`);
  if (skipped > 0) notes.push(`${fullCount(skipped)} ${plural(skipped, 'feature')} without a finite value left out`);
  const longest = rows.reduce((m, r) => Math.max(m, r.feature.length), 0);
  return {
    ...baseSpec(Math.max(560, 400 + Math.min(300, longest * 7)), 110 + Math.max(4, rows.length) * 24, options),
    title: titleBlock('Feature importance', options, notes),
    data: { values: rows },
    mark: { type: 'bar', height: { band: 0.75 } },
    encoding: {
      y: { field: 'feature', type: 'nominal', sort: rows.map((r) => r.feature), title: null, axis: { labelLimit: 300 } },
      x: { field: 'value', type: 'quantitative', title: options.valueTitle ?? 'Importance', axis: { format: '~g' } },
      color: { condition: { test: 'datum.negative', value: COLORS.alarm }, value: COLORS.primary },
      tooltip: [
        { field: 'feature', title: 'Feature' },
        { field: 'value', title: options.valueTitle ?? 'Importance', format: '.4~g' },
      ],
    },
  };
}
