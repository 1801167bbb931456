/**
 * `netsentinel drift`: has the traffic moved away from what a baseline was fitted on? Population
 * stability index of every feature (and of the anomaly score) of flow files against the
 * baseline's reference sample, for the whole input or window by window — the same check
 * `stream --drift` runs on a live stream (src/adapt/drift-monitor.ts).
 */
import type { Command } from '../command.js';
import { DATA_OPTIONS, streamWithProgress, skippedFilesJson } from '../data-options.js';
import { loadBaseline } from '../../risk/baseline.js';
import { concatTables, type FlowTable } from '../../flows/table.js';
import { anomalyScores, baselineDriftReference, checkDriftSettings, MIN_WINDOW_FLOWS, DEFAULT_DRIFT, DriftMonitor, hasMoved, movedText, SCORE_SERIES, type DriftWindow } from '../../adapt/drift-monitor.js';
import { windowPsi } from '../../adapt/psi.js';
import { plural } from '../../util/plural.js';
import { thousands } from '../../util/thousands.js';
import { UserError } from '../../util/errors.js';

export const drift: Command = {
  spec: {
    name: 'drift',
    summary: "measure drift: per-feature population stability index of flows against a baseline's reference",
    usage: 'BASELINE FLOWS... [options]   (or: -b BASELINE FLOWS...)',
    positionals: { min: 0, name: 'BASELINE FLOWS... (a baseline file, then flow files)', each: ['BASELINE', 'FLOWS (flow files after the baseline)'] },
    description: `Compares the distribution of every feature of the flows (and of their anomaly score under the
baseline) with the baseline's reference sample (its held-out normal rows) by population stability
index: below 0.1 stable, 0.1-0.25 moving, 0.25 and above shifted. A feature has moved when its PSI
less the sampling noise of these sample sizes ((bins - 1)(1/reference rows + 1/window flows), shown)
reaches --threshold. Features the flows lack (or, over the whole input, hold no value in: files of
another naming) are named on stderr and in --json's "missing", not judged. Without --window the
whole input is one window and every feature's PSI is printed; with --window N the flows are cut
into windows of N flows in input order and each window is reported, drifted when at least
--min-features features reach --threshold. Exit status 1 when any window drifted.`,
    options: [
      // as analyze and score take it: `drift -b office.nsb today.csv` is what a user of those types
      { name: 'baseline', short: 'b', type: 'string', value: 'FILE', description: 'the baseline file, instead of as the first argument' },
      { name: 'window', type: 'integer', value: 'FLOWS', description: 'flows per window (0: the whole input is one window)', default: 0 },
      { name: 'threshold', type: 'number', value: 'PSI', description: 'PSI beyond sampling noise at which a feature has moved', default: DEFAULT_DRIFT.threshold },
      { name: 'min-features', type: 'integer', value: 'N', description: 'features that must move for a window to count as drift', default: DEFAULT_DRIFT.minFeatures },
      { name: 'top', type: 'integer', value: 'N', description: 'features listed per window (0: all)', default: 0 },
      ...DATA_OPTIONS,
    ],
    examples: ['netsentinel drift office.nsb today.csv', 'netsentinel drift office.nsb week/*.csv --window 1000 --json'],
  },
  async run({ args, progress, out, json }) {
    const v = args.values;
    const given = v.baseline as string | undefined;
    const baselineFile = given ?? args.positionals[0];
    const files = given === undefined ? args.positionals.slice(1) : args.positionals;
    if (baselineFile === undefined) throw new UserError(`drift: missing BASELINE and FLOWS (a baseline file, then flow files; or -b BASELINE) (see 'netsentinel drift --help')`);
    if (files.length === 0) throw new UserError(`drift: missing FLOWS (flow files after the baseline) (see 'netsentinel drift --help')`);
    const baseline = await loadBaseline(baselineFile);
    const whole = (v.window as number) === 0;
    const settings = checkDriftSettings({ window: whole ? DEFAULT_DRIFT.window : (v.window as number), threshold: v.threshold as number, minFeatures: v.minFeatures as number }, 'drift');
    const reference = baselineDriftReference(baseline, 'drift');
    const windows: DriftWindow[] = [];
    progress.start('reading flows', undefined, 'bytes');
    if (whole) {
      const batches: FlowTable[] = [];
      for await (const b of streamWithProgress(files, v, progress)) batches.push(b);
      const all = concatTables(batches);
      const r = windowPsi(reference, withoutEmptyFeatures(all), { [SCORE_SERIES]: anomalyScores(baseline, all) });
      const moved = r.features.filter((f) => hasMoved(f, settings.threshold)).length;
      // fewer flows than the smallest window are shown, not judged: the noise term is a large-sample
      // figure, and one flow "moved" 18 features of a 500-row reference (DRIFT, exit 1)
      const judged = all.rowCount >= MIN_WINDOW_FLOWS;
      if (!judged) process.stderr.write(`netsentinel: drift: warning: only ${thousands(all.rowCount)} ${plural(all.rowCount, 'flow')}: drift is judged on at least ${MIN_WINDOW_FLOWS} (the smallest --window); the PSI of each feature is shown, no drift is called\n`);
      windows.push({ index: 0, firstFlow: 0, flows: all.rowCount, drifted: judged && moved >= settings.minFeatures, moved, features: r.features, missing: r.missing });
    } else {
      const monitor = new DriftMonitor(reference, settings);
      for await (const b of streamWithProgress(files, v, progress)) {
        windows.push(...monitor.push(b, anomalyScores(baseline, b)));
      }
      const counted = windows.reduce((s, w) => s + w.flows, 0);
      const seen = monitor.flowsSeen();
      if (seen > counted) progress.note(`netsentinel: drift: the last ${(seen - counted).toLocaleString('en-US')} flows do not fill a window of ${settings.window} and are not judged`);
    }
    progress.done(`read ${windows.reduce((s, w) => s + w.flows, 0).toLocaleString('en-US')} flows`);
    const missing = windows[0]?.missing ?? [];
    // a warning, not progress: shown with --quiet too, as every verb's warnings are
    if (missing.length) process.stderr.write(`netsentinel: drift: warning: the flows lack (or have no value in) ${thousands(missing.length)} ${plural(missing.length, 'feature')} of the baseline, not judged: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', …' : ''}\n`);
    const top = v.top as number;
    const cut = <T>(a: readonly T[]): readonly T[] => (top > 0 ? a.slice(0, top) : a);
    if (json) {
      out(JSON.stringify({ baseline: baselineFile, referenceRows: reference.rows, ...settings, window: whole ? 'all' : settings.window, ...skippedFilesJson(), windows: windows.map((w) => ({ ...w, features: cut(w.features).map((f) => ({ feature: f.feature, psi: Math.round(f.psi * 1e4) / 1e4, noise: Math.round(f.noise * 1e4) / 1e4, moved: hasMoved(f, settings.threshold) })) })) }, null, 2));
    } else if (whole) {
      const w = windows[0];
      out(`${w.flows.toLocaleString('en-US')} ${plural(w.flows, 'flow')} against ${reference.rows.toLocaleString('en-US')} reference rows of ${baselineFile}: ${w.moved} ${plural(w.moved, 'feature')} moved (PSI minus noise >= ${settings.threshold})${w.drifted ? ' — DRIFT' : ''}`);
      const width = Math.max(...w.features.map((f) => f.feature.length));
      for (const f of cut(w.features)) out(`  ${f.feature.padEnd(width)}  ${f.psi.toFixed(4)}  (noise ${f.noise.toFixed(3)})${hasMoved(f, settings.threshold) ? '  moved' : ''}`);
    } else {
      for (const w of windows) out(`window ${w.index + 1} (flows ${w.firstFlow + 1}-${w.firstFlow + w.flows}): ${w.drifted ? 'DRIFT' : 'stable'}, ${w.moved} moved${w.moved ? `: ${movedText(w, settings.threshold, top || 5)}` : ''}; largest ${w.features[0]?.feature} ${w.features[0]?.psi.toFixed(3)}`);
    }
    return windows.some((w) => w.drifted) ? 1 : 0;
  },
};

/**
 * The table without its numeric features that hold no value at all (every cell empty or NaN).
 * The CICFlowMeter and UNSW-NB15 readers give every column of their format, empty where a file
 * lacks it (CIC-IDS2018's abbreviated files have no `Fwd RST Flags`, ...): measured, each such
 * column was "moved" with a PSI of 11.7 against a baseline fitted on files that have it, and a
 * file of another naming was reported as drift in 20 features. Left out, they are named with the
 * features the flows lack. (Whole input only: in a window, a column going empty is news.)
 */
function withoutEmptyFeatures(t: FlowTable): FlowTable {
  if (t.rowCount === 0) return t;
  const empty = (c: FlowTable['columns'][number]): boolean => c.role === 'feature' && c.kind === 'numeric' && c.values.every(Number.isNaN);
  return t.columns.some(empty) ? { ...t, columns: t.columns.filter((c) => !empty(c)) } : t;
}
