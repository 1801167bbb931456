/**
 * The options every verb that reads flow data shares (--format, --label, --drop, --categorical),
 * and reading with a progress bar. One place, so every verb reads data the same way.
 */
import type { OptionSpec } from './args.js';
import type { Progress } from './progress.js';
import type { FlowTable } from '../flows/table.js';
import { readDataset, streamDataset, type ReadOptions } from '../sources/read-dataset.js';
import { CAPTURE_OPTIONS, captureOptionsFrom } from './capture-options.js';

export const DATA_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'format',
    type: 'string',
    value: 'FORMAT',
    description: 'input format; auto detects NSL-KDD/KDD\'99, CICFlowMeter, UNSW-NB15, else a CSV with a header',
    choices: ['auto', 'nsl-kdd', 'cicflowmeter', 'unsw-nb15', 'csv'],
    default: 'auto',
  },
  { name: 'label', type: 'string', value: 'COLUMN', description: 'label column of a generic CSV (the class to learn / to evaluate against)' },
  { name: 'drop', type: 'list', value: 'A,B', description: 'columns to leave out of the features' },
  { name: 'categorical', type: 'list', value: 'A,B', description: 'columns to treat as categories (generic CSV; detected when not given)' },
  ...CAPTURE_OPTIONS,
];

export function readOptionsFrom(values: Record<string, unknown>, progress?: Progress): ReadOptions {
  const fmt = values.format as string | undefined;
  return {
    format: fmt && fmt !== 'auto' ? (fmt as ReadOptions['format']) : undefined,
    label: values.label as string | undefined,
    drop: values.drop as string[] | undefined,
    categorical: values.categorical as string[] | undefined,
    capture: captureOptionsFrom(values),
    progress: progress ? (done: number, total: number) => progress.update(done, total) : undefined,
  };
}

/** Read a whole dataset, with a progress bar in bytes. */
export async function readWithProgress(paths: readonly string[], values: Record<string, unknown>, progress: Progress, label = 'reading'): Promise<FlowTable> {
  progress.start(label, undefined, 'bytes');
  const table = await readDataset([...paths], readOptionsFrom(values, progress));
  progress.done(`${label}: ${table.rowCount.toLocaleString('en-US')} rows from ${describeFiles(table, paths)}`);
  return table;
}

export function streamWithProgress(paths: readonly string[], values: Record<string, unknown>, progress: Progress, batchRows?: number): AsyncIterable<FlowTable> {
  return streamDataset([...paths], { ...readOptionsFrom(values, progress), batchRows });
}

function describeFiles(t: FlowTable, paths: readonly string[]): string {
  const n = t.origin?.files.length ?? paths.length;
  return n === 1 ? (t.origin?.files[0] ?? paths[0]) : `${n} files`;
}
