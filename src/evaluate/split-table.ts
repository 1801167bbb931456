/**
 * A stratified random train/test split of a whole FlowTable by its label column: what
 * `train --split` uses when there is no separate test file. Labelled as a random split wherever
 * its figures are shown, because rows of one capture in both halves flatter a model.
 */
import { takeTableRows, type CategoricalColumn, type FlowTable } from '../flows/table.js';
import { encodeTarget } from '../features/pipeline.js';
import { stratifiedTrainTestSplit } from './split.js';

export function stratifiedSplitTable(
  table: FlowTable,
  label: CategoricalColumn,
  testFraction: number,
  seed: number,
): { train: FlowTable; test: FlowTable } {
  const { y } = encodeTarget(label);
  // rows without a label form their own stratum so none is lost
  const strata = Int32Array.from(y, (v) => (v < 0 ? 0 : v + 1));
  const s = stratifiedTrainTestSplit(strata, testFraction, seed);
  return { train: takeTableRows(table, s.train), test: takeTableRows(table, s.test) };
}
