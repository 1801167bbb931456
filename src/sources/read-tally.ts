/**
 * What the readers did to the input's cells that the user must hear of, counted over one file (or
 * one stream input read batch after batch) and said once with the first place:
 *   - IPv4 addresses written with leading zeros, read as decimal (address-text.ts);
 *   - a 12-hour clock without AM/PM turned to the afternoon (twelve-hour-clock.ts);
 *   - text in a column of numbers (`n/a`, `-` among numbers, generic CSV): read as missing
 *     (imputed as other missing cells are), not as a reason to make the whole column categories.
 * streamDataset keeps one per file and warns at its end; a caller that hands its own (`stream`
 * reading its input batch by batch as CSVs of their own) says the notes itself.
 */
import { leadingZeroNote, type AddressTally } from './address-text.js';
import type { TwelveHourClock } from './twelve-hour-clock.js';
import { plural } from '../util/plural.js';
import { thousands } from '../util/thousands.js';
import { quoteField } from './input-limits.js';

/** Text cells read as missing in one column of numbers, and the first of them. */
export interface OddCells {
  cells: number;
  /** only markers of a missing value were read as missing (a format's number column), not any text */
  markersOnly?: boolean;
  first?: { readonly line: number; readonly text: string; readonly file?: string };
}

export interface ReadTally {
  readonly addresses: AddressTally;
  /** per timestamp column (its name in the file) */
  readonly clocks: Map<string, TwelveHourClock>;
  /** per numeric column (its name in the file) */
  readonly odd: Map<string, OddCells>;
}

export function newReadTally(): ReadTally {
  return { addresses: { cells: 0 }, clocks: new Map(), odd: new Map() };
}

/** The notes of a tally, each with a key and its count (a caller that says them again as counts grow compares these). */
export function readTallyNotes(t: ReadTally, file: string): { key: string; count: number; note: string }[] {
  const out: { key: string; count: number; note: string }[] = [];
  const a = leadingZeroNote(t.addresses);
  if (a) out.push({ key: 'addresses', count: t.addresses.cells, note: a });
  for (const [column, clock] of t.clocks) {
    const note = clock.note(file, column);
    if (note) out.push({ key: `clock:${column}`, count: clock.moved, note });
  }
  for (const [column, odd] of t.odd) {
    if (!odd.first || odd.cells === 0) continue;
    out.push({
      key: `odd:${column}`,
      count: odd.cells,
      note: odd.markersOnly
        ? `${odd.first.file ?? file}: column "${column}" holds numbers, but ${thousands(odd.cells)} ${plural(odd.cells, 'cell is a marker', 'cells are markers')} of a missing value (the first: line ${odd.first.line}, ${quoteField(odd.first.text)}): read as missing, imputed as other missing cells are`
        : `${odd.first.file ?? file}: column "${column}" holds numbers, but ${thousands(odd.cells)} ${plural(odd.cells, 'cell is', 'cells are')} text (the first: line ${odd.first.line}, ${quoteField(odd.first.text)}): read as missing, imputed as other missing cells are (--categorical ${JSON.stringify(column)} reads the column as categories)`,
    });
  }
  return out;
}

/** A tally's clocks and odd-cell counts as they are (addresses are counted per read by the stream itself). */
export interface TallyState {
  readonly clocks: ReadonlyMap<string, Readonly<Record<string, unknown>>>;
  readonly odd: ReadonlyMap<string, OddCells>;
}

export function tallyState(t: ReadTally): TallyState {
  return { clocks: new Map([...t.clocks].map(([k, c]) => [k, c.snapshot()])), odd: new Map([...t.odd].map(([k, o]) => [k, { ...o }])) };
}

/**
 * Back to `s`: a stream's batch read again (its bad lines found one by one, the good ones read
 * together) counts its cells and moves its clocks once, not once per read.
 */
export function restoreTally(t: ReadTally, s: TallyState): void {
  for (const [k, c] of t.clocks) {
    const was = s.clocks.get(k);
    if (was) c.restore(was);
    else t.clocks.delete(k);
  }
  for (const [k, o] of t.odd) {
    const was = s.odd.get(k);
    if (was) Object.assign(o, { cells: was.cells, first: was.first });
    else t.odd.delete(k);
  }
}
