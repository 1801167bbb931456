/**
 * `netsentinel baseline`: learn what normal traffic looks like. Fits the unsupervised detectors on
 * traffic known to be normal (rows labelled normal when the data has labels) and saves them, with
 * their calibration on held-out normal rows, as one baseline file for `analyze --baseline`.
 */
import type { Command } from '../command.js';
import { guardOutputs } from '../output-guard.js';
import { DATA_OPTIONS, readWithProgress, skippedFilesJson } from '../data-options.js';
import { availableDetectors, DEFAULT_DETECTORS, DEFAULT_SAMPLE_ROWS, fitBaseline, ROW_KEEPING_DETECTORS, saveBaseline } from '../../risk/baseline.js';
import { defaultThreads } from '../../util/default-threads.js';
import { parseKeyValues, THREADS_RANGE } from '../args.js';
import { formatSeconds } from '../progress.js';
import { thousands } from '../../util/thousands.js';
import { MIN_TAIL_CALIBRATION_ROWS } from '../../risk/calibration.js';

export const baseline: Command = {
  spec: {
    name: 'baseline',
    summary: 'learn normal traffic: fit the anomaly detectors on known-good flows',
    usage: 'NORMAL-DATA... [options]',
    positionals: { min: 1, name: 'NORMAL-DATA (flows known to be normal)' },
    description: `Fits each detector on ${'80 %'} of the normal rows and calibrates it on the other 20 %, so that
'analyze' can say how unusual a new flow is compared with normal traffic. When the data has labels,
only rows labelled normal are used (--all-rows to use every row).`,
    options: [
      { name: 'out', short: 'o', type: 'string', value: 'FILE', description: 'baseline file to write', default: 'baseline.nsb' },
      { name: 'detectors', type: 'list', value: 'A,B', description: `detectors to fit (available: ${DEFAULT_DETECTORS.join(', ')})`, default: availableDetectors().join(',') },
      { name: 'param', short: 'p', type: 'list', value: 'DETECTOR.NAME=VALUE', description: 'detector parameter, e.g. --param autoencoder.epochs=20' },
      { name: 'calibration-share', type: 'number', value: 'FRACTION', range: { min: 0, max: 1, minOpen: true, maxOpen: true }, description: 'share of normal rows held out to calibrate scores', default: 0.2 },
      { name: 'all-rows', type: 'boolean', description: 'use every row even when labels say some are attacks' },
      {
        name: 'sample-rows',
        type: 'integer',
        value: 'N',
        range: { min: 0 },
        description: `fit ${[...ROW_KEEPING_DETECTORS].join(', ')} on a random sample of at most N of the normal rows: they keep rows to score with, so the time they take per flow (and to fit) grows with the rows; 0 fits them on all rows`,
        default: DEFAULT_SAMPLE_ROWS,
      },
      { name: 'seed', type: 'integer', range: { min: 0 }, description: 'random seed', default: 42 },
      { name: 'threads', type: 'integer', range: THREADS_RANGE, description: 'worker threads', default: defaultThreads() },
      ...DATA_OPTIONS,
    ],
    examples: [
      'netsentinel baseline last-week-normal.csv -o office.nsb',
      'netsentinel baseline cic/BENIGN.csv --detectors isolation-forest,autoencoder --param autoencoder.epochs=20',
    ],
  },
  async run({ args, progress, out, json }) {
    const v = args.values;
    await guardOutputs('baseline', { data: args.positionals }, { files: [v.out as string] });
    const table = await readWithProgress(args.positionals, v, progress, 'reading normal traffic');
    const raw = parseKeyValues('baseline', 'param', (v.param as string[] | undefined) ?? []);
    const params: Record<string, Record<string, unknown>> = {};
    for (const [k, val] of Object.entries(raw)) {
      const dot = k.indexOf('.');
      const det = dot > 0 ? k.slice(0, dot) : '';
      if (!det) throw new (await import('../../util/errors.js')).UserError(`baseline: --param takes DETECTOR.NAME=VALUE, got "${k}"`);
      (params[det] ??= {})[k.slice(dot + 1)] = val;
    }
    if (table.rowCount < 2) {
      // fitBaseline's own message speaks of analyze's self-fitting; here the input is just too small
      throw new (await import('../../util/errors.js')).UserError(
        `baseline: ${args.positionals.join(', ')} gave ${table.rowCount} flow${table.rowCount === 1 ? '' : 's'}; a baseline is fitted on known-normal traffic: at least 2 flows, and thousands to be of use`,
      );
    }
    const detectors = (v.detectors as string[] | string);
    const list = Array.isArray(detectors) ? detectors : String(detectors).split(',').filter(Boolean);
    progress.start('fitting detectors', list.length, 'detectors');
    const b = await fitBaseline(table, {
      detectors: list,
      params,
      calibrationShare: v.calibrationShare as number,
      normalOnly: !v.allRows,
      sampleRows: v.sampleRows as number,
      seed: v.seed as number,
      threads: v.threads as number,
      progress: (stage, done, total) => progress.update(done, total),
    });
    progress.done(`fitted ${list.join(', ')}`);
    // a table of n rows says "rarer than 1 in n + 1" at most (calibration.ts): too few, and the
    // detectors cannot reach analyze's risky-flow threshold however odd a flow is; the user hears it now
    if (b.calibrationRows < MIN_TAIL_CALIBRATION_ROWS) {
      process.stderr.write(
        `netsentinel: warning: only ${thousands(b.calibrationRows)} of ${thousands(b.fitRows + b.calibrationRows)} rows held out to calibrate the detectors: ` +
          `they can call a flow no rarer than 1 in ${thousands(b.calibrationRows + 1)} (risk ≤ ${(b.calibrationRows / (b.calibrationRows + 1)).toFixed(3)}), so only the rules will raise alerts; ` +
          `fit on at least ${thousands(Math.ceil(MIN_TAIL_CALIBRATION_ROWS / (b.calibrationRows / (b.fitRows + b.calibrationRows))))} rows of normal traffic\n`,
      );
    }
    const bytes = await saveBaseline(v.out as string, b, 'baseline');
    const summary = {
      baseline: v.out,
      bytes,
      fittedOn: b.fittedOn,
      fitRows: b.fitRows,
      calibrationRows: b.calibrationRows,
      // milliseconds, as train's trainSeconds: 1.9615620349999998 only said the clock's noise
      detectors: b.detectors.map((d) => ({ name: d.model.estimator.name, seconds: ms(d.model.training.seconds), features: d.model.pipeline.outputNames.length, rows: d.model.training.rows })),
      seconds: ms(b.seconds),
    };
    if (json) out(JSON.stringify({ ...summary, ...skippedFilesJson() }, null, 2));
    else
      out(
        [
          `baseline → ${v.out} (${(bytes / 1024).toFixed(0)} KiB)`,
          `  fitted on ${b.fittedOn}: ${b.fitRows.toLocaleString('en-US')} rows to fit, ${b.calibrationRows.toLocaleString('en-US')} held out to calibrate`,
          ...b.detectors.map(
            (d) =>
              `  ${d.model.estimator.name.padEnd(18)} ${thousands(d.model.pipeline.outputNames.length)} features, fitted in ${formatSeconds(d.model.training.seconds)}` +
              (d.model.training.rows < b.fitRows ? ` on a random sample of ${thousands(d.model.training.rows)} of the ${thousands(b.fitRows)} rows (--sample-rows)` : ''),
          ),
          `  next: netsentinel analyze TRAFFIC --baseline ${v.out}`,
        ].join('\n'),
      );
    return 0;
  },
};

const ms = (s: number): number => Math.round(s * 1000) / 1000;
