/**
 * The options of every verb that reads flow data (--format, --label, --drop, the input limits, the
 * capture options), apart from data-options.ts, which reads the data: a verb's --help prints this
 * table without loading the readers.
 */
import type { OptionSpec } from './args.js';
import { DEFAULT_LIMITS } from '../sources/input-limits.js';
import { CAPTURE_OPTIONS } from './capture-options.js';

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
  {
    name: 'timezone',
    type: 'string',
    value: 'ZONE',
    description: 'time zone of timestamps written without a UTC offset: an IANA name (America/Moncton for the original CIC-IDS2017 CSVs) or ±HH:MM (default: read as UTC, and said)',
  },
  { name: 'max-columns', type: 'integer', value: 'N', description: 'refuse input lines with more fields than this', default: DEFAULT_LIMITS.maxColumns },
  { name: 'max-line-bytes', type: 'integer', value: 'BYTES', description: 'refuse input lines longer than this', default: DEFAULT_LIMITS.maxLineBytes },
  ...CAPTURE_OPTIONS,
];
