/**
 * Confusion matrix as a heat map: true class down, predicted class across, each cell showing its
 * count. Colour is the share of the true class (row-normalised recall), not the raw count, so a
 * class with 50 rows is as visible as one with 50,000: in intrusion data the small classes (U2R,
 * Heartbleed, Infiltration) are the ones worth seeing.
 *
 * Deliberately not here: computing the matrix (see evaluate/), column-normalised precision views.
 */
import type { Matrix } from '../../features/matrix.js';
import { UserError } from '../../util/errors.js';
import { baseSpec, compactCount, fullCount, titleBlock, type ChartSpec, type ChartTextOptions } from './theme.js';

/** Counts as rows of numbers, or a Matrix (rows = true class, cols = predicted class). */
export type CountMatrix = Matrix | readonly (readonly number[] | Float64Array | Int32Array)[];

export function confusionMatrixSpec(matrix: CountMatrix, classNames: readonly string[], options: ChartTextOptions = {}): ChartSpec {
  const k = classNames.length;
  const at = cellReader(matrix, k);
  const values: { actual: string; predicted: string; count: number; share: number; label: string; diagonal: boolean }[] = [];
  let total = 0;
  let correct = 0;
  for (let r = 0; r < k; r++) {
    let rowSum = 0;
    for (let c = 0; c < k; c++) rowSum += at(r, c);
    total += rowSum;
    correct += at(r, r);
    for (let c = 0; c < k; c++) {
      const count = at(r, c);
      values.push({
        actual: classNames[r],
        predicted: classNames[c],
        count,
        share: rowSum > 0 ? count / rowSum : 0,
        label: count === 0 ? '' : compactCount(count),
        diagonal: r === c,
      });
    }
  }
  const longest = classNames.reduce((m, s) => Math.max(m, s.length), 0);
  const labelRoom = Math.min(220, 30 + longest * 7);
  const cell = k <= 6 ? 64 : k <= 12 ? 46 : 34;
  const side = Math.max(300, cell * k);
  const accuracy = total > 0 ? correct / total : 0;
  const notes = [`${fullCount(total)} rows, accuracy ${(accuracy * 100).toFixed(1)}%; colour = share of the true class`];
  const sort = [...classNames];
  return {
    ...baseSpec(side + labelRoom + 150, side + labelRoom + 90, options),
    title: titleBlock('Confusion matrix', options, notes),
    data: { values },
    encoding: {
      x: {
        field: 'predicted',
        type: 'nominal',
        sort,
        title: 'Predicted class',
        axis: { labelAngle: k > 4 || longest > 8 ? -40 : 0, labelLimit: 200 },
      },
      y: { field: 'actual', type: 'nominal', sort, title: 'True class', axis: { labelLimit: 200 } },
    },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
        encoding: {
          color: {
            field: 'share',
            type: 'quantitative',
            scale: { scheme: 'blues', domain: [0, 1] },
            legend: { title: 'Share of true class', format: '.0%', gradientLength: Math.min(240, side - 40) },
          },
          tooltip: [
            { field: 'actual', title: 'True' },
            { field: 'predicted', title: 'Predicted' },
            { field: 'count', title: 'Count', format: ',' },
            { field: 'share', title: 'Share of true class', format: '.1%' },
          ],
        },
      },
      {
        mark: { type: 'text', fontSize: k > 12 ? 11 : 12 },
        encoding: {
          text: { field: 'label' },
          color: { condition: { test: 'datum.share > 0.5', value: 'white' }, value: '#111111' },
        },
      },
    ],
  };
}

function cellReader(m: CountMatrix, k: number): (r: number, c: number) => number {
  if (k === 0) throw new UserError('confusionMatrixSpec: no class names given');
  if ('data' in m && 'rows' in m && !Array.isArray(m)) {
    const mm = m as Matrix;
    if (mm.rows !== k || mm.cols !== k) {
      throw new UserError(`confusionMatrixSpec: the matrix is ${mm.rows}x${mm.cols} but ${k} class names were given`);
    }
    return (r, c) => mm.data[r * k + c];
  }
  const rows = m as readonly ArrayLike<number>[];
  if (rows.length !== k || rows.some((row) => row.length !== k)) {
    throw new UserError(`confusionMatrixSpec: the matrix must be ${k}x${k} to match the ${k} class names`);
  }
  return (r, c) => rows[r][c];
}
