/**
 * Self-fitted mode (the seeds' way, kept for when no baseline exists): read the whole input, fit
 * the baseline's detectors on the very traffic being judged, then analyse the table already read.
 * Weaker (attacks common in the input look normal), and the result says so.
 */
import { readDataset, type ReadOptions } from '../sources/read-dataset.js';
import { fitBaseline, type Baseline } from '../risk/baseline.js';
import { fitColumnStats } from '../risk/column-stats.js';
import { NETSENTINEL_VERSION } from '../models/trained-model.js';
import type { FlowTable } from '../flows/table.js';
import { accountingOf, tableSource, type FlowSource } from './flow-source.js';
import { keepReaderNotes } from './reader-notes.js';
import type { AnalysisProgress } from './progress.js';
import { thousands } from '../util/thousands.js';

export const SELF_FITTED_NOTE =
  'NO BASELINE: the detectors were fitted on the traffic being judged, so attacks that are common in it look normal. ' +
  "This is weaker; fit a baseline on known-normal traffic with 'netsentinel baseline' and pass --baseline.";

/** Fewer flows than this fit no detectors: the rules (and packet detectors) judge them alone. */
export const MIN_SELF_FIT_FLOWS = 2;

/** Said when the input was too small to fit detectors on: what judged it, and what to do. */
export function tooFewToFitNote(flows: number): string {
  return (
    `${flows === 0 ? 'no flows' : `only ${flows} flow`} to fit the anomaly detectors on (they need at least ${MIN_SELF_FIT_FLOWS}: some to fit, one held out to calibrate): ` +
    "the rules alone judged this input. Fit a baseline on known-normal traffic with 'netsentinel baseline' and pass --baseline for model scores."
  );
}

/**
 * A baseline without detectors (every flow gets no model evidence; the rules and packet detectors
 * judge alone): for an input too small to fit them on, and for a live capture started without one.
 * `table` gives the columns (a capture's empty batch has them all).
 */
export function rulesOnlyBaseline(table: FlowTable, fittedOn = `nothing (${table.rowCount} flow${table.rowCount === 1 ? '' : 's'}: too few to fit detectors on)`): Baseline {
  return {
    kind: 'baseline',
    createdAt: new Date().toISOString(),
    netsentinelVersion: NETSENTINEL_VERSION,
    inputFiles: table.origin?.files ?? [],
    format: table.format,
    fitRows: 0,
    calibrationRows: 0,
    fittedOn,
    detectors: [],
    columns: fitColumnStats(table),
    seconds: 0,
  };
}

export async function fitOnInput(inputs: readonly string[], read: ReadOptions, opts: { seed?: number; threads?: number; progress?: AnalysisProgress }): Promise<{ baseline: Baseline; source: FlowSource; note?: string }> {
  const progress = opts.progress;
  progress?.start('reading (whole input, to fit detectors on it)', undefined, 'bytes');
  // the readers' warnings kept for the outputs, as a streamed source keeps them
  const kept = keepReaderNotes(read);
  const notes = () => kept.notes.get();
  const accounting = accountingOf(kept.read);
  const table = await readDataset([...inputs], { ...accounting.read, progress: (d, t) => progress?.update(d, t) });
  progress?.done(`read ${thousands(table.rowCount)} flows`);
  if (table.rowCount < MIN_SELF_FIT_FLOWS) return { baseline: rulesOnlyBaseline(table), source: tableSource(inputs, table, accounting.get, notes), note: tooFewToFitNote(table.rowCount) };
  progress?.start('fitting detectors on the input itself');
  const baseline = await fitBaseline(table, { normalOnly: false, seed: opts.seed, threads: opts.threads, progress: (_s, d, t) => progress?.update(d, t) });
  progress?.done(`fitted ${baseline.detectors.map((d) => d.model.estimator.name).join(', ')}`);
  return { baseline, source: tableSource(inputs, table, accounting.get, notes) };
}
