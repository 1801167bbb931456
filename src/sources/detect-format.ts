/**
 * Which reader a file needs, from its first records: NSL-KDD / KDD'99 by shape (no header: 42 or
 * 43 fields, a protocol name second), CICFlowMeter by its column names, UNSW-NB15 by its column
 * names or, headerless, by the shape of its raw records; anything else is a generic CSV with a
 * header. Detection looks at names and shapes only, never at file names, so renamed files and
 * stdin work.
 */
import { UserError } from '../util/errors.js';
import { cicflowmeterReader, looksLikeCicflowmeter } from './cicflowmeter.js';
import { genericCsvReader } from './generic-csv.js';
import { looksLikeKdd, nslKddReader } from './nsl-kdd.js';
import type { FormatReader, PlanOptions } from './table-plan.js';
import { looksLikeUnsw, unswReader } from './unsw-nb15.js';

export const FORMAT_NAMES = ['nsl-kdd', 'cicflowmeter', 'unsw-nb15', 'csv'] as const;
export type FormatName = (typeof FORMAT_NAMES)[number];

const ALIASES: Readonly<Record<string, FormatName>> = {
  'nsl-kdd': 'nsl-kdd', nslkdd: 'nsl-kdd', kdd: 'nsl-kdd', kdd99: 'nsl-kdd', 'kdd-99': 'nsl-kdd', kddcup: 'nsl-kdd',
  cicflowmeter: 'cicflowmeter', cic: 'cicflowmeter', cicids2017: 'cicflowmeter', 'cic-ids2017': 'cicflowmeter', cicids2018: 'cicflowmeter', 'cse-cic-ids2018': 'cicflowmeter',
  'unsw-nb15': 'unsw-nb15', unsw: 'unsw-nb15', unswnb15: 'unsw-nb15',
  csv: 'csv', generic: 'csv',
};

/** A format name as the user may write it, or a UserError listing the known ones. */
export function formatName(name: string): FormatName {
  const f = ALIASES[name.trim().toLowerCase()];
  if (!f) throw new UserError(`unknown format ${JSON.stringify(name)}; known formats: ${FORMAT_NAMES.join(', ')}`);
  return f;
}

export const FORMAT_TITLES: Readonly<Record<FormatName, string>> = {
  'nsl-kdd': "NSL-KDD/KDD'99 records",
  cicflowmeter: 'CICFlowMeter flows',
  'unsw-nb15': 'UNSW-NB15 records',
  csv: 'a generic CSV',
};

/** The format of a file whose first records (one or two, as strings) are given. */
export function detectFormat(first: readonly (readonly string[])[]): FormatName {
  const r0 = first[0];
  if (!r0) return 'csv';
  if (looksLikeKdd(r0)) return 'nsl-kdd';
  if (looksLikeCicflowmeter(r0)) return 'cicflowmeter';
  if (looksLikeUnsw(r0)) return 'unsw-nb15';
  return 'csv';
}

/** A fresh reader (readers keep state across the files of one dataset). */
export function createReader(format: FormatName, opts: PlanOptions): FormatReader {
  switch (format) {
    case 'nsl-kdd':
      return nslKddReader();
    case 'cicflowmeter':
      return cicflowmeterReader();
    case 'unsw-nb15':
      return unswReader();
    case 'csv':
      return genericCsvReader(opts);
  }
}
