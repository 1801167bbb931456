/**
 * The `respond:` section of the configuration: how findings and risky sources become decisions.
 *
 *   respond:
 *     apply: false                 # dry run by default: decisions are recorded as simulated
 *     severity: { critical: 0.99999, high: 0.9999, medium: 0.999, low: 0.8 }   # source risk ≥ value
 *     intelSeverity: { critical: 90, high: 75, medium: 50, low: 25 }        # threat score 0–100 ≥ value
 *     rules: { port-scan.vertical: high }   # a rule's finding lifts its source to at least this
 *     actions: { critical: [ban, alert], high: [ban, alert], medium: [alert], low: [] }
 *     duration: { critical: 24h, high: 4h, medium: 1h, low: 1h }
 *     suppress: 1h                 # one decision per address, type and reason within this window
 *     notifyManual: true           # a decision added or deleted by hand (CLI, API) is announced on the channels
 *     banTargets: false            # a host another source scanned/brute-forced/flooded is alerted on,
 *                                  # not banned, unless it has a rule finding or intel of its own
 *     banSelfFitted: false         # a source whose only evidence is the risk of an analysis without a
 *                                  # baseline (detectors fitted on the traffic judged) is alerted on,
 *                                  # not banned, unless a rule finding, intel or a classifier backs it
 *     banFloodSenders: false       # a source known only as one of many senders towards a flooded host
 *                                  # (every risky flow of it held back by the target's flow-alert limit,
 *                                  # its analyze alert folded) is neither banned nor alerted on: a flood
 *                                  # from forged addresses sends from random ones
 *     allowlist: [192.0.2.0/24, backup.example.org]
 *     allowlistDefaults: true      # loopback, own addresses, default gateways, resolvers
 *     gateways: [10.0.0.1]
 *     resolvers: [10.0.0.53]
 *
 * Seed 000's behaviour (block and mail every source above 0.8) is `severity.low: 0.8` with
 * `actions.low: [ban, alert]`. Environment: NETSENTINEL_RESPOND_APPLY, NETSENTINEL_RESPOND_SUPPRESS,
 * NETSENTINEL_RESPOND_ALLOWLIST (comma-separated), ... over the file.
 */
import { UserError } from '../util/errors.js';
import { SectionReader, type Env } from './config-reader.js';
import { DECISION_TYPES, SEVERITIES, parseDuration, severityFromSuricata, type DecisionSeverity, type DecisionType } from './decision.js';

export interface RespondConfig {
  readonly apply: boolean;
  /** source risk at or above which each severity starts */
  readonly severity: Readonly<Record<DecisionSeverity, number>>;
  /** threat-intel score (0–100) at or above which each severity starts */
  readonly intelSeverity: Readonly<Record<DecisionSeverity, number>>;
  /** rule id → the least severity its finding gives its source (else from the finding's own severity) */
  readonly rules: Readonly<Record<string, DecisionSeverity | 'ignore'>>;
  readonly actions: Readonly<Record<DecisionSeverity, readonly DecisionType[]>>;
  /** seconds */
  readonly duration: Readonly<Record<DecisionSeverity, number>>;
  /** seconds */
  readonly suppress: number;
  /** announce decisions added by hand (decisions add, POST /v1/decisions) on the notify channels */
  readonly notifyManual: boolean;
  /** ban a victim (the target of another source's scan, brute force or flood) on its risk alone */
  readonly banTargets: boolean;
  /** ban a source on the risk of a self-fitted analysis (no baseline) with nothing else to back it */
  readonly banSelfFitted: boolean;
  /** ban and alert on a flood sender (analyze's `floodSender`) on its risk alone */
  readonly banFloodSenders: boolean;
  readonly allowlist: readonly string[];
  readonly allowlistDefaults: boolean;
  readonly gateways: readonly string[];
  readonly resolvers: readonly string[];
}

export const DEFAULT_RESPOND_CONFIG: RespondConfig = {
  apply: false,
  severity: { critical: 0.99999, high: 0.9999, medium: 0.999, low: 0.8 },
  intelSeverity: { critical: 90, high: 75, medium: 50, low: 25 },
  rules: {},
  actions: { critical: ['ban', 'alert'], high: ['ban', 'alert'], medium: ['alert'], low: [] },
  duration: { critical: 86400, high: 14400, medium: 3600, low: 3600 },
  suppress: 3600,
  notifyManual: true,
  banTargets: false,
  banSelfFitted: false,
  banFloodSenders: false,
  allowlist: [],
  allowlistDefaults: true,
  gateways: [],
  resolvers: [],
};

const KNOWN = ['apply', 'severity', 'intelSeverity', 'rules', 'actions', 'duration', 'suppress', 'notifyManual', 'banTargets', 'banSelfFitted', 'banFloodSenders', 'allowlist', 'allowlistDefaults', 'gateways', 'resolvers'];

export function respondConfigFrom(section: unknown, env: Env = {}, file = 'configuration'): RespondConfig {
  const r = new SectionReader(section, env, file, 'respond', KNOWN);
  const d = DEFAULT_RESPOND_CONFIG;
  const perSeverity = <T>(key: string, def: Readonly<Record<DecisionSeverity, T>>, read: (v: unknown, where: string) => T): Record<DecisionSeverity, T> => {
    const m = r.mapping(key, SEVERITIES);
    const out = { ...def } as Record<DecisionSeverity, T>;
    for (const s of SEVERITIES) if (m[s] !== undefined) out[s] = read(m[s], `${file}: respond.${key}.${s}`);
    return out;
  };
  const severity = perSeverity('severity', d.severity, (v, where) => {
    if (typeof v !== 'number' || !(v > 0 && v <= 1)) throw new UserError(`${where} must be a risk in (0, 1], got ${JSON.stringify(v)}`);
    return v;
  });
  const intelSeverity = perSeverity('intelSeverity', d.intelSeverity, (v, where) => {
    if (typeof v !== 'number' || !(v > 0 && v <= 100)) throw new UserError(`${where} must be a threat score in (0, 100], got ${JSON.stringify(v)}`);
    return v;
  });
  for (const [key, t] of [['severity', severity], ['intelSeverity', intelSeverity]] as const) {
    for (let i = 1; i < SEVERITIES.length; i++) {
      if (t[SEVERITIES[i]] > t[SEVERITIES[i - 1]]) {
        throw new UserError(`${file}: respond.${key}.${SEVERITIES[i]} (${t[SEVERITIES[i]]}) must not exceed respond.${key}.${SEVERITIES[i - 1]} (${t[SEVERITIES[i - 1]]})`);
      }
    }
  }
  const actions = perSeverity('actions', d.actions, (v, where) => {
    const list = typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v;
    if (!Array.isArray(list)) throw new UserError(`${where} must be a list of actions (${DECISION_TYPES.join(', ')}), got ${JSON.stringify(v)}`);
    for (const a of list) if (!DECISION_TYPES.includes(a as DecisionType)) throw new UserError(`${where}: unknown action ${JSON.stringify(a)} (known: ${DECISION_TYPES.join(', ')})`);
    return [...new Set(list as DecisionType[])];
  });
  const duration = perSeverity('duration', d.duration, (v, where) => parseDuration(v as string | number, where));
  const rulesIn = r.raw('rules');
  const rules: Record<string, DecisionSeverity | 'ignore'> = {};
  if (rulesIn && rulesIn.where.startsWith(file)) {
    const v = rulesIn.value;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new UserError(`${rulesIn.where} must map rule ids to a severity`);
    for (const [id, s] of Object.entries(v)) {
      const val = typeof s === 'number' ? severityFromSuricata(s) : s;
      if (val !== 'ignore' && !SEVERITIES.includes(val as DecisionSeverity)) throw new UserError(`${rulesIn.where}.${id} must be one of ${[...SEVERITIES, 'ignore'].join(', ')}, got ${JSON.stringify(s)}`);
      rules[id] = val as DecisionSeverity | 'ignore';
    }
  }
  return {
    apply: r.boolean('apply', d.apply),
    severity,
    intelSeverity,
    rules,
    actions,
    duration,
    suppress: r.duration('suppress', d.suppress),
    notifyManual: r.boolean('notifyManual', d.notifyManual),
    banTargets: r.boolean('banTargets', d.banTargets),
    banSelfFitted: r.boolean('banSelfFitted', d.banSelfFitted),
    banFloodSenders: r.boolean('banFloodSenders', d.banFloodSenders),
    allowlist: r.list('allowlist', d.allowlist),
    allowlistDefaults: r.boolean('allowlistDefaults', d.allowlistDefaults),
    gateways: r.list('gateways', d.gateways),
    resolvers: r.list('resolvers', d.resolvers),
  };
}
