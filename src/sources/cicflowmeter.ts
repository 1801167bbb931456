/**
 * CICFlowMeter flow CSVs, under the names they have been published with:
 *  - the corrected CIC-IDS2017 release (Engelen et al. 2021): id, Flow ID, Src IP, Src Port, Dst IP,
 *    Dst Port, Protocol, Timestamp, 81 statistics, Label, Attempted Category;
 *  - the original CIC-IDS2017 "MachineLearningCSV" files: names with leading spaces,
 *    `Total Fwd Packets`, `Min Packet Length`, `Init_Win_bytes_forward`, `CWE Flag Count`, a second
 *    `Fwd Header Length` (pandas calls it `Fwd Header Length.1`; it is a copy and is ignored), no
 *    addresses or times, Web-attack labels with a broken dash (`Web Attack � Brute Force`);
 *    and their "GeneratedLabelledFlows" siblings with `Source IP`, `Destination Port`, `Timestamp`;
 *  - CSE-CIC-IDS2018 / CICFlowMeter-V4 abbreviations (`Tot Fwd Pkts`, `Flow Byts/s`, ...).
 *
 * All map onto one canonical set (the corrected release's names, as in the sample the project
 * ships with), and every file produces every canonical column, missing where the file lacks it
 * (NaN, e.g. `Fwd RST Flags` in the original files): a model trained on one naming reads the other,
 * and files of both kinds concatenate. Labels are normalised the same way (`Bot` → `Botnet`,
 * `PortScan` → `Portscan`, `DoS slowloris` → `DoS Slowloris`, any dash in Web-attack names → `-`).
 *
 * Roles: `Dst Port` and `Protocol` are features, because the service attacked and the transport
 * carry real signal (and the original CSVs, which most published models use, have `Destination
 * Port` as a feature). `Src Port` is meta: it is an ephemeral port chosen by the client's kernel,
 * mostly noise, and a model that learns it learns the capture rather than the attack. Addresses,
 * Flow ID and Timestamp are meta (reports, per-IP risk), never features: they identify hosts of one
 * capture. Protocol is categorical (6, 17 and 0 are names, not quantities); Dst Port stays numeric
 * (well-known vs ephemeral ranges are ordered, and one-hot on 65,536 values would be absurd).
 * Timestamp is parsed to epoch milliseconds (see parse-timestamp.ts for the time-zone rule).
 *
 * `Infinity`, `NaN` and empty cells (CICFlowMeter writes them for rates of zero-length flows) are
 * read as ±Infinity / NaN: the feature pipeline decides what to do with them.
 */
import { InputError } from '../util/errors.js';
import { binaryFrom } from './label-columns.js';
import type { CellParse, FileStart, FormatReader, PlanColumn, TablePlan } from './table-plan.js';
import type { ColumnRole } from '../flows/table.js';
import { quoteField } from './input-limits.js';
import { extraColumn } from './extra-column.js';
import { typingRows } from './infer-numeric.js';

/** Identity and context columns, in output order. */
const IDENTITY: readonly (readonly [string, ColumnRole, CellParse])[] = [
  ['id', 'meta', 'number'],
  ['Flow ID', 'meta', 'text'],
  ['Src IP', 'meta', 'text'],
  ['Src Port', 'meta', 'port'],
  ['Dst IP', 'meta', 'text'],
  ['Dst Port', 'feature', 'port'],
  ['Protocol', 'feature', 'text'],
  ['Timestamp', 'meta', 'timestamp'],
];

/** The 81 flow statistics, canonical names, in output order. */
export const CIC_FEATURES: readonly string[] = [
  'Flow Duration', 'Total Fwd Packet', 'Total Bwd packets', 'Total Length of Fwd Packet', 'Total Length of Bwd Packet',
  'Fwd Packet Length Max', 'Fwd Packet Length Min', 'Fwd Packet Length Mean', 'Fwd Packet Length Std',
  'Bwd Packet Length Max', 'Bwd Packet Length Min', 'Bwd Packet Length Mean', 'Bwd Packet Length Std',
  'Flow Bytes/s', 'Flow Packets/s', 'Flow IAT Mean', 'Flow IAT Std', 'Flow IAT Max', 'Flow IAT Min',
  'Fwd IAT Total', 'Fwd IAT Mean', 'Fwd IAT Std', 'Fwd IAT Max', 'Fwd IAT Min',
  'Bwd IAT Total', 'Bwd IAT Mean', 'Bwd IAT Std', 'Bwd IAT Max', 'Bwd IAT Min',
  'Fwd PSH Flags', 'Bwd PSH Flags', 'Fwd URG Flags', 'Bwd URG Flags', 'Fwd RST Flags', 'Bwd RST Flags',
  'Fwd Header Length', 'Bwd Header Length', 'Fwd Packets/s', 'Bwd Packets/s',
  'Packet Length Min', 'Packet Length Max', 'Packet Length Mean', 'Packet Length Std', 'Packet Length Variance',
  'FIN Flag Count', 'SYN Flag Count', 'RST Flag Count', 'PSH Flag Count', 'ACK Flag Count', 'URG Flag Count',
  'CWR Flag Count', 'ECE Flag Count', 'Down/Up Ratio', 'Average Packet Size', 'Fwd Segment Size Avg',
  'Bwd Segment Size Avg', 'Fwd Bytes/Bulk Avg', 'Fwd Packet/Bulk Avg', 'Fwd Bulk Rate Avg', 'Bwd Bytes/Bulk Avg',
  'Bwd Packet/Bulk Avg', 'Bwd Bulk Rate Avg', 'Subflow Fwd Packets', 'Subflow Fwd Bytes', 'Subflow Bwd Packets',
  'Subflow Bwd Bytes', 'FWD Init Win Bytes', 'Bwd Init Win Bytes', 'Fwd Act Data Pkts', 'Fwd Seg Size Min',
  'Active Mean', 'Active Std', 'Active Max', 'Active Min', 'Idle Mean', 'Idle Std', 'Idle Max', 'Idle Min',
  'ICMP Code', 'ICMP Type', 'Total TCP Flow Time',
];

const LABEL = 'Label';
const ATTEMPTED = 'Attempted Category';

/** A header name in the form aliases are keyed by: lower case, `_` as space, blanks collapsed. */
function key(name: string): string {
  return name.trim().toLowerCase().replace(/_/g, ' ').replace(/\s+/g, ' ');
}

/** Other spellings of canonical names (keys as `key` makes them). */
const ALIASES: Readonly<Record<string, string>> = {
  'source ip': 'Src IP', 'source port': 'Src Port', 'destination ip': 'Dst IP', 'destination port': 'Dst Port',
  // original CIC-IDS2017 CSVs
  'total fwd packets': 'Total Fwd Packet', 'total backward packets': 'Total Bwd packets',
  'total length of fwd packets': 'Total Length of Fwd Packet', 'total length of bwd packets': 'Total Length of Bwd Packet',
  'min packet length': 'Packet Length Min', 'max packet length': 'Packet Length Max',
  'cwe flag count': 'CWR Flag Count', 'avg fwd segment size': 'Fwd Segment Size Avg', 'avg bwd segment size': 'Bwd Segment Size Avg',
  'fwd avg bytes/bulk': 'Fwd Bytes/Bulk Avg', 'fwd avg packets/bulk': 'Fwd Packet/Bulk Avg', 'fwd avg bulk rate': 'Fwd Bulk Rate Avg',
  'bwd avg bytes/bulk': 'Bwd Bytes/Bulk Avg', 'bwd avg packets/bulk': 'Bwd Packet/Bulk Avg', 'bwd avg bulk rate': 'Bwd Bulk Rate Avg',
  'init win bytes forward': 'FWD Init Win Bytes', 'init win bytes backward': 'Bwd Init Win Bytes',
  'act data pkt fwd': 'Fwd Act Data Pkts', 'min seg size forward': 'Fwd Seg Size Min',
  // CSE-CIC-IDS2018 / CICFlowMeter-V4
  'tot fwd pkts': 'Total Fwd Packet', 'tot bwd pkts': 'Total Bwd packets',
  'totlen fwd pkts': 'Total Length of Fwd Packet', 'totlen bwd pkts': 'Total Length of Bwd Packet',
  'fwd pkt len max': 'Fwd Packet Length Max', 'fwd pkt len min': 'Fwd Packet Length Min',
  'fwd pkt len mean': 'Fwd Packet Length Mean', 'fwd pkt len std': 'Fwd Packet Length Std',
  'bwd pkt len max': 'Bwd Packet Length Max', 'bwd pkt len min': 'Bwd Packet Length Min',
  'bwd pkt len mean': 'Bwd Packet Length Mean', 'bwd pkt len std': 'Bwd Packet Length Std',
  'flow byts/s': 'Flow Bytes/s', 'flow pkts/s': 'Flow Packets/s', 'fwd iat tot': 'Fwd IAT Total', 'bwd iat tot': 'Bwd IAT Total',
  'fwd header len': 'Fwd Header Length', 'bwd header len': 'Bwd Header Length', 'fwd pkts/s': 'Fwd Packets/s', 'bwd pkts/s': 'Bwd Packets/s',
  'pkt len min': 'Packet Length Min', 'pkt len max': 'Packet Length Max', 'pkt len mean': 'Packet Length Mean',
  'pkt len std': 'Packet Length Std', 'pkt len var': 'Packet Length Variance',
  'fin flag cnt': 'FIN Flag Count', 'syn flag cnt': 'SYN Flag Count', 'rst flag cnt': 'RST Flag Count',
  'psh flag cnt': 'PSH Flag Count', 'ack flag cnt': 'ACK Flag Count', 'urg flag cnt': 'URG Flag Count',
  'cwr flag cnt': 'CWR Flag Count', 'ece flag cnt': 'ECE Flag Count', 'pkt size avg': 'Average Packet Size',
  'fwd seg size avg': 'Fwd Segment Size Avg', 'bwd seg size avg': 'Bwd Segment Size Avg',
  'fwd byts/b avg': 'Fwd Bytes/Bulk Avg', 'fwd pkts/b avg': 'Fwd Packet/Bulk Avg', 'fwd blk rate avg': 'Fwd Bulk Rate Avg',
  'bwd byts/b avg': 'Bwd Bytes/Bulk Avg', 'bwd pkts/b avg': 'Bwd Packet/Bulk Avg', 'bwd blk rate avg': 'Bwd Bulk Rate Avg',
  'subflow fwd pkts': 'Subflow Fwd Packets', 'subflow fwd byts': 'Subflow Fwd Bytes',
  'subflow bwd pkts': 'Subflow Bwd Packets', 'subflow bwd byts': 'Subflow Bwd Bytes',
  'init fwd win byts': 'FWD Init Win Bytes', 'init bwd win byts': 'Bwd Init Win Bytes',
};

const CANONICAL: ReadonlyMap<string, string> = new Map([
  ...[...IDENTITY.map(([n]) => n), ...CIC_FEATURES, LABEL, ATTEMPTED].map((n) => [key(n), n] as [string, string]),
  ...Object.entries(ALIASES),
]);

const FEATURE_SET: ReadonlySet<string> = new Set(CIC_FEATURES);

/** The canonical name of a CICFlowMeter header name, or undefined for a name we do not know. */
export function cicCanonicalName(headerName: string): string | undefined {
  return CANONICAL.get(key(headerName));
}

/** Whether a header is CICFlowMeter's: at least 20 of the flow statistics by one of their names. */
export function looksLikeCicflowmeter(header: readonly string[]): boolean {
  let n = 0;
  for (const h of header) {
    const c = cicCanonicalName(h);
    if (c !== undefined && FEATURE_SET.has(c)) n++;
  }
  return n >= 20 && header.some((h) => cicCanonicalName(h) === 'Flow Duration');
}

const LABEL_NAMES: Readonly<Record<string, string>> = {
  benign: 'BENIGN', bot: 'Botnet', botnet: 'Botnet', portscan: 'Portscan', ddos: 'DDoS', 'dos hulk': 'DoS Hulk',
  'dos goldeneye': 'DoS GoldenEye', 'dos slowloris': 'DoS Slowloris', 'dos slowhttptest': 'DoS Slowhttptest',
  'ftp-patator': 'FTP-Patator', 'ssh-patator': 'SSH-Patator', infiltration: 'Infiltration',
  'infiltration - portscan': 'Infiltration - Portscan', heartbleed: 'Heartbleed',
};

const WEB_ATTACKS: Readonly<Record<string, string>> = { 'brute force': 'Brute Force', xss: 'XSS', 'sql injection': 'SQL Injection' };

/**
 * One spelling per CIC-IDS2017 class, the corrected release's; other labels (CIC-IDS2018's, a
 * user's) pass through trimmed. `NeedManualLabel` (CICFlowMeter's placeholder) and empty are missing.
 */
export function cicLabel(raw: string): string | null {
  let s = raw.trim().replace(/\s+/g, ' ');
  if (s === '' || s.toLowerCase() === 'needmanuallabel') return null;
  let suffix = '';
  const attempted = /^(.*?)\s*-\s*attempted$/i.exec(s);
  if (attempted) {
    s = attempted[1];
    suffix = ' - Attempted';
  }
  const web = /^web\s*attack\s*[^\p{L}\p{N}\s]*\s*(.+)$/iu.exec(s);
  if (web) {
    const rest = web[1].trim();
    return `Web Attack - ${WEB_ATTACKS[rest.toLowerCase()] ?? rest}${suffix}`;
  }
  return (LABEL_NAMES[s.toLowerCase()] ?? s) + suffix;
}

export function cicflowmeterReader(): FormatReader {
  const extraTypes = new Map<string, boolean>();
  return {
    format: 'cicflowmeter',
    hasHeader: () => true,
    planFile: (start) => planCic(start, extraTypes),
  };
}

/**
 * `extraTypes`: per column the format does not know, whether it was read as numbers; typed on the
 * first file that has it and held for the dataset, so files of one dataset give the same columns.
 */
function planCic(start: FileStart, extraTypes: Map<string, boolean>): TablePlan {
  const header = start.header ?? [];
  const fieldOf = new Map<string, number>();
  const extras: PlanColumn[] = [];
  const rows = typingRows(start, header.length);
  header.forEach((raw, i) => {
    const name = raw.trim();
    if (key(name) === 'fwd header length.1') return; // pandas' name for the duplicated column
    const c = cicCanonicalName(name);
    if (c === undefined) {
      extras.push(extraColumn(start, rows, extraTypes, name === '' ? `Unnamed: ${i}` : name, i, raw));
      return;
    }
    if (fieldOf.has(c)) {
      // the original CSVs repeat Fwd Header Length (an exact copy); any other repeat is ambiguous
      if (c === 'Fwd Header Length') return;
      throw new InputError({ file: start.file, line: 1 }, `the header names ${quoteField(c)} twice (as ${quoteField(header[fieldOf.get(c) as number].trim())} and ${quoteField(name)}); remove one of them`);
    }
    fieldOf.set(c, i);
  });
  const field = (n: string): number => fieldOf.get(n) ?? -1;
  const source = (n: string): string | undefined => (fieldOf.has(n) ? header[fieldOf.get(n) as number] : undefined);
  const columns: PlanColumn[] = IDENTITY.map(([name, role, parse]) => ({ type: 'parsed', name, role, field: field(name), parse, sourceName: source(name) }));
  // a `-` or `n/a` in a feature is a missing value (said once per column with the count), as the
  // generic reader reads it; other text in a number column is still a broken file
  for (const name of CIC_FEATURES) columns.push({ type: 'parsed', name, role: 'feature', field: field(name), parse: 'number', sourceName: source(name), lenient: 'markers' });
  const labelled = fieldOf.has(LABEL);
  if (labelled) {
    columns.push({ type: 'parsed', name: LABEL, role: 'label', field: field(LABEL), parse: 'text', sourceName: source(LABEL), normalise: cicLabel });
    columns.push({ type: 'derived', name: 'binary', role: 'label', from: [LABEL], derive: (get) => binaryFrom(get(LABEL), (v) => v === 'BENIGN') });
  }
  columns.push({ type: 'parsed', name: ATTEMPTED, role: 'meta', field: field(ATTEMPTED), parse: 'number', sourceName: source(ATTEMPTED) });
  columns.push(...extras);
  return {
    format: 'cicflowmeter',
    fieldCount: start.fieldCount,
    header,
    columns,
    defaultTarget: labelled ? LABEL : undefined,
    normalValues: { [LABEL]: 'BENIGN', binary: 'normal' },
  };
}
