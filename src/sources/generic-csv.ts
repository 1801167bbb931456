/**
 * Any CSV with a header line: the reader of last resort, for flow exports we do not know by name.
 *
 * Types: a column is numeric when every non-empty value of the first batch parses as a number
 * (NaN and ±Infinity included), otherwise categorical; `categorical` forces a column to be
 * categorical. The decision is made once, on the first file, and holds for the whole dataset, so a
 * later value that does not parse is an error that names the cell and suggests --categorical
 * rather than a column whose type depends on where a batch happens to start.
 *
 * Labels: only the column named by `label` (as a category, values trimmed). When that label has
 * a recognisable "normal" value in the first batch (normal, benign, 0, false…, any case), a `binary`
 * normal/attack column is derived from it. Without `label`, the table has no label: fine for
 * predicting and analysing. We do not guess which column is the label, but a column named like one
 * (label, class, attack_cat, is_attack, malicious…) is kept out of the features unless it is
 * named by --label: learned as a feature, it would put the answer in the question (a 0/1 `label`
 * column read as a number did), and the warning says how to use it.
 *
 * Header names are trimmed; a repeated name gets `.1`, `.2` (as pandas does), an empty one
 * `Unnamed: N`.
 */
import { InputError } from '../util/errors.js';
import { binaryFrom } from './label-columns.js';
import { quoteArg, quoteList } from './input-limits.js';
import { mostlyNumbers, typingRows } from './infer-numeric.js';
import { noSuchColumn, type FileStart, type FormatReader, type PlanColumn, type PlanOptions, type TablePlan } from './table-plan.js';

const NORMAL_VALUES = new Set(['normal', 'normal.', 'benign', '0', '0.0', 'false', 'legitimate', 'legit']);

/**
 * Columns that say which flow a row is (addresses, the ephemeral source port, record ids,
 * timestamps) rather than how it behaved. They are kept as 'meta' (reports, rules, alerts use them)
 * and never become model features: an address or a clock reading learned as a feature makes a
 * model that recognises hosts and hours, not attacks. The destination port stays a feature.
 */
const IDENTITY = new Set([
  'ts', 'timestamp', 'time', 'starttime', 'stime', 'ltime', 'endtime', 'date', 'datetime',
  'uid', 'id', 'flowid', 'recordid', 'connid',
  'srcip', 'srcaddr', 'sourceip', 'sourceaddress', 'saddr', 'idorigh', 'origh', 'clientip',
  'dstip', 'dstaddr', 'destip', 'destinationip', 'destinationaddress', 'daddr', 'idresph', 'resph', 'serverip',
  'srcport', 'sport', 'sourceport', 'idorigp', 'origp', 'clientsrcport',
]);

/** Column names that usually hold the answer (compared without case and punctuation). */
const LABEL_LIKE = new Set(['label', 'labels', 'class', 'attack', 'attackcat', 'attacktype', 'attackname', 'isattack', 'malicious', 'ismalicious']);

export function isLabelLikeColumn(name: string): boolean {
  return LABEL_LIKE.has(name.toLowerCase().replace(/[^a-z0-9]/g, ''));
}

export function isIdentityColumn(name: string): boolean {
  return IDENTITY.has(name.toLowerCase().replace(/[^a-z0-9]/g, ''));
}

/**
 * A label as stored: trimmed, empty is missing. Exports and hand edits pad labels ("evil " beside
 * "evil"); kept as read, they were two classes that print alike, splitting one class in training
 * and in every report.
 */
function labelValue(raw: string): string | null {
  const s = raw.trim();
  return s === '' ? null : s;
}

/** Whether a label value means normal traffic. */
export function isNormalLabel(v: string): boolean {
  return NORMAL_VALUES.has(v.trim().toLowerCase());
}

/** Header names as columns: trimmed, repeated names suffixed, empty names invented. */
export function columnNames(header: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return header.map((raw, i) => {
    let name = raw.trim();
    if (name === '') name = `Unnamed: ${i}`;
    const k = seen.get(name) ?? 0;
    seen.set(name, k + 1);
    return k === 0 ? name : `${name}.${k}`;
  });
}

export function genericCsvReader(opts: PlanOptions = {}): FormatReader {
  let names: string[] | undefined;
  let numeric: boolean[] | undefined;
  let normalLabel: string | null | undefined;
  const categorical = new Set(opts.categorical ?? []);
  return {
    format: 'csv',
    hasHeader: () => true,
    planFile(start: FileStart): TablePlan {
      const here = columnNames(start.header ?? []);
      if (here.length > 0 && here.every((h) => /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/.test(h))) {
        throw new InputError(
          { file: start.file, line: 1 },
          'the first line looks like data, not column names: a CSV needs a header line naming its columns (or pass --format nsl-kdd, cicflowmeter or unsw-nb15 for those datasets)',
        );
      }
      if (!names) {
        names = here;
        if (opts.label !== undefined && !here.includes(opts.label)) throw noSuchColumn(start.file, opts.label, '--label', names);
        numeric = inferNumeric(start, names, categorical, opts.label, new Set(opts.numeric ?? []));
        const answers = names.filter((n) => n !== opts.label && isLabelLikeColumn(n));
        if (answers.length > 0 && opts.labelLikeWarning !== false) {
          const warn = opts.warn ?? ((m: string) => process.stderr.write(`netsentinel: warning: ${m}\n`));
          warn(
            `${start.file}: ${quoteList(answers)} ${answers.length === 1 ? 'looks like a label column: it is' : 'look like label columns: they are'} kept out of the features (learned as a feature, the answer would be in the question); ` +
              `pass --label ${quoteArg(answers[0])} to train or evaluate on ${answers.length === 1 ? 'it' : 'one of them'}`,
          );
        }
        normalLabel = opts.label !== undefined ? findNormal(start, names.indexOf(opts.label)) : null;
      } else {
        const hereSet = new Set(here);
        const nameSet = new Set(names);
        const missing = names.filter((n) => !hereSet.has(n));
        const extra = here.filter((n) => !nameSet.has(n));
        if (missing.length > 0 || extra.length > 0) {
          throw new InputError(
            { file: start.file },
            `its columns differ from the first file's (${[
              missing.length ? `missing ${quoteList(missing)}` : '',
              extra.length ? `extra ${quoteList(extra)}` : '',
            ]
              .filter(Boolean)
              .join('; ')}); files read as one dataset must have the same columns`,
          );
        }
      }
      const num = numeric as boolean[];
      const fieldOf = new Map<string, number>();
      here.forEach((h, k) => {
        if (!fieldOf.has(h)) fieldOf.set(h, k);
      });
      const columns: PlanColumn[] = (names as string[]).map((name, i) => {
        const field = fieldOf.get(name) ?? -1;
        if (name === opts.label) return { type: 'parsed', name, role: 'label', field, parse: 'text', normalise: labelValue };
        const role = isIdentityColumn(name) || isLabelLikeColumn(name) ? 'meta' : 'feature';
        return num[i]
          ? { type: 'parsed', name, role, field, parse: 'number', lenient: true }
          : { type: 'parsed', name, role, field, parse: 'text' };
      });
      const normal = normalLabel;
      // (a file that already has a column named binary keeps it; we do not shadow it)
      if (opts.label !== undefined && typeof normal === 'string' && !fieldOf.has('binary')) {
        const label = opts.label;
        columns.push({ type: 'derived', name: 'binary', role: 'label', from: [label], derive: (get) => binaryFrom(get(label), (v) => v === normal) });
      }
      return {
        format: 'csv',
        fieldCount: start.fieldCount,
        header: start.header,
        columns,
        defaultTarget: opts.label,
        normalValues: opts.label !== undefined && typeof normal === 'string' ? { binary: 'normal', [opts.label]: normal } : undefined,
      };
    },
  };
}


function inferNumeric(start: FileStart, names: readonly string[], categorical: ReadonlySet<string>, label: string | undefined, numeric: ReadonlySet<string>): boolean[] {
  const rows = typingRows(start, names.length);
  return names.map((name, i) => !categorical.has(name) && name !== label && (numeric.has(name) || mostlyNumbers(start, rows, i)));
}

/** The first value of the label column, in the sample, that means normal traffic; null if none. */
function findNormal(start: FileStart, col: number): string | null {
  const b = start.sample;
  for (let r = start.sampleFrom; r < start.sampleTo; r++) {
    if (b.fieldCount(r) <= col) continue;
    const v = labelValue(b.text(b.recordField[r] + col));
    if (v !== null && isNormalLabel(v)) return v;
  }
  return null;
}
