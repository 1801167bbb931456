/**
 * The alerts an analysis raises, as Suricata EVE records with a deduplication key: one per risky
 * flow (within the per-source limit and the cap: flow-alert-limit.ts), one per finding (rule or
 * other evidence provider), one per risky source.
 * Sinks receive them in that order: flow alerts batch by batch, then findings, then sources.
 */
import type { Finding } from '../detect/finding.js';
import { suricataCategory } from '../detect/finding.js';
import type { IpRow } from '../report/analysis-result.js';
import { alertKey, eveAlert, protoName, type EveAlertInput } from '../report/eve-alert.js';
import type { StoredAlert } from '../store/alert-store.js';
import type { ScoredFlows } from './score-stage.js';
import { ruleP } from './evidence.js';
import { round6 } from './numbers.js';

export interface Alert {
  readonly input: EveAlertInput;
  /** deduplication key in the store: stable for the same thing on the same input */
  readonly key: string;
  /** the EVE record, as written to alerts.jsonl */
  readonly record: Readonly<Record<string, unknown>>;
  /** the record as one JSON line (without the newline), made once for every sink */
  readonly json: string;
}

export function makeAlert(input: EveAlertInput, extraKey: string, now: number): Alert {
  return keyedAlert(input, alertKey(input, extraKey), now);
}

/** makeAlert with its key already made (a caller that needed the key first, or keys it otherwise) */
export function keyedAlert(input: EveAlertInput, key: string, now: number): Alert {
  const record = eveAlert(input, now);
  return { input, key, record, json: JSON.stringify(record) };
}

export function storedAlert(a: Alert): StoredAlert {
  const i = a.input;
  return {
    key: a.key,
    timestamp: a.record.timestamp as string,
    signature: i.signature,
    category: i.category,
    severity: i.severity,
    srcIp: i.srcIp,
    srcPort: i.srcPort,
    destIp: i.destIp,
    destPort: i.destPort,
    proto: protoName(i.proto),
    risk: Number((i.netsentinel.risk as number | undefined) ?? 0),
    reasons: (i.netsentinel.reasons as string[] | undefined) ?? [],
    record: a.record,
    recordJson: a.json,
  };
}

const severityOfRisk = (risk: number): number => (risk >= 0.99999 ? 1 : risk >= 0.9999 ? 2 : 3);

/** The alert for row `r` of a scored batch (a flow at or above the flow threshold). */
export function flowAlert(s: ScoredFlows, r: number, now: number): Alert {
  const ff = s.fields;
  const risk = s.risk[r];
  const time = s.time(r);
  const attackClass = s.attackClass[r];
  const file = s.file(r);
  const line = s.line(r);
  // a plain loop, not Object.fromEntries over a mapped array: two arrays less per risky flow
  const detectors: Record<string, number> = {};
  for (let j = 0; j < s.detectors.length; j++) detectors[s.detectors[j]] = round6(s.p[j][r]);
  return makeAlert(
    {
      timeMs: Number.isFinite(time) ? time : null,
      srcIp: s.srcIp(r),
      srcPort: ff.srcPort ? ff.srcPort[r] : null,
      destIp: s.dstIp(r),
      destPort: ff.dstPort ? ff.dstPort[r] : null,
      proto: ff.proto ? ff.proto[r] : null,
      signature: attackClass ? `netsentinel: risky flow (${attackClass})` : 'netsentinel: risky flow',
      source: 'risk:flow',
      category: attackClass ? 'Detected attack by classifier' : 'Anomalous traffic',
      severity: severityOfRisk(risk),
      netsentinel: {
        risk: round6(risk),
        z: round6(s.z[r]),
        reasons: s.reasons[r] ?? [],
        detectors,
        file,
        line,
      },
    },
    `${file}:${line}`,
    now,
  );
}

/**
 * The findings' alerts. Two findings can be alike in everything the key hashes (the same rule and
 * source in two episodes of an input without timestamps): the second and later get an ordinal in
 * their key, so a fresh store keeps them all instead of calling them "already there", and the same
 * input analysed again still gives the same keys.
 */
export function findingAlerts(findings: readonly Finding[], now: number): Alert[] {
  const seen = new Map<string, number>();
  return findings.map((f) => {
    const a = findingAlert(f, now);
    const n = seen.get(a.key) ?? 0;
    seen.set(a.key, n + 1);
    return n === 0 ? a : findingAlert(f, now, `#${n}`);
  });
}

export function findingAlert(f: Finding, now: number, extraKey = ''): Alert {
  return makeAlert(findingAlertInput(f), extraKey, now);
}

/** findingAlert(f, any time, extraKey).key without the record (a worker keys every finding to emit each once) */
export function findingAlertKey(f: Finding, extraKey = ''): string {
  return alertKey(findingAlertInput(f), extraKey);
}

/** what a finding's alert says (findingAlert) */
export function findingAlertInput(f: Finding): EveAlertInput {
  return {
    timeMs: f.firstSeen ? Date.parse(f.firstSeen) : null,
    srcIp: f.srcIp,
    srcPort: null,
    destIp: f.targets.ips.length === 1 || f.targets.ipCount === 1 ? (f.targets.ips[0] ?? null) : null,
    destPort: f.targets.portCount === 1 ? (f.targets.ports[0] ?? null) : null,
    proto: null,
    signature: `netsentinel: ${f.title}`,
    source: `rule:${f.ruleId}`,
    category: suricataCategory(f.category),
    severity: f.severity,
    // a finding about hosts known by MAC only (Wi-Fi, an ARP poisoner with no address): Suricata's
    // own fields for them, the first of each; netsentinel.srcMacs and targets.macs list them all
    ...(f.srcMacs?.length || f.targets.macs?.length ? { ether: { ...(f.srcMacs?.length ? { src_mac: f.srcMacs[0] } : {}), ...(f.targets.macs?.length ? { dest_mac: f.targets.macs[0] } : {}) } } : {}),
    netsentinel: { risk: ruleP(f.severity), rule: f.ruleId, reasons: [f.reason], evidence: f.evidence, count: f.count, firstSeen: f.firstSeen, lastSeen: f.lastSeen, ...(f.srcMacs ? { srcMacs: f.srcMacs } : {}), targets: f.targets },
  };
}

export function sourceAlert(r: IpRow, now: number): Alert {
  return makeAlert(sourceAlertInput(r), `${r.lastSeen ?? ''}`, now);
}

/** what a source's alert says (sourceAlert) */
/**
 * One alert for the flood senders of one flooded host (risky sources known only by risky flows
 * towards it, FlowAlertGate.floodSenderRow): a stream worker folds their risky-source alerts into
 * it, as analyze folds them (there, summary.json keeps every one of them in riskyIps; a worker has
 * only its alerts, so this one counts them and names the first). No source: the addresses are
 * likely forged, and respond decides nothing on it.
 */
export function floodSendersAlertInput(target: string, rows: readonly IpRow[], sampleSize: number): EveAlertInput {
  let peak = 0;
  let flows = 0;
  let riskyFlows = 0;
  let first: string | null = null;
  let last: string | null = null;
  for (const r of rows) {
    if (r.risk > peak) peak = r.risk;
    flows += r.flows;
    riskyFlows += r.riskyFlows;
    if (r.firstSeen !== null && (first === null || r.firstSeen < first)) first = r.firstSeen;
    if (r.lastSeen !== null && (last === null || r.lastSeen > last)) last = r.lastSeen;
  }
  const n = rows.length;
  return {
    timeMs: first ? Date.parse(first) : null,
    srcIp: null,
    srcPort: null,
    destIp: target,
    destPort: null,
    proto: null,
    signature: 'netsentinel: flood senders',
    source: 'risk:flood-senders',
    category: 'Anomalous traffic',
    severity: severityOfRisk(peak),
    netsentinel: {
      risk: round6(peak),
      reasons: [
        `${n === 1 ? '1 risky source' : `${n} risky sources`} known only by risky flows towards ${target}, whose per-target flow-alert limit held flows back: ` +
          'senders of a flood, their addresses likely forged; folded into this one alert (no alert, ban or notification each)',
      ],
      floodSenders: n,
      sendersSample: rows.slice(0, sampleSize).map((r) => r.ip),
      flows,
      riskyFlows,
      lastSeen: last,
    },
  };
}

export function sourceAlertInput(r: IpRow): EveAlertInput {
  // the keys in this order, flowAlerts only with a per-source limit: assigned, not spread from a
  // temporary object inside the literal (that cost a fifth of a source alert)
  const netsentinel: Record<string, unknown> = { risk: round6(r.risk), reasons: r.reasons, flows: r.flows, riskyFlows: r.riskyFlows };
  // with a per-source limit: how many of its risky flows have their own alert, and how many were folded into this one
  if (r.flowAlerts) netsentinel.flowAlerts = r.flowAlerts;
  // one of many senders towards a flooded host, nothing else against it (a stream worker's source
  // windows; analyze folds such a source's alert): respond neither bans nor notifies on it alone
  if (r.floodSender) netsentinel.floodSender = true;
  netsentinel.peakFlowRisk = round6(r.peakFlowRisk);
  netsentinel.decidedBy = r.decidedBy;
  netsentinel.lastSeen = r.lastSeen;
  return {
    timeMs: r.firstSeen ? Date.parse(r.firstSeen) : null,
    srcIp: r.ip,
    srcPort: null,
    destIp: null,
    destPort: null,
    proto: null,
    signature: 'netsentinel: risky source',
    source: 'risk:ip',
    category: 'Anomalous traffic',
    severity: severityOfRisk(r.risk),
    netsentinel,
  };
}
