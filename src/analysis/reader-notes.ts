/**
 * What the readers said about the input during an analysis, kept for its outputs. The readers
 * warn through `ReadOptions.warn` (zero-padded IPv4 read as decimal, text cells read as missing,
 * skipped lines and files, a guessed delimiter, a 12-hour clock, label spellings; for captures:
 * unsupported link types, garbled or skipped packets, a file cut short, flow-table evictions ...).
 * Those lines went to stderr only, so summary.json, report.html, `analyze --json` and the
 * service's answer never said that 3,000 cells were read as missing or 40 % of the packets
 * skipped. Every flow source wraps its read options with `keepReaderNotes`, which still says each
 * warning where it went before (stderr, or the caller's own `warn`) and keeps it, in order, each
 * text once, for the result's `readerNotes` (pipeline.ts).
 *
 * Bounded: a folder of thousands of skipped files would otherwise copy each line into every
 * output; past MAX_READER_NOTES the rest are counted (`leftOut`), never silently dropped.
 */
import type { ReadOptions } from '../sources/read-dataset.js';
import type { CellCounts } from '../flows/table.js';
import { cellCountWarnings, unexpectedCellCounts } from '../sources/cell-warnings.js';

/** At most this many notes are kept (each is still said where warnings go). */
export const MAX_READER_NOTES = 100;

export interface ReaderNotesKept {
  /** the notes, in the order they were said, each text once */
  readonly notes: readonly string[];
  /** distinct notes past MAX_READER_NOTES: said, not kept */
  readonly leftOut: number;
}

/** An ordered set of notes with a bound. */
export class ReaderNotes {
  private readonly seen = new Set<string>();
  private readonly kept: string[] = [];
  private over = 0;

  /** Keep `note` (once; past the bound only counted). */
  add(note: string): void {
    if (this.seen.has(note)) return;
    this.seen.add(note);
    if (this.kept.length < MAX_READER_NOTES) this.kept.push(note);
    else this.over++;
  }

  get(): ReaderNotesKept {
    return { notes: [...this.kept], leftOut: this.over };
  }
}

const toStderr = (m: string): void => {
  process.stderr.write(`netsentinel: warning: ${m}\n`);
};

/**
 * Read options whose warnings are also kept: each goes to the caller's `warn` (stderr when it has
 * none, as the readers' default) and into the returned notes.
 */
export function keepReaderNotes(read: ReadOptions, notes = new ReaderNotes()): { read: ReadOptions; notes: ReaderNotes } {
  const say = read.warn ?? toStderr;
  return {
    read: {
      ...read,
      warn: (m) => {
        notes.add(m);
        say(m);
      },
    },
    notes,
  };
}

/**
 * The result's reader notes: the source's, then one line per column of imputed or impossible cells
 * (the lines `analyze` says on stderr after the run, less CICFlowMeter's everyday ones:
 * cell-warnings.ts), each text once, within the same bound.
 */
export function resultReaderNotes(kept: ReaderNotesKept | undefined, cellCounts: readonly CellCounts[] | undefined, format: string | undefined, flows: number): ReaderNotesKept {
  const all = new ReaderNotes();
  for (const n of kept?.notes ?? []) all.add(n);
  // when the source's notes reached the bound, these are counted with the rest left out
  for (const c of cellCountWarnings(unexpectedCellCounts(cellCounts, format), flows)) all.add(c);
  const { notes, leftOut } = all.get();
  return { notes, leftOut: leftOut + (kept?.leftOut ?? 0) };
}
