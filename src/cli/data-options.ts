/**
 * The options every verb that reads flow data shares (--format, --label, --drop, --categorical),
 * and reading with a progress bar. One place, so every verb reads data the same way. The option
 * table itself is in data-option-table.ts, which --help loads without the readers.
 */
import type { OptionSpec } from './args.js';
import type { Progress } from './progress.js';
import { sumCellCounts, type CellCounts, type FlowTable } from '../flows/table.js';
import { cellCountWarnings } from '../sources/cell-warnings.js';
import { inputLimits } from '../sources/input-limits.js';
import { parseTimeZone } from '../util/time-zone.js';
import { readDataset, streamDataset, type ReadOptions } from '../sources/read-dataset.js';
import { captureOptionsFrom } from './capture-options.js';
import { thousands } from '../util/thousands.js';
import { plural } from '../util/plural.js';

export { DATA_OPTIONS } from './data-option-table.js';

/** A file of a folder passed over while reading, and why (its warning said it on stderr too). */
export interface SkippedFile {
  readonly file: string;
  readonly reason: string;
}

/** The files passed over while this process read its data (one verb per process), each once. */
const skippedFiles: SkippedFile[] = [];

function noteSkipped(file: string, reason: string): void {
  if (!skippedFiles.some((f) => f.file === file)) skippedFiles.push({ file, reason });
}

/**
 * The `skippedFiles` key of a verb's --json: the files of the folders it read that were passed
 * over (netsentinel's own outputs, empty files, lists, a README ...) with the reason, so a script
 * sees what the warnings on stderr said. Before, --json did not list them.
 */
export function skippedFilesJson(): { skippedFiles: SkippedFile[] } {
  return { skippedFiles: skippedFiles.map((f) => ({ ...f })) };
}

export function readOptionsFrom(values: Record<string, unknown>, progress?: Progress): ReadOptions {
  const fmt = values.format as string | undefined;
  return {
    skipped: noteSkipped,
    format: fmt && fmt !== 'auto' ? (fmt as ReadOptions['format']) : undefined,
    label: values.label as string | undefined,
    drop: values.drop as string[] | undefined,
    categorical: values.categorical as string[] | undefined,
    capture: captureOptionsFrom(values),
    progress: progress ? (done: number, total: number) => progress.update(done, total) : undefined,
    limits: inputLimits({ maxColumns: values.maxColumns as number | undefined, maxLineBytes: values.maxLineBytes as number | undefined }),
    // checked here, so a misspelt zone is one line before anything is read
    ...(values.timezone !== undefined ? { timezone: parseTimeZone(values.timezone as string).name } : {}),
  };
}

/** One stderr line per column with imputed or impossible cells (never silent). */
export function warnCells(table: Pick<FlowTable, 'cellCounts'>, rows: number): void {
  for (const line of cellCountWarnings(table.cellCounts, rows)) process.stderr.write(`netsentinel: warning: ${line}\n`);
}

/** Read a whole dataset, with a progress bar in bytes. */
export async function readWithProgress(paths: readonly string[], values: Record<string, unknown>, progress: Progress, label = 'reading', extra: Partial<ReadOptions> = {}): Promise<FlowTable> {
  progress.start(label, undefined, 'bytes');
  const table = await readDataset([...paths], { ...readOptionsFrom(values, progress), ...extra });
  progress.done(`${label}: ${thousands(table.rowCount)} ${plural(table.rowCount, 'row')} from ${describeFiles(table, paths)}`);
  warnCells(table, table.rowCount);
  return table;
}

export async function* streamWithProgress(paths: readonly string[], values: Record<string, unknown>, progress: Progress, batchRows?: number, extra: Partial<ReadOptions> = {}): AsyncGenerator<FlowTable> {
  const counts: (readonly CellCounts[] | undefined)[] = [];
  let rows = 0;
  for await (const batch of streamDataset([...paths], { ...readOptionsFrom(values, progress), batchRows, ...extra })) {
    counts.push(batch.cellCounts);
    rows += batch.rowCount;
    yield batch;
  }
  warnCells({ cellCounts: sumCellCounts(counts) }, rows);
}

function describeFiles(t: FlowTable, paths: readonly string[]): string {
  const n = t.origin?.files.length ?? paths.length;
  return n === 1 ? (t.origin?.files[0] ?? paths[0]) : `${thousands(n)} files`;
}
