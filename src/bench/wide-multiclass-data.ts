/**
 * A synthetic flow dataset shaped like the held-out one that showed GBDT slow on wide multi-class
 * data (issue 8 #1): ten classes with skewed sizes (37,000 normal flows down to 44 of the rarest
 * attack, in the shares of UNSW-NB15's published test set), 39 numeric columns of mixed scale
 * (durations, byte and packet counts spanning six decades, TTLs with a few values, TCP sequence
 * bases with millions, small connection counters, 0/1 flags) and three categoricals: a protocol
 * with 130 values, a service with 13 and a state with 7. One-hot, that is about 185 features.
 *
 * It is made here rather than shipped because nothing large is committed and the real dataset is
 * not ours to redistribute. The bench writes it to a temporary folder (train.csv, test.csv: a
 * seeded half each, stratified) and every peer reads the same files.
 *
 * Realism, where it matters for speed and quality: most numeric columns are zero for most rows
 * (so most cells sit in a column's common bin), the protocol is dominated by tcp/udp with ~125 rare
 * values that carry some class signal (attacks lean on a few of them each, the rest are spread
 * evenly), and four attack classes (DoS, Exploits, Analysis, Backdoor) share most of their
 * behaviour, so no model separates them cleanly, as on the real data.
 *
 * Deterministic: the same seed gives the same bytes.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../util/rng.js';

/** Class names and sizes, in the proportions of UNSW-NB15's test set (82,332 rows). */
export const WIDE_CLASSES: readonly (readonly [string, number])[] = [
  ['Normal', 37000],
  ['Generic', 18871],
  ['Exploits', 11132],
  ['Fuzzers', 6062],
  ['DoS', 4089],
  ['Reconnaissance', 3496],
  ['Analysis', 677],
  ['Backdoor', 583],
  ['Shellcode', 378],
  ['Worms', 44],
];

const SERVICES = ['-', 'http', 'dns', 'ftp', 'ftp-data', 'smtp', 'ssh', 'pop3', 'snmp', 'ssl', 'dhcp', 'irc', 'radius'];
const STATES = ['FIN', 'INT', 'CON', 'REQ', 'RST', 'ECO', 'PAR'];
const COMMON_PROTOS = ['tcp', 'udp', 'unas', 'arp', 'ospf'];
const N_PROTOS = 130;
const TTLS = [0, 29, 31, 60, 62, 252, 254];

/** The 39 numeric columns, in file order after the three categoricals. */
const NUMERIC = [
  'dur', 'spkts', 'dpkts', 'sbytes', 'dbytes', 'rate', 'sttl', 'dttl', 'sload', 'dload', 'sloss', 'dloss',
  'sinpkt', 'dinpkt', 'sjit', 'djit', 'swin', 'stcpb', 'dtcpb', 'dwin', 'tcprtt', 'synack', 'ackdat',
  'smean', 'dmean', 'trans_depth', 'response_body_len', 'ct_srv_src', 'ct_state_ttl', 'ct_dst_ltm',
  'ct_src_dport_ltm', 'ct_dst_sport_ltm', 'ct_dst_src_ltm', 'is_ftp_login', 'ct_ftp_cmd',
  'ct_flw_http_mthd', 'ct_src_ltm', 'ct_srv_dst', 'is_sm_ips_ports',
];

/** How one behaviour (a class has two or three) draws its flows. */
interface Profile {
  /** tcp, udp, unas, arp, ospf, then "any rare protocol" */
  readonly protoWeights: number[];
  /** a few rare protocols this profile prefers, and how often it picks among them */
  readonly favourite: number[];
  readonly favouriteShare: number;
  readonly serviceWeights: number[];
  readonly stateWeights: number[];
  /** log10 of the mean duration (s), packets each way, bytes per packet each way */
  readonly logDur: number;
  readonly logSpkts: number;
  readonly logDpkts: number;
  readonly logSmean: number;
  readonly logDmean: number;
  /** spread of those logs */
  readonly spread: number;
  readonly sttl: number;
  readonly dttl: number;
  /** mean of the connection counters */
  readonly ct: number;
  readonly http: number;
  readonly ftp: number;
}

function weights(rng: Rng, n: number, peak: number[], peakWeight = 8): number[] {
  const w = Array.from({ length: n }, () => 0.05 + rng.next());
  for (const p of peak) w[p] += peakWeight * (0.5 + rng.next());
  return w;
}

function pick(rng: Rng, w: readonly number[]): number {
  let total = 0;
  for (const x of w) total += x;
  let u = rng.next() * total;
  for (let i = 0; i < w.length; i++) {
    u -= w[i];
    if (u < 0) return i;
  }
  return w.length - 1;
}

/**
 * The behaviours of each class. `shared` is the common core of the four look-alike attack classes:
 * each of them mixes its own draw with it, mostly the shared one.
 */
function profiles(rng: Rng): Profile[][] {
  const rare = (k: number): number[] => Array.from({ length: k }, () => rng.int(N_PROTOS - COMMON_PROTOS.length));
  const make = (o: Partial<Profile> & { protoPeak: number[]; servicePeak: number[]; statePeak: number[] }): Profile => ({
    protoWeights: weights(rng, COMMON_PROTOS.length + 1, o.protoPeak, 20),
    favourite: o.favourite ?? rare(3),
    favouriteShare: o.favouriteShare ?? 0.3,
    serviceWeights: weights(rng, SERVICES.length, o.servicePeak, 12),
    stateWeights: weights(rng, STATES.length, o.statePeak, 15),
    logDur: o.logDur ?? -1 + rng.normal(),
    logSpkts: o.logSpkts ?? 0.8 + 0.5 * rng.normal(),
    logDpkts: o.logDpkts ?? 0.6 + 0.5 * rng.normal(),
    logSmean: o.logSmean ?? 2 + 0.4 * rng.normal(),
    logDmean: o.logDmean ?? 2 + 0.4 * rng.normal(),
    spread: o.spread ?? 0.35 + 0.2 * rng.next(),
    sttl: o.sttl ?? rng.int(TTLS.length),
    dttl: o.dttl ?? rng.int(TTLS.length),
    ct: o.ct ?? 1 + 10 * rng.next(),
    http: o.http ?? 0.05,
    ftp: o.ftp ?? 0.02,
  });
  const shared = [
    make({ protoPeak: [0, 5], servicePeak: [0, 1], statePeak: [0, 1], logDur: -0.3, logSpkts: 1.1, logDpkts: 0.9, sttl: 4, dttl: 3, ct: 3, favouriteShare: 0.05 }),
    make({ protoPeak: [5, 2], servicePeak: [0], statePeak: [1], logDur: -5, logSpkts: 0.3, logDpkts: -2, sttl: 6, dttl: 0, ct: 2, favouriteShare: 0.05 }),
  ];
  const alike = (own: Profile[]): Profile[] => [...own, ...shared];
  return [
    // Normal: tcp/udp services with full two-way traffic
    [
      make({ protoPeak: [0], servicePeak: [0, 1, 9], statePeak: [0, 2], logDur: 0, logSpkts: 1.3, logDpkts: 1.4, logDmean: 2.6, sttl: 2, dttl: 1, ct: 4, http: 0.3, ftp: 0.05, favouriteShare: 0 }),
      make({ protoPeak: [1], servicePeak: [0, 2], statePeak: [2, 1], logDur: -2, logSpkts: 0.4, logDpkts: 0.4, sttl: 2, dttl: 1, ct: 6, favouriteShare: 0 }),
      make({ protoPeak: [3, 4], servicePeak: [0], statePeak: [1, 5], logDur: -4, logSpkts: 0.2, logDpkts: -2, sttl: 0, dttl: 0, ct: 2, favouriteShare: 0 }),
    ],
    // Generic: short udp/dns exchanges at a high rate, very uniform
    [make({ protoPeak: [1], servicePeak: [2], statePeak: [1], logDur: -5.5, logSpkts: 0.3, logDpkts: -2, logSmean: 1.9, spread: 0.15, sttl: 6, dttl: 0, ct: 25 }),
      make({ protoPeak: [0, 1], servicePeak: [1, 0], statePeak: [0], logDur: -0.5, logSpkts: 1, logDpkts: 0.9, sttl: 4, dttl: 3, ct: 5 })],
    alike([make({ protoPeak: [0], servicePeak: [1, 0, 5], statePeak: [0], logDur: 0.1, logSpkts: 1.5, logDpkts: 1.3, logSmean: 2.7, sttl: 4, dttl: 3, http: 0.3 })]),
    // Fuzzers: odd payload sizes, long tcp sessions
    [make({ protoPeak: [0], servicePeak: [0, 1], statePeak: [0, 4], logDur: 0.3, logSpkts: 1.2, logDpkts: 0.8, logSmean: 2.9, spread: 0.6, sttl: 6, dttl: 1, ct: 3 }),
      make({ protoPeak: [1], servicePeak: [0], statePeak: [1], logDur: -4, logSpkts: 0.3, logDpkts: -2, sttl: 6, dttl: 0, ct: 2 })],
    alike([make({ protoPeak: [0, 5], servicePeak: [0, 1], statePeak: [0, 1], logDur: -0.2, logSpkts: 1.2, logDpkts: 0.9, sttl: 4, dttl: 3 })]),
    // Reconnaissance: probes, many rare protocols, tiny flows
    [make({ protoPeak: [5, 0], servicePeak: [0], statePeak: [1, 3], logDur: -5, logSpkts: 0.3, logDpkts: -2, sttl: 6, dttl: 0, ct: 8, favourite: rare(6), favouriteShare: 0.5 }),
      make({ protoPeak: [0], servicePeak: [0, 1], statePeak: [0], logDur: -1.5, logSpkts: 0.9, logDpkts: 0.7, sttl: 4, dttl: 3, ct: 4 })],
    alike([make({ protoPeak: [5], servicePeak: [0], statePeak: [1], logDur: -4.5, logSpkts: 0.3, logDpkts: -2, sttl: 6, dttl: 0 })]),
    alike([make({ protoPeak: [5, 0], servicePeak: [0], statePeak: [1, 0], logDur: -4, logSpkts: 0.4, logDpkts: -2, sttl: 6, dttl: 0 })]),
    // Shellcode and Worms: small, distinct payload sizes
    [make({ protoPeak: [0, 5], servicePeak: [0], statePeak: [0, 1], logDur: -0.5, logSpkts: 1, logDpkts: 0.8, logSmean: 2.3, sttl: 4, dttl: 3, ct: 2 })],
    [make({ protoPeak: [0], servicePeak: [1, 0], statePeak: [0], logDur: -0.2, logSpkts: 1.1, logDpkts: 1.1, logSmean: 2.9, logDmean: 2.1, sttl: 4, dttl: 3, ct: 2, http: 0.6 })],
  ];
}

/** One flow's CSV line from a profile. */
function flow(rng: Rng, p: Profile, favouriteOfOwn: Profile): string {
  // protocol: a common one, or a rare one (this class's favourites more often than the rest)
  let proto: string;
  const pi = pick(rng, p.protoWeights);
  if (pi < COMMON_PROTOS.length) proto = COMMON_PROTOS[pi];
  else if (rng.next() < favouriteOfOwn.favouriteShare) proto = `p${favouriteOfOwn.favourite[rng.int(favouriteOfOwn.favourite.length)]}`;
  else proto = `p${rng.int(N_PROTOS - COMMON_PROTOS.length)}`;
  const tcp = proto === 'tcp';
  const service = SERVICES[pick(rng, p.serviceWeights)];
  const state = STATES[pick(rng, p.stateWeights)];
  const lg = (mu: number): number => 10 ** (mu + p.spread * rng.normal());
  const spkts = Math.max(1, Math.round(lg(p.logSpkts)));
  const dpkts = Math.max(0, Math.round(lg(p.logDpkts) - 0.3));
  const smean = Math.round(Math.min(1500, 24 + lg(p.logSmean)));
  const dmean = dpkts > 0 ? Math.round(Math.min(1500, lg(p.logDmean))) : 0;
  const sbytes = spkts * smean + rng.int(smean);
  const dbytes = dpkts * dmean + (dpkts > 0 ? rng.int(dmean + 1) : 0);
  const dur = spkts + dpkts <= 1 ? 0 : Number(lg(p.logDur).toFixed(6));
  const rate = dur > 0 ? Number(((spkts + dpkts - 1) / dur).toFixed(3)) : 0;
  const sload = dur > 0 ? Number(((sbytes * 8) / dur).toFixed(2)) : 0;
  const dload = dur > 0 ? Number(((dbytes * 8) / dur).toFixed(2)) : 0;
  const jit = (n: number): number => (n > 2 && dur > 0 ? Number(((dur * 1000) / n * rng.next() * 2).toFixed(3)) : 0);
  const inpkt = (n: number): number => (n > 1 && dur > 0 ? Number(((dur * 1000) / (n - 1)).toFixed(4)) : 0);
  const loss = (n: number): number => (tcp && n > 10 && rng.next() < 0.3 ? rng.int(Math.ceil(n / 10)) : 0);
  const rtt = tcp && state !== 'INT' ? Number((Math.abs(0.05 + 0.04 * rng.normal())).toFixed(6)) : 0;
  const synack = rtt ? Number((rtt * (0.3 + 0.4 * rng.next())).toFixed(6)) : 0;
  const ct = (scale: number): number => 1 + Math.floor(-Math.log(1 - rng.next()) * p.ct * scale);
  const http = service === 'http' && rng.next() < p.http * 3 ? 1 + rng.int(3) : 0;
  const ftp = (service === 'ftp' || rng.next() < p.ftp) && rng.next() < 0.5 ? 1 : 0;
  const sttl = TTLS[p.sttl];
  const dttl = dpkts > 0 ? TTLS[p.dttl] : 0;
  const values = [
    dur, spkts, dpkts, sbytes, dbytes, rate, sttl, dttl, sload, dload, loss(spkts), loss(dpkts),
    inpkt(spkts), inpkt(dpkts), jit(spkts), jit(dpkts),
    tcp ? 255 : 0, tcp ? rng.int(4294967295) : 0, tcp && dpkts > 0 ? rng.int(4294967295) : 0, tcp && dpkts > 0 ? 255 : 0,
    rtt, synack, rtt ? Number((rtt - synack).toFixed(6)) : 0,
    smean, dmean, http ? http : 0, http ? rng.int(60000) : 0,
    ct(1.5), ct(0.3) % 7, ct(0.8), ct(0.6), ct(0.5), ct(1), ftp, ftp ? rng.int(3) : 0,
    http, ct(0.9), ct(1.4), sttl === dttl && rng.next() < 0.02 ? 1 : 0,
  ];
  return `${proto},${service},${state},${values.join(',')}`;
}

export interface WideDataset {
  readonly train: string;
  readonly test: string;
  readonly rows: number;
  readonly label: string;
}

/**
 * Write train.csv and test.csv (a stratified half each) into `dir`. `scale` multiplies every class
 * size (1 = 82,332 rows; tests use less).
 */
export function writeWideMulticlass(dir: string, seed = 42, scale = 1): WideDataset {
  const rng = new Rng(seed);
  const byClass = profiles(rng.fork());
  const head = ['proto', 'service', 'state', ...NUMERIC, 'attack_cat'].join(',');
  const train: string[] = [head];
  const test: string[] = [head];
  let rows = 0;
  WIDE_CLASSES.forEach(([name, size], k) => {
    const n = Math.max(4, Math.round(size * scale));
    const own = byClass[k];
    const lines: string[] = [];
    for (let i = 0; i < n; i++) {
      const p = own[rng.int(own.length)];
      lines.push(`${flow(rng, p, own[0])},${name}`);
    }
    const order = rng.shuffle(Int32Array.from(lines, (_, i) => i));
    const half = n >> 1;
    for (let i = 0; i < n; i++) (i < half ? train : test).push(lines[order[i]]);
    rows += n;
  });
  // classes interleaved, as a capture would be
  const mix = (l: string[]): string => {
    const body = l.slice(1);
    const order = rng.shuffle(Int32Array.from(body, (_, i) => i));
    return [l[0], ...Array.from(order, (i) => body[i])].join('\n') + '\n';
  };
  mkdirSync(dir, { recursive: true });
  const trainPath = join(dir, 'train.csv');
  const testPath = join(dir, 'test.csv');
  writeFileSync(trainPath, mix(train));
  writeFileSync(testPath, mix(test));
  return { train: trainPath, test: testPath, rows, label: 'attack_cat' };
}

// `node dist/bench/wide-multiclass-data.js DIR [SEED]` writes the files (to look at them, or to
// run another tool on them)
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\//, '/'))) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: node dist/bench/wide-multiclass-data.js DIR [SEED]\n');
    process.exit(2);
  }
  const d = writeWideMulticlass(dir, Number(process.argv[3] ?? 42));
  process.stdout.write(`${d.train}\n${d.test}\n${d.rows} rows, label ${d.label}\n`);
}
