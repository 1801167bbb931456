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
        label: cellText(count, k > 12),
        diagonal: r === c,
      });
    }
  }
  const longest = classNames.reduce((m, name) => Math.max(m, name.length), 0);
  // cells big enough for "16.7k" at the text size used; the picture grows with the class count
  const cell = k <= 6 ? 64 : k <= 16 ? 46 : 36;
  const side = Math.max(260, cell * k);
  const rotate = k > 4 || longest > 8;
  // room for labels, about 7 px per character at 12 px DejaVu Sans, capped by labelLimit
  const labelPx = Math.min(200, 7 * longest + 8);
  const width = side + labelPx + 36 + 190 + 24;
  const height = side + 64 + (rotate ? 0.66 * labelPx + 18 : 22) + 36 + 24;
  const accuracy = total > 0 ? correct / total : 0;
  const notes = [`${fullCount(total)} rows, accuracy ${(accuracy * 100).toFixed(1)}%; colour = share of the true class`];
  const sort = [...classNames];
  return {
    ...baseSpec(width, height, options),
    title: titleBlock('Confusion matrix', options, notes),
    data: { values },
    encoding: {
      x: {
        field: 'predicted',
        type: 'nominal',
        sort,
        title: 'Predicted class',
        axis: { labelAngle: rotate ? -40 : 0, labelLimit: 200 },
      },
      y: { field: 'actual', type: 'nominal', sort, title: 'True class', axis: { labelLimit: 200 } },
    },
    layer: [
      {
        mark: { type: 'rect', stroke: 'white', strokeWidth: 1 },
        encoding: {
          // empty cells white; a square-root scale so a 1% confusion is still visibly tinted
          color: {
            condition: { test: 'datum.count === 0', value: '#ffffff' },
            field: 'share',
            type: 'quantitative',
            scale: { type: 'sqrt', domain: [0, 1], range: ['#eef4fa', '#08306b'] },
            legend: { title: 'Share of true class', titleLimit: 200, format: '.0%', values: [0.01, 0.1, 0.25, 0.5, 1], gradientLength: Math.min(240, side - 40) },
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
          color: { condition: { test: 'datum.share > 0.35', value: 'white' }, value: '#111111' },
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

/** A cell's count; in small cells four-digit counts become "8.3k" so they fit. */
function cellText(count: number, small: boolean): string {
  if (count === 0) return '';
  if (small && count >= 1000 && count < 10_000) return `${(count / 1000).toFixed(1).replace(/\.0$/, '')}k`;
  return compactCount(count);
}
