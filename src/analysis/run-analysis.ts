/**
 * The main job: judge a network's traffic. Flow files are streamed in batches (bounded memory
 * whatever their size); each batch is scored by the baseline's detectors (and a classifier when
 * given), fused into a risk per flow, written out, and fed to the behavioural rules; per-source
 * aggregates grow as it goes. At the end the rules' findings join the per-IP evidence, and the
 * outputs are written: flows_scored.csv, risky_ips.csv/.txt, alerts.jsonl (Suricata EVE),
 * risk_scores.png, report.html, summary.json; alerts go to the store, deduplicated.
 *
 * Detection only: nothing here blocks, mails or uploads. That is the policy's and the actions' job.
 */
import { mkdirSync } from 'node:fs';
import { openOutput, type OutputStream } from '../util/output-stream.js';
import { join } from 'node:path';
import type { FlowTable } from '../flows/table.js';
import { flowFields, type FlowFields } from '../flows/flow-fields.js';
import { streamDataset, readDataset, type ReadOptions } from '../sources/read-dataset.js';
import { fitBaseline, type Baseline } from '../risk/baseline.js';
import { createFlowScorer, type FlowScorer, type ScoringWeights } from '../risk/flow-scorer.js';
import { rowExplainer } from '../risk/column-stats.js';
import { addFlow, ipRisk, newIpAggregate, zOf, type Evidence, type IpAggregate } from '../risk/fusion.js';
import { binaryTruthOrUndefined } from '../risk/labels.js';
import { createRuleEngine } from '../detect/run-rules.js';
import type { Finding, RuleStatus } from '../detect/finding.js';
import { compareFindings, suricataCategory } from '../detect/finding.js';
import type { RulesConfigInput } from '../detect/rules-config.js';
import type { TrainedModel } from '../models/trained-model.js';
import type { AlertStore, StoredAlert } from '../store/alert-store.js';
import { alertKey, eveAlert, protoName, type EveAlertInput } from '../report/eve-alert.js';
import { ZHistogram } from './z-histogram.js';
import { Reservoir } from './reservoir.js';
import { csvCell } from '../report/csv.js';

export interface AnalysisOptions {
  readonly inputs: readonly string[];
  readonly read: ReadOptions;
  /** a fitted baseline; without one the detectors are fitted on the input itself (weaker) */
  readonly baseline?: Baseline;
  readonly baselineFile?: string;
  readonly classifier?: TrainedModel;
  readonly classifierFile?: string;
  readonly rules?: RulesConfigInput;
  readonly weights?: ScoringWeights & { readonly rules?: number };
  /** flows at or above this risk become alerts */
  readonly flowThreshold: number;
  /** sources at or above this risk are listed in risky_ips */
  readonly ipThreshold: number;
  /** a flow at or above this risk is judged an attack in flows_scored.csv's verdict column */
  readonly verdictThreshold?: number;
  readonly outDir: string;
  readonly store?: AlertStore;
  readonly batchRows?: number;
  readonly seed?: number;
  readonly threads?: number;
  /** most flow alerts written (the riskiest are kept beyond this by a per-batch cut) */
  readonly maxFlowAlerts?: number;
  readonly charts?: (kind: 'risk', data: { risks: Float64Array; threshold: number; sampled: boolean; total: number }, path: string) => Promise<boolean>;
  readonly report?: (a: AnalysisResult, path: string) => Promise<void>;
  readonly progress?: {
    start(label: string, total?: number, unit?: string): void;
    update(done: number, total?: number): void;
    done(message?: string): void;
    note(message: string): void;
  };
}

export interface IpRow {
  readonly ip: string;
  readonly risk: number;
  readonly flows: number;
  readonly peakFlowRisk: number;
  readonly meanFlowRisk: number;
  readonly riskyFlows: number;
  readonly decidedBy: string;
  readonly detectorsFired: Readonly<Record<string, number>>;
  readonly attackClasses: Readonly<Record<string, number>>;
  readonly rules: readonly string[];
  readonly firstSeen: string | null;
  readonly lastSeen: string | null;
  readonly reasons: readonly string[];
}

export interface AnalysisResult {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly seconds: number;
  readonly inputs: readonly string[];
  readonly flows: number;
  readonly mode: 'baseline' | 'self-fitted';
  readonly modeNote: string;
  readonly baseline: { readonly file?: string; readonly detectors: readonly string[]; readonly fittedOn: string; readonly rows: number };
  readonly classifier?: { readonly file?: string; readonly estimator: string; readonly classes: readonly string[] };
  readonly riskyFlows: number;
  readonly riskyIps: readonly IpRow[];
  readonly ipCount: number;
  readonly findings: readonly Finding[];
  readonly ruleStatus: readonly RuleStatus[];
  readonly inputNotes: readonly string[];
  readonly alerts: { readonly written: number; readonly stored?: number; readonly duplicates?: number; readonly store?: string };
  /** when the input carries labels: how well the fused flow risk separates normal from attack */
  readonly quality?: { readonly labelledFlows: number; readonly attacks: number; readonly rocAuc: number; readonly precisionAtThreshold: number; readonly recallAtThreshold: number; readonly accuracyAtVerdict: number; readonly falsePositiveRateAtVerdict: number; readonly recallAtVerdict: number };
  readonly thresholds: { readonly flow: number; readonly ip: number; readonly verdict: number };
  readonly outputs: Readonly<Record<string, string>>;
  /** top flows by risk with their reasons, for the report */
  readonly topFlows: readonly { readonly file: string; readonly line: number; readonly srcIp: string; readonly dstIp: string; readonly dstPort: number | null; readonly risk: number; readonly reasons: readonly string[] }[];
}

interface IpState extends IpAggregate {
  fired: Map<string, number>;
  classes: Map<string, number>;
  risky: number;
}

const FIRED_P = 0.99;
const RULE_P: Record<number, number> = { 1: 0.99999, 2: 0.9999, 3: 0.999, 4: 0.99 };

export async function runAnalysis(o: AnalysisOptions): Promise<AnalysisResult> {
  const startedAt = new Date();
  const t0 = performance.now();
  mkdirSync(o.outDir, { recursive: true });
  const progress = o.progress;
  let baseline = o.baseline;
  let mode: AnalysisResult['mode'] = 'baseline';
  let modeNote = `detectors fitted on known-normal traffic (${o.baselineFile ?? 'baseline'}), calibrated on held-out baseline rows`;
  let preloaded: FlowTable | undefined;
  if (!baseline) {
    // the seeds' way: fit on the very traffic being judged. Kept for when nothing else exists.
    mode = 'self-fitted';
    modeNote =
      'NO BASELINE: the detectors were fitted on the traffic being judged, so attacks that are common in it look normal. ' +
      "This is weaker; fit a baseline on known-normal traffic with 'netsentinel baseline' and pass --baseline.";
    progress?.start('reading (whole input, to fit detectors on it)', undefined, 'bytes');
    preloaded = await readDataset([...o.inputs], { ...o.read, progress: (d, t) => progress?.update(d, t) });
    progress?.done(`read ${preloaded.rowCount.toLocaleString('en-US')} flows`);
    progress?.start('fitting detectors on the input itself');
    baseline = await fitBaseline(preloaded, { normalOnly: false, seed: o.seed, threads: o.threads, progress: (_s, d, t) => progress?.update(d, t) });
    progress?.done(`fitted ${baseline.detectors.map((d) => d.model.estimator.name).join(', ')}`);
  }
  const scorer = createFlowScorer(baseline, o.classifier, { ...o.weights, rules: ruleWeightFor(o) });
  const detectorNames = scorer.detectors;
  const engine = createRuleEngine(o.rules ?? {});
  const ruleWeight = o.weights?.rules ?? 1;
  const flowsPath = join(o.outDir, 'flows_scored.csv');
  const alertsPath = join(o.outDir, 'alerts.jsonl');
  const flowsOut = await openOutput(flowsPath, 'analyze');
  const alertsOut = await openOutput(alertsPath, 'analyze');
  const write = (s: OutputStream, text: string): Promise<void> => s.write(text);
  const ips = new Map<string, IpState>();
  const drained: Finding[] = [];
  const closedBySource = new Map<string, { severity: number; first: number; last: number }[]>();
  const hist = new ZHistogram();
  const sample = new Reservoir(20000, o.seed ?? 42);
  const top: AnalysisResult['topFlows'][number][] = [];
  const now = Date.now();
  const storeBuffer: StoredAlert[] = [];
  let stored = 0;
  let duplicates = 0;
  let runId: number | undefined;
  if (o.store) {
    runId = await o.store.saveRun({ startedAt: startedAt.toISOString(), finishedAt: startedAt.toISOString(), inputs: o.inputs, flows: 0, alerts: 0, summary: { state: 'running' } });
  }
  const flush = async (): Promise<void> => {
    if (o.store && runId !== undefined && storeBuffer.length) {
      const r = await o.store.saveAlerts(runId, storeBuffer.splice(0));
      stored += r.inserted;
      duplicates += r.duplicates;
    }
  };
  let alertsWritten = 0;
  const maxFlowAlerts = o.maxFlowAlerts ?? 100_000;
  let flowAlerts = 0;
  let rows = 0;
  let riskyFlows = 0;
  let labelled = 0;
  let attacks = 0;
  let tp = 0;
  let fp = 0;
  let vtp = 0;
  let vfp = 0;
  const verdictAt = o.verdictThreshold ?? 0.95;
  let headerDone = false;

  const pendingAlerts: string[] = [];
  const flushAlerts = async (): Promise<void> => {
    if (pendingAlerts.length) await write(alertsOut, pendingAlerts.splice(0).join(''));
  };
  const emit = async (input: EveAlertInput, extraKey = ''): Promise<void> => {
    const rec = eveAlert(input, now);
    pendingAlerts.push(JSON.stringify(rec) + '\n');
    alertsWritten++;
    if (o.store) {
      storeBuffer.push({
        key: alertKey(input, extraKey),
        timestamp: rec.timestamp as string,
        signature: input.signature,
        category: input.category,
        severity: input.severity,
        srcIp: input.srcIp,
        srcPort: input.srcPort,
        destIp: input.destIp,
        destPort: input.destPort,
        proto: protoName(input.proto),
        risk: Number((input.netsentinel.risk as number | undefined) ?? 0),
        reasons: (input.netsentinel.reasons as string[] | undefined) ?? [],
        record: rec,
      });
      if (storeBuffer.length >= 2000) await flush();
    }
  };

  const batches: AsyncIterable<FlowTable> = preloaded
    ? (async function* () {
        yield preloaded;
      })()
    : streamDataset([...o.inputs], { ...o.read, batchRows: o.batchRows ?? 65536, progress: (d, t) => progress?.update(d, t) });
  progress?.start('analysing', undefined, 'bytes');
  for await (const batch of batches) {
    const where = batch.origin?.files[0];
    const ff = flowFields(batch);
    // rules first, so a flow's risk can include what its source was doing at the time
    engine.observe(batch, ff);
    for (const f of engine.drain()) {
      drained.push(f);
      if (!f.srcIp) continue;
      const first = f.firstSeen ? Date.parse(f.firstSeen) : -Infinity;
      const last = f.lastSeen ? Date.parse(f.lastSeen) : Infinity;
      const list = closedBySource.get(f.srcIp) ?? [];
      list.push({ severity: f.severity, first, last });
      closedBySource.set(f.srcIp, list);
    }
    const active = engine.activeSources();
    const ruleP = new Float64Array(batch.rowCount);
    if (ff.srcIp && (active.size || closedBySource.size)) {
      const codes = ff.srcIp.codes;
      const dict = ff.srcIp.dictionary;
      const perCode = new Float64Array(dict.length).fill(-1);
      for (let r = 0; r < batch.rowCount; r++) {
        const c = codes[r];
        if (c < 0) continue;
        if (perCode[c] < 0) {
          const a = active.get(dict[c]);
          perCode[c] = a ? (RULE_P[a.severity] ?? 0.99) : 0;
        }
        let p = perCode[c];
        const closed = closedBySource.get(dict[c]);
        if (closed) {
          const t = ff.time ? ff.time[r] : NaN;
          for (const e of closed) {
            // a flow during (or within a minute of) a closed finding of its source
            if (!(t === t) || (t >= e.first - 60_000 && t <= e.last + 60_000)) p = Math.max(p, RULE_P[e.severity] ?? 0.99);
          }
        }
        ruleP[r] = p;
      }
    }
    const scored = scorer.score(batch, where, ruleP);
    const truth = binaryTruthOrUndefined(batch);
    const explain = rowExplainer(baseline.columns, batch, 3);
    const rawCols = detectorNames.map((d) => scored.raw.get(d)!);
    const pCols = detectorNames.map((d) => scored.p.get(d)!);
    if (!headerDone) {
      const cols = ['file', 'line', 'time', 'src_ip', 'src_port', 'dst_ip', 'dst_port', 'proto'];
      for (const d of detectorNames) cols.push(`${d}_score`, `${d}_p`);
      if (o.classifier) cols.push('class', 'class_probability', 'p_attack');
      cols.push('risk', 'verdict', 'reasons');
      if (truth) cols.push('label_attack');
      await write(flowsOut, cols.join(',') + '\n');
      headerDone = true;
    }
    const lines: string[] = [];
    let lastFileIdx = -2;
    let fileCell = '';
    for (let r = 0; r < batch.rowCount; r++) {
      const risk = scored.risk[r];
      const z = scored.z[r];
      const src = ipAt(ff, 'srcIp', r);
      const dst = ipAt(ff, 'dstIp', r);
      const time = ff.time ? ff.time[r] : NaN;
      let reasons: string[] = [];
      const fired: string[] = [];
      for (let j = 0; j < pCols.length; j++) if (pCols[j][r] >= FIRED_P) fired.push(detectorNames[j]);
      const cls = scored.predictedClass?.[r];
      const attackClass = cls !== undefined && o.classifier?.normalClass !== undefined && cls !== o.classifier.normalClass ? cls : undefined;
      if (risk >= o.flowThreshold) {
        riskyFlows++;
        reasons = flowReasons(explain, r, scored, detectorNames, attackClass);
      }
      if (src !== null) {
        let st = ips.get(src);
        if (!st) {
          st = { ...newIpAggregate(), fired: new Map(), classes: new Map(), risky: 0 };
          ips.set(src, st);
        }
        addFlow(st, z, risk, time);
        for (const f of fired) st.fired.set(f, (st.fired.get(f) ?? 0) + 1);
        if (attackClass) st.classes.set(attackClass, (st.classes.get(attackClass) ?? 0) + 1);
        if (risk >= o.flowThreshold) st.risky++;
      }
      if (truth) {
        labelled++;
        hist.add(z, truth[r]);
        if (truth[r]) attacks++;
        if (risk >= o.flowThreshold) {
          if (truth[r]) tp++;
          else fp++;
        }
        if (risk >= verdictAt) {
          if (truth[r]) vtp++;
          else vfp++;
        }
      }
      sample.add(risk);
      const fileIdx = batch.origin ? batch.origin.file[r] : -1;
      const file = fileIdx >= 0 ? batch.origin!.files[fileIdx] : (where ?? '');
      if (fileIdx !== lastFileIdx) {
        lastFileIdx = fileIdx;
        fileCell = csvCell(file);
      }
      const line = batch.origin ? batch.origin.line[r] : rows + r + 1;
      let row = `${fileCell},${line},${Number.isFinite(time) ? new Date(time).toISOString() : ''},${src ?? ''},${numCell(ff.srcPort?.[r])},${dst ?? ''},${numCell(ff.dstPort?.[r])},${protoName(ff.proto ? ff.proto[r] : null) ?? ''}`;
      for (let j = 0; j < rawCols.length; j++) row += `,${fmt(rawCols[j][r])},${fmt(pCols[j][r])}`;
      if (o.classifier) row += `,${csvCell(cls ?? '')},${fmt(scored.classProbability![r])},${scored.pAttack ? fmt(scored.pAttack[r]) : ''}`;
      row += `,${fmt(risk)},${risk >= verdictAt ? 'attack' : 'normal'},${reasons.length ? csvCell(reasons.join('; ')) : ''}`;
      if (truth) row += `,${truth[r]}`;
      lines.push(row);
      if (risk >= o.flowThreshold) {
        if (top.length < 50 || risk > top[top.length - 1].risk) {
          top.push({ file, line, srcIp: src ?? '', dstIp: dst ?? '', dstPort: ff.dstPort ? ff.dstPort[r] : null, risk, reasons });
          top.sort((a, b) => b.risk - a.risk);
          if (top.length > 50) top.pop();
        }
        if (flowAlerts < maxFlowAlerts) {
          flowAlerts++;
          await emit(
            {
              timeMs: Number.isFinite(time) ? time : null,
              srcIp: src,
              srcPort: ff.srcPort ? ff.srcPort[r] : null,
              destIp: dst,
              destPort: ff.dstPort ? ff.dstPort[r] : null,
              proto: ff.proto ? ff.proto[r] : null,
              signature: attackClass ? `netsentinel: risky flow (${attackClass})` : 'netsentinel: risky flow',
              source: 'risk:flow',
              category: attackClass ? 'Detected attack by classifier' : 'Anomalous traffic',
              severity: risk >= 0.99999 ? 1 : risk >= 0.9999 ? 2 : 3,
              netsentinel: { risk: round(risk), z: round(z), reasons, detectors: Object.fromEntries(detectorNames.map((d) => [d, round(scored.p.get(d)![r])])), file, line },
            },
            `${file}:${line}`,
          );
        }
      }
    }
    await write(flowsOut, lines.join('\n') + (lines.length ? '\n' : ''));
    await flushAlerts();
    rows += batch.rowCount;
  }
  progress?.done(`analysed ${rows.toLocaleString('en-US')} flows`);
  const finished = engine.finish();
  const ruleResult = { ...finished, findings: [...drained, ...finished.findings].sort(compareFindings) };
  // findings as evidence about sources, and as alerts
  const bySource = new Map<string, Finding[]>();
  for (const f of ruleResult.findings) {
    if (f.srcIp) {
      const list = bySource.get(f.srcIp) ?? [];
      list.push(f);
      bySource.set(f.srcIp, list);
    }
    await emit({
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
      netsentinel: { risk: RULE_P[f.severity] ?? 0.99, rule: f.ruleId, reasons: [f.reason], evidence: f.evidence, count: f.count, firstSeen: f.firstSeen, lastSeen: f.lastSeen, targets: f.targets },
    });
  }
  const allIps: IpRow[] = [];
  for (const [ip, st] of ips) {
    const findings = bySource.get(ip) ?? [];
    const ev: Evidence[] = findings.map((f) => ({ source: `rule:${f.ruleId}`, p: RULE_P[f.severity] ?? 0.99, weight: ruleWeight }));
    const r = ipRisk(st, ev);
    allIps.push(ipRow(ip, st, r, findings));
  }
  // sources that only rules saw (no scored flows from them cannot happen, but keep it total)
  for (const [ip, findings] of bySource) {
    if (ips.has(ip)) continue;
    const st = { ...newIpAggregate(), fired: new Map(), classes: new Map(), risky: 0 };
    const ev: Evidence[] = findings.map((f) => ({ source: `rule:${f.ruleId}`, p: RULE_P[f.severity] ?? 0.99, weight: ruleWeight }));
    allIps.push(ipRow(ip, st, ipRisk(st, ev), findings));
  }
  allIps.sort((a, b) => b.risk - a.risk || a.ip.localeCompare(b.ip));
  const risky = allIps.filter((r) => r.risk >= o.ipThreshold);
  for (const r of risky) {
    await emit({
      timeMs: r.firstSeen ? Date.parse(r.firstSeen) : null,
      srcIp: r.ip,
      srcPort: null,
      destIp: null,
      destPort: null,
      proto: null,
      signature: 'netsentinel: risky source',
      source: 'risk:ip',
      category: 'Anomalous traffic',
      severity: r.risk >= 0.99999 ? 1 : r.risk >= 0.9999 ? 2 : 3,
      netsentinel: { risk: round(r.risk), reasons: r.reasons, flows: r.flows, riskyFlows: r.riskyFlows, peakFlowRisk: round(r.peakFlowRisk), decidedBy: r.decidedBy, lastSeen: r.lastSeen },
    }, `${r.lastSeen ?? ''}`);
  }
  await flush();
  await flushAlerts();
  await flowsOut.close();
  await alertsOut.close();

  const outputs: Record<string, string> = { flows: flowsPath, alerts: alertsPath };
  outputs.riskyIpsCsv = join(o.outDir, 'risky_ips.csv');
  outputs.riskyIpsTxt = join(o.outDir, 'risky_ips.txt');
  const { writeRiskyIps } = await import('../report/risky-ips.js');
  await writeRiskyIps(risky, outputs.riskyIpsCsv, outputs.riskyIpsTxt);
  if (o.charts) {
    const png = join(o.outDir, 'risk_scores.png');
    if (await o.charts('risk', { risks: sample.values(), threshold: o.flowThreshold, sampled: sample.sampled, total: rows }, png)) outputs.riskChart = png;
  }
  let quality: AnalysisResult['quality'];
  if (labelled > 0 && attacks > 0 && attacks < labelled) {
    quality = {
      labelledFlows: labelled,
      attacks,
      rocAuc: hist.auc(),
      precisionAtThreshold: tp + fp > 0 ? tp / (tp + fp) : 0,
      recallAtThreshold: tp / attacks,
      // normal flows judged normal are right too: (tp + tn) / n
      accuracyAtVerdict: (vtp + (labelled - attacks - vfp)) / labelled,
      falsePositiveRateAtVerdict: vfp / (labelled - attacks),
      recallAtVerdict: vtp / attacks,
    };
  }
  const finishedAt = new Date();
  const result: AnalysisResult = {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    seconds: (performance.now() - t0) / 1000,
    inputs: o.inputs,
    flows: rows,
    mode,
    modeNote,
    baseline: { file: o.baselineFile, detectors: detectorNames, fittedOn: baseline.fittedOn, rows: baseline.fitRows + baseline.calibrationRows },
    classifier: o.classifier ? { file: o.classifierFile, estimator: o.classifier.estimator.name, classes: o.classifier.classes ?? [] } : undefined,
    riskyFlows,
    riskyIps: risky,
    ipCount: allIps.length,
    findings: ruleResult.findings,
    ruleStatus: ruleResult.status,
    inputNotes: ruleResult.inputNotes,
    alerts: { written: alertsWritten, stored: o.store ? stored : undefined, duplicates: o.store ? duplicates : undefined, store: o.store?.where },
    quality,
    thresholds: { flow: o.flowThreshold, ip: o.ipThreshold, verdict: verdictAt },
    outputs,
    topFlows: top,
  };
  if (o.report) {
    outputs.report = join(o.outDir, 'report.html');
    await o.report(result, outputs.report);
  }
  outputs.summary = join(o.outDir, 'summary.json');
  const { writeFile } = await import('node:fs/promises');
  await writeFile(outputs.summary, JSON.stringify(summaryJson(result), null, 2) + '\n');
  if (o.store && runId !== undefined) {
    await o.store.saveRun({ startedAt: result.startedAt, finishedAt: result.finishedAt, inputs: o.inputs, flows: rows, alerts: alertsWritten, summary: summaryJson(result) });
  }
  return result;
}

function ruleWeightFor(o: AnalysisOptions): number {
  return o.weights?.rules ?? 1;
}

export function summaryJson(r: AnalysisResult): Record<string, unknown> {
  return {
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    seconds: round(r.seconds),
    inputs: r.inputs,
    flows: r.flows,
    mode: r.mode,
    modeNote: r.modeNote,
    baseline: r.baseline,
    classifier: r.classifier,
    thresholds: r.thresholds,
    riskyFlows: r.riskyFlows,
    sources: r.ipCount,
    riskyIps: r.riskyIps.map((i) => ({ ...i, risk: round(i.risk), peakFlowRisk: round(i.peakFlowRisk), meanFlowRisk: round(i.meanFlowRisk) })),
    findings: r.findings.length,
    findingsByRule: countBy(r.findings.map((f) => f.ruleId)),
    ruleStatus: r.ruleStatus,
    inputNotes: r.inputNotes,
    alerts: r.alerts,
    quality: r.quality ? { ...r.quality, rocAuc: round(r.quality.rocAuc) } : undefined,
    outputs: r.outputs,
  };
}

function countBy(xs: readonly string[]): Record<string, number> {
  const o: Record<string, number> = {};
  for (const x of xs) o[x] = (o[x] ?? 0) + 1;
  return o;
}

function ipRow(ip: string, st: IpState, r: ReturnType<typeof ipRisk>, findings: readonly Finding[]): IpRow {
  const reasons: string[] = [];
  for (const f of findings) reasons.push(f.reason);
  if (st.risky) reasons.push(`${st.risky} of ${st.flows} flows above the flow risk threshold (peak ${st.maxRisk.toFixed(4)})`);
  const fired = [...st.fired.entries()].sort((a, b) => b[1] - a[1]);
  if (fired.length) reasons.push(`detectors fired: ${fired.map(([d, n]) => `${d} on ${n} flows`).join(', ')}`);
  const classes = [...st.classes.entries()].sort((a, b) => b[1] - a[1]);
  if (classes.length) reasons.push(`classifier: ${classes.map(([c, n]) => `${c} ×${n}`).join(', ')}`);
  if (r.decidedBy === 'volume' && r.zVolume > 2) reasons.push(`many mildly unusual flows add up (volume z ${r.zVolume.toFixed(1)} over ${st.flows} flows)`);
  return {
    ip,
    risk: r.risk,
    flows: st.flows,
    peakFlowRisk: st.maxRisk,
    meanFlowRisk: st.flows ? st.sumRisk / st.flows : 0,
    riskyFlows: st.risky,
    decidedBy: r.decidedBy,
    detectorsFired: Object.fromEntries(fired),
    attackClasses: Object.fromEntries(classes),
    rules: [...new Set(findings.map((f) => f.ruleId))],
    firstSeen: Number.isFinite(st.firstSeen) ? new Date(st.firstSeen).toISOString() : (findings[0]?.firstSeen ?? null),
    lastSeen: Number.isFinite(st.lastSeen) ? new Date(st.lastSeen).toISOString() : (findings[0]?.lastSeen ?? null),
    reasons,
  };
}

function flowReasons(
  explain: (r: number) => { text: string }[],
  r: number,
  scored: ReturnType<FlowScorer['score']>,
  detectors: readonly string[],
  attackClass: string | undefined,
): string[] {
  const out: string[] = [];
  const fired = detectors.filter((d) => scored.p.get(d)![r] >= FIRED_P);
  if (fired.length) out.push(`unusual for ${fired.map((d) => `${d} (above ${(scored.p.get(d)![r] * 100).toFixed(2)} % of baseline)`).join(', ')}`);
  if (attackClass) out.push(`classified as ${attackClass} (p ${scored.classProbability![r].toFixed(3)})`);
  for (const f of explain(r)) out.push(f.text);
  return out;
}

function ipAt(ff: FlowFields, k: 'srcIp' | 'dstIp', r: number): string | null {
  const f = ff[k];
  if (!f) return null;
  const c = f.codes[r];
  return c < 0 ? null : f.dictionary[c];
}

function numCell(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '' : String(v);
}

/** six significant digits, cheaply (toPrecision is slow on a hot path) */
function fmt(x: number): string {
  if (!Number.isFinite(x)) return '';
  const a = Math.abs(x);
  if (a >= 1e-4 && a < 1e15) {
    const scale = 10 ** (5 - Math.floor(Math.log10(a)));
    return String(Math.round(x * scale) / scale);
  }
  return x === 0 ? '0' : x.toPrecision(6);
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

export { zOf };
