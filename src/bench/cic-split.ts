/**
 * The stated split of the CIC-IDS2017 sample the benchmarks use: per class (Label), rows in file
 * order, positions 7, 8, 9 of every 10 go to test (a stratified 70/30 split; the sample's rows were
 * drawn at random, so position is as good as a shuffle, and bench/peers.py can reproduce it exactly).
 */
import { takeTableRows, type FlowTable } from '../flows/table.js';
import { targetColumn } from '../features/pipeline.js';

export function cicSplit(t: FlowTable): { train: FlowTable; test: FlowTable } {
  const col = targetColumn(t, 'Label');
  const seen = new Int32Array(col.dictionary.length);
  const train: number[] = [];
  const test: number[] = [];
  for (let r = 0; r < t.rowCount; r++) {
    const k = col.codes[r];
    const pos = seen[k]++;
    (pos % 10 >= 7 ? test : train).push(r);
  }
  return { train: takeTableRows(t, train), test: takeTableRows(t, test) };
}
