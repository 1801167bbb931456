/**
 * NSL-KDD (Tavallaee et al. 2009) and KDD Cup 1999 connection records: no header, the 41 KDD'99
 * features, the attack name, and (NSL-KDD only) a difficulty level 0-21. KDD'99 writes names with
 * a final dot (`normal.`, `smurf.`); the dot is removed so both datasets share one vocabulary and a
 * model trained on one reads the other.
 *
 * Columns: the 41 features (protocol_type, service, flag categorical), `attack` (the name),
 * `family` (Normal, DoS, Probe, R2L, U2R), `binary` (normal / attack), and `difficulty` (meta) when
 * the file has it. The family list covers every name of KDD'99 (full and 10 % sets, training and
 * corrected test) and NSL-KDD; a name outside it is an error, never a guess.
 */
import { InputError } from '../util/errors.js';
import { binaryFrom, mapCategories } from './label-columns.js';
import type { FileStart, FormatReader, PlanColumn, TablePlan } from './table-plan.js';
import { quoteField } from './input-limits.js';

export const KDD_FEATURES = [
  'duration', 'protocol_type', 'service', 'flag', 'src_bytes', 'dst_bytes', 'land', 'wrong_fragment', 'urgent', 'hot',
  'num_failed_logins', 'logged_in', 'num_compromised', 'root_shell', 'su_attempted', 'num_root', 'num_file_creations',
  'num_shells', 'num_access_files', 'num_outbound_cmds', 'is_host_login', 'is_guest_login', 'count', 'srv_count',
  'serror_rate', 'srv_serror_rate', 'rerror_rate', 'srv_rerror_rate', 'same_srv_rate', 'diff_srv_rate',
  'srv_diff_host_rate', 'dst_host_count', 'dst_host_srv_count', 'dst_host_same_srv_rate', 'dst_host_diff_srv_rate',
  'dst_host_same_src_port_rate', 'dst_host_srv_diff_host_rate', 'dst_host_serror_rate', 'dst_host_srv_serror_rate',
  'dst_host_rerror_rate', 'dst_host_srv_rerror_rate',
] as const;

export const KDD_CATEGORICAL: ReadonlySet<string> = new Set(['protocol_type', 'service', 'flag']);

export type KddFamily = 'Normal' | 'DoS' | 'Probe' | 'R2L' | 'U2R';

export const KDD_FAMILIES: Readonly<Record<KddFamily, readonly string[]>> = {
  Normal: ['normal'],
  DoS: ['back', 'land', 'neptune', 'pod', 'smurf', 'teardrop', 'apache2', 'mailbomb', 'processtable', 'udpstorm', 'worm'],
  Probe: ['ipsweep', 'nmap', 'portsweep', 'satan', 'mscan', 'saint'],
  R2L: [
    'ftp_write', 'guess_passwd', 'imap', 'multihop', 'phf', 'spy', 'warezclient', 'warezmaster', 'sendmail', 'named',
    'snmpgetattack', 'snmpguess', 'xlock', 'xsnoop', 'httptunnel',
  ],
  U2R: ['buffer_overflow', 'loadmodule', 'perl', 'rootkit', 'ps', 'sqlattack', 'xterm'],
};

const FAMILY_OF: ReadonlyMap<string, KddFamily> = new Map(
  (Object.entries(KDD_FAMILIES) as [KddFamily, readonly string[]][]).flatMap(([fam, names]) => names.map((n) => [n, fam] as [string, KddFamily])),
);

/** The family of an attack name (case and a KDD'99 final dot ignored), or undefined. */
export function kddFamily(attack: string): KddFamily | undefined {
  return FAMILY_OF.get(attackName(attack) ?? '');
}

/** An attack name as stored: trimmed, KDD'99's final dot removed, lower case; null when empty. */
function attackName(raw: string): string | null {
  const t = raw.trim().toLowerCase();
  const s = t.endsWith('.') ? t.slice(0, -1) : t;
  return s === '' ? null : s;
}

const PROTOCOLS = new Set(['tcp', 'udp', 'icmp']);

/** Whether a first record looks like NSL-KDD / KDD'99 (by shape: there is no header). */
export function looksLikeKdd(first: readonly string[]): boolean {
  if (first.length !== 42 && first.length !== 43) return false;
  return /^\s*\d+(\.\d*)?\s*$/.test(first[0]) && PROTOCOLS.has(first[1].trim().toLowerCase()) && !/^[\d.\s-]*$/.test(first[41]);
}

export function nslKddReader(): FormatReader {
  return {
    format: 'nsl-kdd',
    hasHeader: () => false,
    planFile: planKdd,
  };
}

function planKdd(start: FileStart): TablePlan {
  const n = start.fieldCount;
  if (n !== 42 && n !== 43) {
    throw new InputError(
      { file: start.file, line: start.sample.count > start.sampleFrom ? start.sample.line[start.sampleFrom] : 1 },
      `an NSL-KDD/KDD'99 record has 42 fields (41 features and the attack name) or 43 (and the difficulty), found ${n}`,
    );
  }
  const columns: PlanColumn[] = KDD_FEATURES.map((name, field) => ({
    type: 'parsed',
    name,
    role: 'feature',
    field,
    parse: KDD_CATEGORICAL.has(name) ? 'text' : 'number',
  }));
  columns.push({ type: 'parsed', name: 'attack', role: 'label', field: 41, parse: 'text', normalise: attackName });
  columns.push({
    type: 'derived',
    name: 'family',
    role: 'label',
    from: ['attack'],
    derive: (get, ctx) => {
      const attack = get('attack');
      if (attack.kind === 'categorical') {
        const missing = attack.codes.indexOf(-1);
        if (missing >= 0) throw new InputError(ctx.place(missing, 'attack'), 'the attack name (field 42) is empty');
      }
      return mapCategories(attack, 'family', 'label', (v) => FAMILY_OF.get(v), ctx, (v) =>
        `unknown attack name ${quoteField(v)}: it is in no NSL-KDD/KDD'99 family (Normal, DoS, Probe, R2L, U2R); check field 42 of this line`,
      );
    },
  });
  columns.push({
    type: 'derived',
    name: 'binary',
    role: 'label',
    from: ['attack'],
    derive: (get) => binaryFrom(get('attack'), (v) => v === 'normal'),
  });
  if (n === 43) columns.push({ type: 'parsed', name: 'difficulty', role: 'meta', field: 42, parse: 'number' });
  return {
    format: 'nsl-kdd',
    fieldCount: n,
    columns,
    defaultTarget: 'family',
    normalValues: { family: 'Normal', attack: 'normal', binary: 'normal' },
  };
}
