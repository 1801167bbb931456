/**
 * UNSW-NB15 (Moustafa and Slay 2015), in its two published shapes:
 *  - the training/testing-set CSVs, with a header: id, dur, proto, service, state, spkts, dpkts,
 *    sbytes, dbytes, rate, ..., attack_cat, label (45 columns);
 *  - the four raw files UNSW-NB15_1..4.csv, without a header, 49 columns from srcip, sport, dstip,
 *    dsport, proto, state, dur, ... to attack_cat, Label, where some names differ (smeansz for
 *    smean, res_bdy_len for response_body_len, Sintpkt for sinpkt), attack_cat is empty for normal
 *    traffic and padded with spaces for attacks, some ports are hexadecimal (0x000b) or `-`, and a
 *    few counters are blank.
 *
 * Both map onto one canonical set, the training-set names, and every file yields every canonical
 * column (missing where the file lacks it: `rate` in the raw files, addresses in the sets), so a
 * model trained on one reads the other. Addresses, ports, id, stime/ltime (epoch seconds, as in the
 * file) are meta: the training sets, which published models use, have no ports, so making dsport a
 * feature would split the two shapes apart. proto, service and state are categorical features.
 *
 * Labels: `attack_cat` (Normal for benign traffic; `Backdoors` spelled `Backdoor` as in the sets)
 * and `binary` from the 0/1 label. The two must agree: an attack category with label 0, or an empty
 * category with label 1, is an error at its line rather than a silent choice of one of them.
 */
import { categoricalColumn, type Column, type ColumnRole } from '../flows/table.js';
import { InputError } from '../util/errors.js';
import { ATTACK, NORMAL } from './label-columns.js';
import type { CellParse, DeriveContext, FileStart, FormatReader, PlanColumn, TablePlan } from './table-plan.js';
import { quoteField } from './input-limits.js';
import { extraColumn } from './extra-column.js';
import { typingRows } from './infer-numeric.js';

/** Canonical columns other than labels, in output order. */
const COLUMNS: readonly (readonly [string, ColumnRole, CellParse])[] = [
  ['id', 'meta', 'number'],
  ['srcip', 'meta', 'text'],
  ['sport', 'meta', 'port'],
  ['dstip', 'meta', 'text'],
  ['dsport', 'meta', 'port'],
  ...(
    [
      'dur', 'proto', 'service', 'state', 'spkts', 'dpkts', 'sbytes', 'dbytes', 'rate', 'sttl', 'dttl', 'sload', 'dload',
      'sloss', 'dloss', 'sinpkt', 'dinpkt', 'sjit', 'djit', 'swin', 'stcpb', 'dtcpb', 'dwin', 'tcprtt', 'synack', 'ackdat',
      'smean', 'dmean', 'trans_depth', 'response_body_len', 'ct_srv_src', 'ct_state_ttl', 'ct_dst_ltm', 'ct_src_dport_ltm',
      'ct_dst_sport_ltm', 'ct_dst_src_ltm', 'is_ftp_login', 'ct_ftp_cmd', 'ct_flw_http_mthd', 'ct_src_ltm', 'ct_srv_dst',
      'is_sm_ips_ports',
    ] as const
  ).map((n) => [n, 'feature', n === 'proto' || n === 'service' || n === 'state' ? 'text' : 'number'] as const),
  ['stime', 'meta', 'number'],
  ['ltime', 'meta', 'number'],
];

/** The raw files' 49 columns, in file order (they have no header). */
export const UNSW_RAW_COLUMNS: readonly string[] = [
  'srcip', 'sport', 'dstip', 'dsport', 'proto', 'state', 'dur', 'sbytes', 'dbytes', 'sttl', 'dttl', 'sloss', 'dloss',
  'service', 'Sload', 'Dload', 'Spkts', 'Dpkts', 'swin', 'dwin', 'stcpb', 'dtcpb', 'smeansz', 'dmeansz', 'trans_depth',
  'res_bdy_len', 'Sjit', 'Djit', 'Stime', 'Ltime', 'Sintpkt', 'Dintpkt', 'tcprtt', 'synack', 'ackdat', 'is_sm_ips_ports',
  'ct_state_ttl', 'ct_flw_http_mthd', 'is_ftp_login', 'ct_ftp_cmd', 'ct_srv_src', 'ct_srv_dst', 'ct_dst_ltm', 'ct_src_ltm',
  'ct_src_dport_ltm', 'ct_dst_sport_ltm', 'ct_dst_src_ltm', 'attack_cat', 'Label',
];

const ALIASES: Readonly<Record<string, string>> = {
  smeansz: 'smean',
  dmeansz: 'dmean',
  res_bdy_len: 'response_body_len',
  sintpkt: 'sinpkt',
  dintpkt: 'dinpkt',
};

const CAT = 'attack_cat';
const LABEL = 'label';
const KNOWN = new Set([...COLUMNS.map(([n]) => n), CAT, LABEL]);

function canonical(name: string): string {
  const k = name.trim().toLowerCase();
  return ALIASES[k] ?? k;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** Whether a file's first record is a UNSW-NB15 header, or a raw UNSW-NB15 record. */
export function looksLikeUnsw(first: readonly string[]): boolean {
  const names = new Set(first.map(canonical));
  if (['sbytes', 'dbytes', 'sttl', 'dttl'].every((n) => names.has(n))) return true;
  return first.length === UNSW_RAW_COLUMNS.length && (IPV4.test(first[0].trim()) || first[0].includes(':')) && !/^[\d.\s]*$/.test(first[4]);
}

function isHeader(first: readonly string[]): boolean {
  const names = new Set(first.map(canonical));
  return names.has('sbytes') && names.has('dbytes');
}

/** attack_cat as stored: trimmed, `Backdoors` → `Backdoor`, `normal` → `Normal`; empty stays empty. */
export function unswCategory(raw: string): string | null {
  const s = raw.trim();
  if (s === '') return '';
  const l = s.toLowerCase();
  if (l === 'backdoors') return 'Backdoor';
  if (l === 'normal') return 'Normal';
  return s;
}

export function unswReader(): FormatReader {
  const extraTypes = new Map<string, boolean>();
  return {
    format: 'unsw-nb15',
    hasHeader: isHeader,
    planFile: (start) => planUnsw(start, extraTypes),
  };
}

/** `extraTypes`: as in cicflowmeter.ts, the type of each column the format does not know, held for the dataset. */
function planUnsw(start: FileStart, extraTypes: Map<string, boolean>): TablePlan {
  const names = start.header ?? UNSW_RAW_COLUMNS;
  if (!start.header && start.fieldCount !== UNSW_RAW_COLUMNS.length) {
    throw new InputError(
      { file: start.file, line: start.sample.count > start.sampleFrom ? start.sample.line[start.sampleFrom] : 1 },
      `a raw UNSW-NB15 record has ${UNSW_RAW_COLUMNS.length} fields, found ${start.fieldCount}`,
    );
  }
  const fieldOf = new Map<string, number>();
  const extras: PlanColumn[] = [];
  const rows = typingRows(start, names.length);
  names.forEach((raw, i) => {
    const c = canonical(raw);
    if (fieldOf.has(c)) throw new InputError({ file: start.file, line: 1 }, `the header names ${quoteField(c)} twice; remove one of them`);
    fieldOf.set(c, i);
    if (!KNOWN.has(c)) {
      const name = raw.trim() === '' ? `Unnamed: ${i}` : raw.trim();
      extras.push(extraColumn(start, rows, extraTypes, name, i, raw));
    }
  });
  const field = (n: string): number => fieldOf.get(n) ?? -1;
  const source = (n: string): string | undefined => (fieldOf.has(n) ? names[fieldOf.get(n) as number] : undefined);
  const columns: PlanColumn[] = COLUMNS.map(([name, role, parse]) => ({ type: 'parsed', name, role, field: field(name), parse, sourceName: source(name) }));
  const hasCat = fieldOf.has(CAT);
  const hasLabel = fieldOf.has(LABEL);
  if (hasCat) columns.push({ type: 'parsed', name: '_attack_cat', role: 'label', field: field(CAT), parse: 'text', sourceName: source(CAT), normalise: unswCategory, hidden: true });
  if (hasLabel) columns.push({ type: 'parsed', name: '_label', role: 'label', field: field(LABEL), parse: 'number', sourceName: source(LABEL), hidden: true });
  if (hasCat) {
    columns.push({
      type: 'derived',
      name: CAT,
      role: 'label',
      from: hasLabel ? ['_attack_cat', '_label'] : ['_attack_cat'],
      derive: (get, ctx) => attackCategory(get('_attack_cat'), hasLabel ? get('_label') : undefined, ctx, source(CAT) as string),
    });
  }
  if (hasCat || hasLabel) {
    columns.push({
      type: 'derived',
      name: 'binary',
      role: 'label',
      from: hasLabel ? ['_label'] : [CAT],
      derive: (get, ctx) => (hasLabel ? binaryFromLabel(get('_label'), ctx, source(LABEL) as string) : binaryFromCategory(get(CAT))),
    });
  }
  columns.push(...extras);
  return {
    format: 'unsw-nb15',
    fieldCount: start.fieldCount,
    header: start.header,
    columns,
    defaultTarget: hasCat ? CAT : hasLabel ? 'binary' : undefined,
    normalValues: { [CAT]: 'Normal', binary: NORMAL },
  };
}

/** attack_cat with empty → Normal, checked against the 0/1 label when there is one. */
function attackCategory(cat: Column, label: Column | undefined, ctx: DeriveContext, catName: string): Column {
  if (cat.kind !== 'categorical') throw new Error('attack_cat must be categorical');
  const dict = cat.dictionary.map((v) => (v === '' ? 'Normal' : v));
  let normal = dict.indexOf('Normal');
  if (normal < 0) {
    normal = dict.length;
    dict.push('Normal');
  }
  // merge '' into Normal when both occur
  const remap = dict.map((v, k) => (v === 'Normal' ? normal : k));
  const codes = new Int32Array(cat.codes.length);
  for (let i = 0; i < codes.length; i++) {
    const c = cat.codes[i];
    if (c < 0) throw new InputError(ctx.place(i, catName), 'attack_cat is missing');
    codes[i] = remap[c];
    if (label && label.kind === 'numeric') {
      const l = label.values[i];
      const isNormal = codes[i] === normal;
      if (l === 1 && isNormal) {
        throw new InputError(ctx.place(i, catName), `attack_cat is ${cat.dictionary[c] === '' ? 'empty' : quoteField(cat.dictionary[c])} (normal traffic) but the label is 1 (attack); which one is right?`);
      }
      if (l === 0 && !isNormal) {
        throw new InputError(ctx.place(i, catName), `attack_cat is ${quoteField(dict[c])} but the label is 0 (normal); which one is right?`);
      }
    }
  }
  return compact(categoricalColumn(CAT, 'label', codes, dict));
}

/** Drop dictionary entries no row uses (the '' merged into Normal). */
function compact(c: Column): Column {
  if (c.kind !== 'categorical') return c;
  const used = new Uint8Array(c.dictionary.length);
  for (const code of c.codes) if (code >= 0) used[code] = 1;
  if (used.every((u) => u === 1)) return c;
  const map = new Int32Array(c.dictionary.length).fill(-1);
  const dict: string[] = [];
  c.dictionary.forEach((v, k) => {
    if (used[k]) {
      map[k] = dict.length;
      dict.push(v);
    }
  });
  const codes = c.codes.map((code) => (code < 0 ? -1 : map[code]));
  return categoricalColumn(c.name, c.role, codes, dict);
}

function binaryFromLabel(label: Column, ctx: DeriveContext, labelName: string): Column {
  if (label.kind !== 'numeric') throw new Error('label must be numeric');
  const codes = new Int32Array(label.values.length);
  for (let i = 0; i < codes.length; i++) {
    const v = label.values[i];
    if (v === 0) codes[i] = 0;
    else if (v === 1) codes[i] = 1;
    else throw new InputError(ctx.place(i, labelName), `the label must be 0 (normal) or 1 (attack), found ${Number.isNaN(v) ? 'an empty cell' : v}`);
  }
  return categoricalColumn('binary', 'label', codes, [NORMAL, ATTACK]);
}

function binaryFromCategory(cat: Column): Column {
  if (cat.kind !== 'categorical') throw new Error('attack_cat must be categorical');
  const map = cat.dictionary.map((v) => (v === 'Normal' ? 0 : 1));
  const codes = cat.codes.map((c) => (c < 0 ? -1 : map[c]));
  return categoricalColumn('binary', 'label', codes, [NORMAL, ATTACK]);
}
