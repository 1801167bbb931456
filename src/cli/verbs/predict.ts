/**
 * `netsentinel predict`: apply a model file to flow records, streaming: each batch is read,
 * transformed, scored and written before the next is read, so a file larger than memory works.
 * Output per row: where it came from, the predicted class and its probability (classifiers),
 * the anomaly score and verdict (detectors; classifiers too when they know the normal class),
 * plus the columns asked for with --keep (by default the record's identifying columns).
 */
import { openNamedOutput } from '../../util/compressed-output.js';
import type { Command } from '../command.js';
import { DATA_OPTIONS, streamWithProgress } from '../data-options.js';
import { predictTable } from '../../models/trained-model.js';
import { loadModelArgument } from '../model-first.js';
import { cellText, getColumn, type Column, type FlowTable, type NumericColumn } from '../../flows/table.js';
import { UserError } from '../../util/errors.js';
import { csvCell } from '../../report/csv.js';
import { guardOutputs } from '../output-guard.js';
import { cicTimestamp } from '../../packets/flow-records.js';
import { ZEEK_FORMAT } from '../../sources/zeek-conn-log.js';

export const predict: Command = {
  spec: {
    name: 'predict',
    summary: 'score flow records with a model file (CSV or JSON lines)',
    usage: 'MODEL DATA... [options]',
    positionals: { min: 2, name: 'MODEL and DATA', each: ['MODEL', 'DATA'] },
    description: `Writes one output row per input row, in input order, streaming (files larger than memory are fine).
Columns: file, line, then prediction (class), probability (of that class), score (anomaly score:
detectors' raw score, or 1 - P(normal) for a classifier that knows the normal class) and anomalous
(detectors: score above the model's threshold), then the --keep columns. --json writes JSON lines
(as --output-format jsonl): one object per row, the rows being the results.`,
    json: 'the rows as JSON lines on stdout or --output, one object per input row (= --output-format jsonl)',
    options: [
      { name: 'output', short: 'o', type: 'string', value: 'FILE', description: "where to write ('-' = stdout); a name ending .gz or .zst is written compressed", default: '-' },
      { name: 'output-format', type: 'string', description: 'csv or JSON lines', choices: ['csv', 'jsonl'], default: 'csv' },
      { name: 'keep', type: 'list', value: 'A,B', description: "input columns to copy to the output ('none' for none; default: the record's meta columns such as IPs and ports)" },
      { name: 'proba', type: 'boolean', description: 'classifiers: add one probability column per class' },
      ...DATA_OPTIONS,
    ],
    examples: [
      'netsentinel predict gbdt.nsm data/KDDTest+.txt > predictions.csv',
      'netsentinel predict baseline-if.nsm capture-flows.csv --output-format jsonl | jq "select(.anomalous)"',
      'netsentinel predict model.nsm big/ -o scored.csv --keep "Src IP,Dst IP,Dst Port"',
    ],
  },
  async run({ args, progress }) {
    const v = args.values;
    const [modelPath, ...paths] = args.positionals;
    await guardOutputs('predict', { data: paths, files: [modelPath] }, { files: [v.output as string] });
    const model = await loadModelArgument('predict', modelPath, paths);
    // --json asks for machine-readable results, and the rows are the results: JSON lines
    const fmt = v.json ? 'jsonl' : (v.outputFormat as 'csv' | 'jsonl');
    const outPath = v.output as string;
    // (a name ending .gz or .zst is written so compressed)
    const out = await openNamedOutput(outPath, 'predict');
    const write = (text: string): Promise<void> => out.write(text);
    let keep = v.keep as string[] | undefined;
    const withProba = Boolean(v.proba) && model.kind === 'classifier';
    let header = false;
    let rows = 0;
    let anomalies = 0;
    progress.start('predicting', undefined, 'bytes');
    for await (const batch of streamWithProgress(paths, v, progress, undefined, { labelLikeWarning: false })) {
      if (keep === undefined) keep = batch.columns.filter((c) => c.role === 'meta').map((c) => c.name);
      if (keep.length === 1 && keep[0] === 'none') keep = [];
      const keepCols = keep.map((name) => {
        const c = getColumn(batch, name);
        if (!c) throw new UserError(`predict: --keep names column "${name}", which the data does not have`);
        return c;
      });
      const p = predictTable(model, batch, batch.origin?.files[0]);
      if (!header && fmt === 'csv') {
        const cols = ['file', 'line'];
        if (model.kind === 'classifier') cols.push('prediction', 'probability');
        cols.push('score');
        if (model.kind === 'detector') cols.push('anomalous');
        if (withProba) cols.push(...model.classes!.map((c) => `p_${c}`));
        cols.push(...keep);
        await write(cols.map(csvCell).join(',') + '\n');
      }
      header = true;
      await write(formatBatch(batch, p, model.classes, keepCols, fmt, withProba));
      rows += batch.rowCount;
      if (p.anomalous) for (let i = 0; i < p.anomalous.length; i++) anomalies += p.anomalous[i];
    }
    await out.close();
    progress.done(`predicted ${rows.toLocaleString('en-US')} rows${model.kind === 'detector' ? `, ${anomalies.toLocaleString('en-US')} above the threshold` : ''}`);
    return 0;
  },
};

function formatBatch(
  t: FlowTable,
  p: ReturnType<typeof predictTable>,
  classes: readonly string[] | undefined,
  keep: Column[],
  fmt: 'csv' | 'jsonl',
  withProba: boolean,
): string {
  const parts: string[] = [];
  const k = classes?.length ?? 0;
  for (let r = 0; r < t.rowCount; r++) {
    const file = t.origin ? t.origin.files[t.origin.file[r]] : '';
    const line = t.origin ? t.origin.line[r] : r + 1;
    const cls = p.predicted ? classes![p.predicted[r]] : undefined;
    const prob = p.proba && p.predicted ? p.proba[r * k + p.predicted[r]] : undefined;
    const score = p.score ? p.score[r] : undefined;
    if (fmt === 'jsonl') {
      const o: Record<string, unknown> = { file, line };
      if (cls !== undefined) {
        o.prediction = cls;
        o.probability = num(prob!);
      }
      if (score !== undefined) o.score = num(score);
      if (p.anomalous) o.anomalous = p.anomalous[r] === 1;
      if (withProba) o.probabilities = Object.fromEntries(classes!.map((c, j) => [c, num(p.proba![r * k + j])]));
      for (const c of keep) o[c.name] = isTime(t, c) ? timeJson(c as NumericColumn, r) : jsonCell(c, r);
      parts.push(JSON.stringify(o));
    } else {
      const cells: string[] = [csvCell(file), String(line)];
      if (cls !== undefined) cells.push(csvCell(cls), fmtNum(prob!));
      cells.push(score === undefined ? '' : fmtNum(score));
      if (p.anomalous) cells.push(p.anomalous[r] ? '1' : '0');
      if (withProba) for (let j = 0; j < k; j++) cells.push(fmtNum(p.proba![r * k + j]));
      for (const c of keep) cells.push(isTime(t, c) ? timeText(c as NumericColumn, r) : csvCell(cellText(c, r)));
      parts.push(cells.join(','));
    }
  }
  return parts.length ? parts.join('\n') + '\n' : '';
}

/**
 * The CICFlowMeter reader (and a capture) holds `Timestamp`, the Zeek reader `ts`, as epoch
 * milliseconds, for the rules; echoed as that number it read 1499434776267.908 where the input said
 * 2017-07-07 13:39:36.267908 (or 1733346000000.001 for Zeek's 1733346000.000001). Each is written
 * back as its format writes it: the CIC-IDS2017 layout (UTC, microseconds), as `netsentinel flows`
 * does; Zeek's epoch seconds with microseconds.
 */
function isTime(t: FlowTable, c: Column): boolean {
  if (c.kind !== 'numeric') return false;
  return (t.format === 'cicflowmeter' && c.name === 'Timestamp') || (t.format === ZEEK_FORMAT && c.name === 'ts');
}
function timeText(c: NumericColumn, r: number): string {
  const ms = c.values[r];
  if (!Number.isFinite(ms)) return '';
  return c.name === 'ts' ? (ms / 1000).toFixed(6) : cicTimestamp(ms);
}
function timeJson(c: NumericColumn, r: number): string | number | null {
  const text = timeText(c, r);
  return text === '' ? null : c.name === 'ts' ? Number(text) : text;
}

function num(x: number): number {
  return Number(x.toPrecision(6));
}
function fmtNum(x: number): string {
  return String(num(x));
}
function jsonCell(c: Column, r: number): string | number | null {
  if (c.kind === 'numeric') return Number.isNaN(c.values[r]) ? null : Number.isFinite(c.values[r]) ? c.values[r] : String(c.values[r]);
  const code = c.codes[r];
  return code < 0 ? null : c.dictionary[code];
}
