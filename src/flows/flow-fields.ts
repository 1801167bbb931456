/**
 * A flow's identity and counters under one set of names, whatever the source called them.
 *
 * Behavioural rules need "who talked to whom, on which port, when, how much": CICFlowMeter calls the
 * source `Src IP`, UNSW-NB15 `srcip`, Zeek `id.orig_h`, a generic CSV `src_ip`; durations are
 * microseconds in one, seconds in another. `flowFields(table)` finds those columns by their known
 * names (compared without case, spaces, dots or underscores) and returns typed arrays in one unit
 * each: times in epoch milliseconds, durations in seconds, protocols as IANA numbers, addresses as
 * dictionary codes (the table's own, never copied into strings per row).
 *
 * Missing is explicit: a field is absent when no known column exists or the column is empty in
 * this batch (readers emit every canonical column, so the original CIC-IDS2017 files have a `Src IP`
 * column with no values, and NSL-KDD has no addresses at all). `missing` lists them and `notes`
 * says what was assumed (units, time zone, derived fields) so rules can report themselves off with
 * a reason rather than find nothing.
 *
 * Time zone: text timestamps without an offset are read as UTC, by the same parser the readers use
 * (sources/parse-timestamp.ts), or in the zone of --timezone (the reader marks its tables with it:
 * FlowTable.timeZone), and the note says which. The corrected CIC-IDS2017 release is in UTC: its PortScan flows
 * start at 16:56, and the dataset's schedule puts the scan at 13:55 local time (ADT, UTC-3).
 * Numbers are epoch seconds, milliseconds, microseconds or nanoseconds, told apart by magnitude.
 *
 * `failed` (a connection attempt that carried no data or was refused/unanswered) is derived where
 * the input allows: from a Zeek-style connection state (conn_state; NSL-KDD's `flag` uses the same
 * codes), from UNSW-NB15's Argus state, or from payload byte counts of zero in both directions
 * (CICFlowMeter and Zeek count payload bytes; UNSW-NB15's sbytes/dbytes include headers, so they
 * are not used for this). It is a heuristic: a TCP handshake closed without data also counts.
 *
 * Not here: reading files (sources/), feature engineering (features/), any judgement on the values.
 */
import { parseTimestamp } from '../sources/parse-timestamp.js';
import { parseTimeZone, type TimeZone } from '../util/time-zone.js';
import type { CategoricalColumn, Column, FlowTable } from './table.js';
import { plural } from '../util/plural.js';

export type FlowFieldName =
  | 'srcIp'
  | 'dstIp'
  | 'srcPort'
  | 'dstPort'
  | 'proto'
  | 'time'
  | 'duration'
  | 'fwdPackets'
  | 'bwdPackets'
  | 'fwdBytes'
  | 'bwdBytes'
  | 'synCount'
  | 'rstCount'
  | 'finCount'
  | 'ttl'
  | 'failed';

/** Words for messages: "needs the source IP". */
export const FIELD_LABELS: Readonly<Record<FlowFieldName, string>> = {
  srcIp: 'source IP',
  dstIp: 'destination IP',
  srcPort: 'source port',
  dstPort: 'destination port',
  proto: 'protocol',
  time: 'timestamp',
  duration: 'duration',
  fwdPackets: 'forward packet count',
  bwdPackets: 'backward packet count',
  fwdBytes: 'forward byte count',
  bwdBytes: 'backward byte count',
  synCount: 'SYN flag count',
  rstCount: 'RST flag count',
  finCount: 'FIN flag count',
  ttl: 'TTL',
  failed: 'connection state (or payload byte counts)',
};

/** Addresses: the table's own codes and dictionary (-1 = missing). */
export interface IpField {
  readonly codes: Int32Array;
  readonly dictionary: readonly string[];
}

export interface FlowFields {
  readonly rowCount: number;
  readonly srcIp?: IpField;
  readonly dstIp?: IpField;
  readonly srcPort?: Float64Array;
  readonly dstPort?: Float64Array;
  /** IANA protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6 ...), NaN when unknown */
  readonly proto?: Float64Array;
  /** flow start, epoch milliseconds (fraction keeps microseconds), NaN when missing */
  readonly time?: Float64Array;
  /** seconds */
  readonly duration?: Float64Array;
  readonly fwdPackets?: Float64Array;
  readonly bwdPackets?: Float64Array;
  readonly fwdBytes?: Float64Array;
  readonly bwdBytes?: Float64Array;
  readonly synCount?: Float64Array;
  readonly rstCount?: Float64Array;
  readonly finCount?: Float64Array;
  /** TTL of the originator's packets as seen at the sensor */
  readonly ttl?: Float64Array;
  /** 1 = attempt without data, refused or unanswered; 0 = not (see the top comment) */
  readonly failed?: Uint8Array;
  /**
   * 1 = an ICMP flow that opened with an error message (unreachable, time exceeded, parameter
   * problem; ICMPv6's packet too big too): the sender answered packets of the flow's destination,
   * so the flow is no activity of the sender's own (see deriveAnswering); absent when no row is one
   */
  readonly answering?: Uint8Array;
  /** where each present field came from, e.g. { duration: 'Flow Duration (microseconds)' } */
  readonly sources: Readonly<Partial<Record<FlowFieldName, string>>>;
  readonly missing: readonly FlowFieldName[];
  /** assumptions and conversions worth telling a user */
  readonly notes: readonly string[];
}

type Unit = 's' | 'ms' | 'us' | 'auto';

interface Alias {
  readonly name: string;
  readonly unit?: Unit;
  /** byte counts that are payload only (so zero means no data was exchanged) */
  readonly payload?: boolean;
}

const a = (names: string, extra: Omit<Alias, 'name'> = {}): Alias[] => names.split(' ').map((name) => ({ name, ...extra }));

/** Known column names per field, normalised by `norm`, most specific first. */
const ALIASES: Readonly<Record<Exclude<FlowFieldName, 'failed'>, readonly Alias[]>> = {
  srcIp: a('srcip sourceip idorigh origh srcaddr sourceaddress saddr ipsrc src clientip'),
  dstIp: a('dstip destinationip destip idresph resph dstaddr destinationaddress daddr ipdst dst serverip'),
  srcPort: a('srcport sourceport sport idorigp origp srcpt clientsrcport'),
  dstPort: a('dstport destinationport dsport dport idrespp respp destport dstpt clientdstport'),
  proto: a('protocol proto protocoltype ipproto transport'),
  time: a('timestamp ts stime starttime flowstart firststarttime firstseen datetime time date', { unit: 'auto' }),
  duration: [
    ...a('flowduration durationus durationusec', { unit: 'us' }),
    ...a('durationms', { unit: 'ms' }),
    ...a('duration dur durations durationsec', { unit: 's' }),
  ],
  fwdPackets: a('totalfwdpacket totalfwdpackets totfwdpkts totalforwardpackets fwdpackets fwdpkts spkts origpkts srcpkts outpkts'),
  bwdPackets: a('totalbwdpackets totalbwdpacket totalbackwardpackets totbwdpkts bwdpackets bwdpkts dpkts resppkts dstpkts inpkts'),
  fwdBytes: [
    ...a('totallengthoffwdpacket totallengthoffwdpackets totlenfwdpkts fwdpacketslengthtotal origbytes srcbytes fwdpayloadbytes', { payload: true }),
    ...a('sbytes fwdbytes outbytes'),
  ],
  bwdBytes: [
    ...a('totallengthofbwdpacket totallengthofbwdpackets totlenbwdpkts bwdpacketslengthtotal respbytes dstbytes bwdpayloadbytes', { payload: true }),
    ...a('dbytes bwdbytes inbytes'),
  ],
  synCount: a('synflagcount synflagcnt synflags syncount'),
  rstCount: a('rstflagcount rstflagcnt rstflags rstcount'),
  finCount: a('finflagcount finflagcnt finflags fincount'),
  ttl: a('sttl srcttl ttl ipttl fwdttl'),
};

/** Texts that say "no value" rather than give a wrong one. */
const MISSING_MARKS: ReadonlySet<string> = new Set(['', '-', '?', 'na', 'n/a', 'nan', 'null', 'none', '(empty)']);

/**
 * The values with those that are no port number (not a whole number in 0-65535) made NaN, in a
 * copy; the same array when all are ports or missing (no copy for the usual column).
 */
function onlyPorts(v: Float64Array): Float64Array {
  let out = v;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x !== x || (x >= 0 && x <= 65535 && Math.floor(x) === x)) continue;
    if (out === v) out = v.slice();
    out[i] = NaN;
  }
  return out;
}

/** Whether a column of this name is read as a flow's source or destination address. */
export function isAddressColumnName(name: string): boolean {
  const k = normaliseColumnName(name);
  return ADDRESS_NAMES.has(k);
}
const ADDRESS_NAMES: ReadonlySet<string> = new Set([...ALIASES.srcIp, ...ALIASES.dstIp].map((x) => x.name));

/** Connection-state columns: Zeek conn_state (NSL-KDD `flag` uses its codes) and UNSW-NB15/Argus `state`. */
const ZEEK_STATE = ['connstate', 'flag'];
const ARGUS_STATE = ['state'];
const ZEEK_HISTORY = ['history'];

const ZEEK_FAILED = new Set(['S0', 'REJ', 'RSTOS0', 'RSTRH', 'SH', 'SHR']);
/** Argus TCP states for a request without an answer, an interrupted attempt, or a reset */
const ARGUS_FAILED = new Set(['REQ', 'INT', 'RST']);

const PROTOCOL_NUMBERS: Readonly<Record<string, number>> = {
  icmp: 1, igmp: 2, ipip: 4, tcp: 6, egp: 8, igp: 9, udp: 17, rdp: 27, ipv6: 41, rsvp: 46, gre: 47, esp: 50, ah: 51,
  icmp6: 58, icmpv6: 58, 'ipv6-icmp': 58, eigrp: 88, ospf: 89, pim: 103, vrrp: 112, l2tp: 115, sctp: 132, udplite: 136,
};

/** Lower case, letters and digits only: "Src IP", "src_ip", "id.orig_h" → "srcip", "srcip", "idorigh". */
export function normaliseColumnName(name: string): string {
  let k = normalised.get(name);
  if (k === undefined) {
    k = name.toLowerCase().replace(/[^a-z0-9]/g, '');
    // inputs bring a few hundred names at most; a stream of ever-new ones must not grow it forever
    if (normalised.size >= MAX_NORMALISED) normalised.clear();
    normalised.set(name, k);
  }
  return k;
}

/**
 * Names already normalised: a stream worker's flowFields runs per message over the same ~90
 * column names (a regular expression replace each, ~0.1 µs a flow at 1,000 flows a message).
 */
const normalised = new Map<string, string>();
const MAX_NORMALISED = 4096;

function hasValues(c: Column): boolean {
  if (c.kind === 'numeric') {
    const v = c.values;
    for (let i = 0; i < v.length; i++) if (!Number.isNaN(v[i])) return true;
    return false;
  }
  const k = c.codes;
  for (let i = 0; i < k.length; i++) if (k[i] >= 0) return true;
  return false;
}

/** Apply `f` once per dictionary entry, then spread over rows (NaN for missing cells). */
function mapCategories(c: CategoricalColumn, f: (text: string) => number): Float64Array {
  const perCode = new Float64Array(c.dictionary.length);
  for (let k = 0; k < perCode.length; k++) perCode[k] = f(c.dictionary[k]);
  const out = new Float64Array(c.codes.length);
  for (let i = 0; i < out.length; i++) {
    const code = c.codes[i];
    out[i] = code < 0 ? NaN : perCode[code];
  }
  return out;
}

function textNumber(s: string): number {
  const t = s.trim();
  if (t === '' || t === '-') return NaN;
  if (/^0x[0-9a-f]+$/i.test(t)) return parseInt(t, 16);
  const n = Number(t);
  return Number.isFinite(n) ? n : NaN;
}

export function protocolNumber(text: string): number {
  const t = text.trim().toLowerCase();
  if (/^\d+$/.test(t)) return Number(t);
  return PROTOCOL_NUMBERS[t] ?? NaN;
}

const encoder = new TextEncoder();

/** A text timestamp to epoch ms: the readers' layouts, else a plain epoch number; NaN if neither. */
export function timestampFromText(text: string, zone?: TimeZone): number {
  const t = text.trim();
  if (t === '' || t === '-') return NaN;
  if (/^-?\d+(\.\d+)?$/.test(t)) return epochToMs(Number(t));
  const b = encoder.encode(t);
  const v = parseTimestamp(b, 0, b.length, zone);
  return v === undefined ? NaN : v;
}

/** Seconds, ms, µs or ns since 1970 to ms, by magnitude (seconds until year 5138). */
export function epochToMs(v: number): number {
  const x = Math.abs(v);
  if (x < 1e11) return v * 1000;
  if (x < 1e14) return v;
  if (x < 1e17) return v / 1000;
  return v / 1e6;
}

/** the epoch units by magnitude: below 1e11 seconds (until year 5138), 1e14 ms, 1e17 µs, else ns */
const EPOCH_UNITS = [
  { below: 1e11, scale: 1000, unit: 'seconds' },
  { below: 1e14, scale: 1, unit: 'milliseconds' },
  { below: 1e17, scale: 1e-3, unit: 'microseconds' },
  { below: Infinity, scale: 1e-6, unit: 'nanoseconds' },
] as const;

function epochUnitOf(x: number): number {
  return x < 1e11 ? 0 : x < 1e14 ? 1 : x < 1e17 ? 2 : 3;
}

/**
 * The unit of an epoch column: the magnitude most of its values have (not the largest value's:
 * one garbled row of 1e15 in a column of seconds made every time of the batch microseconds, 1970).
 * `tooLarge`: values of a larger magnitude than that, which no time in that unit has (read as missing).
 */
function epochScale(values: Float64Array): { scale: number; unit: string; tooLarge: number } {
  const count = [0, 0, 0, 0];
  for (let i = 0; i < values.length; i++) {
    const x = Math.abs(values[i]);
    // zeros and missing values vote for nothing (a 0 sentinel fits every unit)
    if (x > 0 && x !== Infinity) count[epochUnitOf(x)]++;
  }
  let u = 0;
  for (let k = 1; k < 4; k++) if (count[k] > count[u]) u = k;
  let tooLarge = 0;
  for (let k = u + 1; k < 4; k++) tooLarge += count[k];
  return { ...EPOCH_UNITS[u], tooLarge };
}

/** `values` × `scale`, with those of a larger magnitude than `unit`'s (EPOCH_UNITS[unit].below) as NaN. */
function scaledEpoch(values: Float64Array, scale: number, below: number): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < out.length; i++) {
    const v = values[i];
    out[i] = Math.abs(v) < below ? v * scale : NaN;
  }
  return out;
}

function scaled(values: Float64Array, factor: number): Float64Array {
  if (factor === 1) return values;
  const out = new Float64Array(values.length);
  for (let i = 0; i < out.length; i++) out[i] = values[i] * factor;
  return out;
}

const UNIT_WORDS: Readonly<Record<Exclude<Unit, 'auto'>, string>> = { s: 'seconds', ms: 'milliseconds', us: 'microseconds' };
const UNIT_TO_SECONDS: Readonly<Record<Exclude<Unit, 'auto'>, number>> = { s: 1, ms: 1e-3, us: 1e-6 };

/**
 * The canonical fields of a table (one batch). Cheap: numeric columns in the right unit are
 * returned as they are; conversions cost one pass, text columns one parse per dictionary entry.
 */
/**
 * The table's columns by normalised name: the first column of each name, among those holding a
 * value (`byName`), else named in `empty` (a later column of the same name is not looked at).
 */
function columnsByName(table: FlowTable): { byName: Map<string, Column>; empty: Set<string> } {
  const byName = new Map<string, Column>();
  const empty = new Set<string>();
  for (const c of table.columns) {
    const k = normaliseColumnName(c.name);
    if (byName.has(k) || empty.has(k)) continue;
    if (hasValues(c)) byName.set(k, c);
    else if (table.rowCount > 0) empty.add(k);
  }
  return { byName, empty };
}

/**
 * The source address alone, the very column flowFields takes for it (undefined when it would have
 * none): `publish` partitions every read batch by it and needs none of the other fields.
 */
export function sourceIpField(table: FlowTable): IpField | undefined {
  const { byName } = columnsByName(table);
  for (const alias of ALIASES.srcIp) {
    const col = byName.get(alias.name);
    // read as flowFields reads it (IPv4-mapped addresses of a flow file as IPv4), so a client's
    // flows go to one partition whichever way its software wrote it
    if (col) return col.kind === 'categorical' ? { codes: col.codes, dictionary: table.exactTimes ? col.dictionary : unmappedV4(col.dictionary) } : undefined;
  }
  return undefined;
}

const MAPPED_V4 = /^\s*::ffff:(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\s*$/i;

/**
 * An address dictionary with its IPv4-mapped IPv6 entries (::ffff:a.b.c.d) read as the IPv4 address
 * they carry; the same array when it has none. No packet on a wire has such a source (the spoofing
 * rule calls it a bogon, rightly, in a capture), but in a flow file it is how dual-stack software
 * writes an IPv4 client: a server listening on :: logs 8.8.8.8 as ::ffff:8.8.8.8, and exported as
 * CSV every IPv4 client became "a source address that cannot be on a wire". Read as IPv4, the rules
 * count it with the client's other flows and the alerts name it as the client is known.
 */
export function unmappedV4(dictionary: readonly string[]): readonly string[] {
  let out: string[] | undefined;
  for (let k = 0; k < dictionary.length; k++) {
    const d = dictionary[k];
    // a test for "::" first: most addresses are IPv4, or IPv6 that match nothing here
    if (!d.includes('::')) continue;
    const m = MAPPED_V4.exec(d);
    if (!m || +m[1] > 255 || +m[2] > 255 || +m[3] > 255 || +m[4] > 255) continue;
    out ??= dictionary.slice();
    out[k] = `${+m[1]}.${+m[2]}.${+m[3]}.${+m[4]}`;
  }
  return out ?? dictionary;
}

export function flowFields(table: FlowTable): FlowFields {
  const { byName, empty } = columnsByName(table);
  const sources: Partial<Record<FlowFieldName, string>> = {};
  const notes: string[] = [];
  const out: { -readonly [K in keyof FlowFields]?: FlowFields[K] } = {};
  const emptyNamed: string[] = [];

  const find = (field: Exclude<FlowFieldName, 'failed'>): { col: Column; alias: Alias } | undefined => {
    for (const alias of ALIASES[field]) {
      const col = byName.get(alias.name);
      if (col) return { col, alias };
    }
    for (const alias of ALIASES[field]) {
      if (empty.has(alias.name)) {
        const named = table.columns.find((c) => normaliseColumnName(c.name) === alias.name);
        if (named) emptyNamed.push(`"${named.name}"`);
        break;
      }
    }
    return undefined;
  };

  const numeric = (field: Exclude<FlowFieldName, 'failed' | 'srcIp' | 'dstIp'>): Float64Array | undefined => {
    const hit = find(field);
    if (!hit) return undefined;
    const { col, alias } = hit;
    if (field === 'proto') {
      sources.proto = col.name;
      return col.kind === 'numeric' ? col.values : mapCategories(col, protocolNumber);
    }
    if (field === 'time') {
      if (col.kind === 'categorical') {
        const zone = table.timeZone !== undefined ? parseTimeZone(table.timeZone) : undefined;
        const v = mapCategories(col, (text) => timestampFromText(text, zone));
        sources.time = `${col.name} (text)`;
        let bad = 0;
        let naive = 0;
        for (let k = 0; k < col.dictionary.length; k++) {
          const text = col.dictionary[k].trim();
          if (Number.isNaN(timestampFromText(text))) bad++;
          else if (!/^-?\d+(\.\d+)?$/.test(text) && !/(z|[+-]\d\d(:?\d\d)?)$/i.test(text)) naive++;
        }
        if (bad > 0) notes.push(`${bad} distinct ${plural(bad, 'value')} of "${col.name}" ${bad === 1 ? 'is not a timestamp and counts' : 'are not timestamps and count'} as missing`);
        if (naive > 0) notes.push(`"${col.name}" has times without a UTC offset; they are read as ${zone ? `${zone.name} time (--timezone)` : 'UTC'}`);
        return v;
      }
      const { scale, unit, tooLarge } = epochScale(col.values);
      sources.time = `${col.name} (epoch ${unit})`;
      if (tooLarge > 0) {
        notes.push(`"${col.name}" has values far larger than its other epoch ${unit} (garbled rows?): read as missing times, not as another unit`);
        return scaledEpoch(col.values, scale, EPOCH_UNITS.find((e) => e.unit === unit)!.below);
      }
      // the CICFlowMeter reader parsed text without an offset, as UTC (sources/parse-timestamp.ts)
      // (a capture's flows carry their packets' exact times: nothing was read as anything)
      if (table.format === 'cicflowmeter' && !table.exactTimes) notes.push(`"${col.name}" has times without a UTC offset; they were read as ${table.timeZone !== undefined ? `${table.timeZone} time (--timezone)` : 'UTC'}`);
      return scaled(col.values, scale);
    }
    const values = col.kind === 'numeric' ? col.values : mapCategories(col, textNumber);
    if (field === 'duration') {
      const unit = (alias.unit ?? 's') as Exclude<Unit, 'auto'>;
      sources.duration = `${col.name} (${UNIT_WORDS[unit]})`;
      return scaled(values, UNIT_TO_SECONDS[unit]);
    }
    sources[field] = col.name;
    if (field === 'srcPort' || field === 'dstPort') {
      // 70000, -1 or 22.5 in a port column (a shifted CSV, an export's sentinel) counted as ports
      // the scan rules saw; no port is missing, and said (one note whatever the batch)
      const ports = onlyPorts(values);
      // text that is no number at all ("abc", "http") is missing already: said the same way
      // (not the usual marks of a missing value: Zeek's "-", "?", "NA", "null" ...)
      const text = col.kind === 'categorical' && col.dictionary.some((d) => !MISSING_MARKS.has(d.trim().toLowerCase()) && Number.isNaN(textNumber(d)));
      if (ports !== values || text) notes.push(`"${col.name}" has values that are not port numbers (whole numbers 0 to 65535); the rules read them as missing`);
      return ports;
    }
    return values;
  };

  for (const field of ['srcIp', 'dstIp'] as const) {
    const hit = find(field);
    if (!hit) continue;
    if (hit.col.kind !== 'categorical') {
      notes.push(`"${hit.col.name}" holds numbers, not addresses; it is not used as the ${FIELD_LABELS[field]}`);
      continue;
    }
    // a capture's addresses are what was on the wire (a capture's table has exactTimes): kept as
    // they are, so an IPv4-mapped source there is still the bogon it is
    const dictionary = table.exactTimes ? hit.col.dictionary : unmappedV4(hit.col.dictionary);
    if (dictionary !== hit.col.dictionary) notes.push(`"${hit.col.name}" has IPv4-mapped IPv6 addresses (::ffff:a.b.c.d), as dual-stack software writes IPv4 clients; they are read as the IPv4 addresses they carry`);
    out[field] = { codes: hit.col.codes, dictionary };
    sources[field] = hit.col.name;
  }
  for (const field of ['srcPort', 'dstPort', 'proto', 'time', 'duration', 'fwdPackets', 'bwdPackets', 'fwdBytes', 'bwdBytes', 'synCount', 'rstCount', 'finCount', 'ttl'] as const) {
    const v = numeric(field);
    if (v) out[field] = v;
  }

  // flags from a Zeek history string when there are no flag counters
  const history = pickCategorical(byName, ZEEK_HISTORY);
  if (history) {
    const flag = (letters: string) => mapCategories(history, (h) => (/[A-Za-z]/.test(h) && [...letters].some((l) => h.includes(l)) ? 1 : 0));
    if (!out.synCount) {
      out.synCount = flag('S');
      sources.synCount = `${history.name} (S)`;
    }
    if (!out.rstCount) {
      out.rstCount = flag('Rr');
      sources.rstCount = `${history.name} (R, r)`;
    }
    if (!out.finCount) {
      out.finCount = flag('Ff');
      sources.finCount = `${history.name} (F, f)`;
    }
  }

  const failed = deriveFailed(table.rowCount, byName, out, sources);
  if (failed) out.failed = failed;
  const answering = deriveAnswering(table.rowCount, byName, out, sources.srcPort);
  if (answering) out.answering = answering;

  const all: FlowFieldName[] = ['srcIp', 'dstIp', 'srcPort', 'dstPort', 'proto', 'time', 'duration', 'fwdPackets', 'bwdPackets', 'fwdBytes', 'bwdBytes', 'synCount', 'rstCount', 'finCount', 'ttl', 'failed'];
  const missing = all.filter((f) => out[f] === undefined);
  if (emptyNamed.length > 0) notes.push(`${plural(emptyNamed.length, 'column')} ${emptyNamed.join(', ')} ${emptyNamed.length === 1 ? 'exists but holds' : 'exist but hold'} no values in this input`);
  return { rowCount: table.rowCount, ...out, sources, missing, notes } as FlowFields;
}

function pickCategorical(byName: ReadonlyMap<string, Column>, names: readonly string[]): CategoricalColumn | undefined {
  for (const n of names) {
    const c = byName.get(n);
    if (c && c.kind === 'categorical') return c;
  }
  return undefined;
}

function isIcmp(p: number): boolean {
  return p === 1 || p === 58;
}

function deriveFailed(
  n: number,
  byName: ReadonlyMap<string, Column>,
  f: { proto?: Float64Array; fwdBytes?: Float64Array; bwdBytes?: Float64Array },
  sources: Partial<Record<FlowFieldName, string>>,
): Uint8Array | undefined {
  const zeek = pickCategorical(byName, ZEEK_STATE);
  const argus = zeek ? undefined : pickCategorical(byName, ARGUS_STATE);
  const payloadFwd = payloadColumn(byName, 'fwdBytes');
  const payloadBwd = payloadColumn(byName, 'bwdBytes');
  const usePayload = payloadFwd !== undefined && payloadBwd !== undefined && f.fwdBytes !== undefined && f.bwdBytes !== undefined;
  if (!zeek && !argus && !usePayload) return undefined;
  const out = new Uint8Array(n);
  const basis: string[] = [];
  const proto = f.proto;
  if (zeek) {
    const perCode = Uint8Array.from(zeek.dictionary, (s) => (ZEEK_FAILED.has(s.trim().toUpperCase()) ? 1 : 0));
    for (let i = 0; i < n; i++) {
      const c = zeek.codes[i];
      if (c >= 0) out[i] = perCode[c];
    }
    basis.push(`${zeek.name} in ${[...ZEEK_FAILED].join('/')}`);
  } else if (argus) {
    const perCode = Uint8Array.from(argus.dictionary, (s) => (ARGUS_FAILED.has(s.trim().toUpperCase()) ? 1 : 0));
    for (let i = 0; i < n; i++) {
      const c = argus.codes[i];
      // Argus states mean this only for TCP; INT is also the normal state of one-way UDP
      if (c >= 0 && (!proto || proto[i] === 6)) out[i] = perCode[c];
    }
    basis.push(`${argus.name} in ${[...ARGUS_FAILED].join('/')} (TCP)`);
  }
  if (usePayload) {
    const fb = f.fwdBytes as Float64Array;
    const bb = f.bwdBytes as Float64Array;
    for (let i = 0; i < n; i++) {
      if (fb[i] === 0 && bb[i] === 0 && !(proto && isIcmp(proto[i]))) out[i] = 1;
    }
    basis.push('no payload bytes in either direction');
  }
  sources.failed = basis.join(', or ');
  return out;
}

/** ICMP (1) error message types: destination unreachable, source quench, time exceeded, parameter problem */
const ICMP_ERRORS: ReadonlySet<number> = new Set([3, 4, 11, 12]);
/** ICMPv6 (58) error message types (RFC 4443: 1-127): destination unreachable, packet too big, time exceeded, parameter problem */
const ICMPV6_ERRORS: ReadonlySet<number> = new Set([1, 2, 3, 4]);

/**
 * Which rows are ICMP flows opened by an error message. Such a message answers a packet of the host
 * it is sent to (a port unreachable answers a UDP probe, a time exceeded a traceroute's probe): a
 * UDP scan's target sends one to the scanner, and the target of a UDP flood from forged sources
 * sends thousands, each to another forged address, which read as a connection flood *from the
 * target* (and had respond ban the victim). So the rules and the per-source risk leave such flows
 * out of their sender's activity; the flow keeps its own risk and reasons. The ICMP type is the
 * flow's first packet's: CICFlowMeter's 'ICMP Type' column (a capture's flows have it), else
 * Zeek's conn.log, whose id.orig_p holds an ICMP connection's type. Without either, or without a
 * protocol, nothing is marked (undefined, as when no row is one).
 */
function deriveAnswering(n: number, byName: ReadonlyMap<string, Column>, f: { proto?: Float64Array; srcPort?: Float64Array }, srcPortName: string | undefined): Uint8Array | undefined {
  const proto = f.proto;
  if (!proto) return undefined;
  let type: Float64Array | undefined;
  const icmpType = byName.get('icmptype');
  if (icmpType) type = icmpType.kind === 'numeric' ? icmpType.values : mapCategories(icmpType, textNumber);
  else if (f.srcPort && srcPortName !== undefined && ZEEK_ICMP_TYPE.has(normaliseColumnName(srcPortName))) type = f.srcPort;
  if (!type) return undefined;
  let out: Uint8Array | undefined;
  for (let i = 0; i < n; i++) {
    const p = proto[i];
    if (p !== 1 && p !== 58) continue;
    const t = type[i];
    if (p === 1 ? ICMP_ERRORS.has(t) : ICMPV6_ERRORS.has(t)) (out ??= new Uint8Array(n))[i] = 1;
  }
  return out;
}
/** Zeek's originator port columns: an ICMP connection's message type */
const ZEEK_ICMP_TYPE: ReadonlySet<string> = new Set(['idorigp', 'origp']);

function payloadColumn(byName: ReadonlyMap<string, Column>, field: 'fwdBytes' | 'bwdBytes'): Column | undefined {
  for (const alias of ALIASES[field]) {
    const c = byName.get(alias.name);
    if (c) return alias.payload ? c : undefined;
  }
  return undefined;
}

/** "needs the source IP and destination port, which this input does not have", or null when all are present. */
export function missingFieldsReason(ff: FlowFields, needed: readonly FlowFieldName[], format?: string): string | null {
  const absent = needed.filter((f) => ff[f] === undefined);
  if (absent.length === 0) return null;
  const words = absent.map((f) => FIELD_LABELS[f]);
  const list = words.length === 1 ? words[0] : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
  const input = format ? `this input (${format})` : 'this input';
  return `needs the ${list}, which ${input} does not have`;
}
