/**
 * Self-fitted mode (the seeds' way, kept for when no baseline exists): read the whole input, fit
 * the baseline's detectors on the very traffic being judged, then analyse the table already read.
 * Weaker (attacks common in the input look normal), and the result says so.
 */
import { readDataset, type ReadOptions } from '../sources/read-dataset.js';
import { fitBaseline, type Baseline } from '../risk/baseline.js';
import { accountingOf, tableSource, type FlowSource } from './flow-source.js';
import type { AnalysisProgress } from './progress.js';

export const SELF_FITTED_NOTE =
  'NO BASELINE: the detectors were fitted on the traffic being judged, so attacks that are common in it look normal. ' +
  "This is weaker; fit a baseline on known-normal traffic with 'netsentinel baseline' and pass --baseline.";

export async function fitOnInput(inputs: readonly string[], read: ReadOptions, opts: { seed?: number; threads?: number; progress?: AnalysisProgress }): Promise<{ baseline: Baseline; source: FlowSource }> {
  const progress = opts.progress;
  progress?.start('reading (whole input, to fit detectors on it)', undefined, 'bytes');
  const accounting = accountingOf(read);
  const table = await readDataset([...inputs], { ...accounting.read, progress: (d, t) => progress?.update(d, t) });
  progress?.done(`read ${table.rowCount.toLocaleString('en-US')} flows`);
  progress?.start('fitting detectors on the input itself');
  const baseline = await fitBaseline(table, { normalOnly: false, seed: opts.seed, threads: opts.threads, progress: (_s, d, t) => progress?.update(d, t) });
  progress?.done(`fitted ${baseline.detectors.map((d) => d.model.estimator.name).join(', ')}`);
  return { baseline, source: tableSource(inputs, table, accounting.get) };
}
