/**
 * The main job, as `analyze` runs it: judge a network's traffic. This file only composes the
 * pipeline's stages (pipeline.ts draws them) from analyze's options: flow files streamed in
 * batches (or read whole and used to fit the detectors, without a baseline), the rules, the
 * scorer (baseline detectors + optional classifier + rule evidence → risk per flow), per-source
 * aggregation with any extra evidence, and the sinks: flows_scored.csv, alerts.jsonl (Suricata
 * EVE), the store, risky_ips.csv/.txt, risk_scores.png, report.html, summary.json.
 *
 * Detection only: nothing here blocks, mails or uploads. That is the policy's and the actions' job.
 */
import type { ReadOptions } from '../sources/read-dataset.js';
import type { Baseline } from '../risk/baseline.js';
import type { ScoringWeights } from '../risk/flow-scorer.js';
import { resolveRulesConfig, type RulesConfigInput } from '../detect/rules-config.js';
import { foldSourceFindings } from '../detect/fold-source-findings.js';
import type { Finding } from '../detect/finding.js';
import type { TrainedModel } from '../models/trained-model.js';
import type { AlertStore } from '../store/alert-store.js';
import type { AnalysisResult } from '../report/analysis-result.js';
import type { FlowSource } from './flow-source.js';
import { threadedDatasetSource } from './threaded-dataset-source.js';
import { fitOnInput, SELF_FITTED_NOTE } from './self-fit.js';
import { createRulesStage, type RulesStage } from './rules-stage.js';
import { preloadRuleData } from '../detect/run-rules.js';
import { createScoreStage } from './score-stage.js';
import type { EvidenceProvider } from './evidence.js';
import type { Sink } from './sink.js';
import type { AnalysisProgress } from './progress.js';
import { DEFAULT_MAX_FLOW_ALERTS, type FlowAlertLimitSettings } from './flow-alert-limit.js';
import { Timings } from './timings.js';
import { runPipeline, type ResultHeader } from './pipeline.js';
import { flowsCsvSink } from './sinks/flows-csv-sink.js';
import { alertsJsonlSink } from './sinks/alerts-jsonl-sink.js';
import { storeSink } from './sinks/store-sink.js';
import { riskyIpsSink } from './sinks/risky-ips-sink.js';
import { riskChartSink, type RiskChartRenderer } from './sinks/risk-chart-sink.js';
import { reportHtmlSink, type ReportRenderer } from './sinks/report-html-sink.js';
import { summaryJsonSink } from './sinks/summary-json-sink.js';
import { makeFolder } from '../util/make-folder.js';

export type { AnalysisResult, IpRow } from '../report/analysis-result.js';
export { summaryJson } from './summary-json.js';
export { zOf } from '../risk/fusion.js';
export { AnalysisInterrupted } from './pipeline.js';
export { Timings } from './timings.js';
export { DEFAULT_FLOW_ALERTS_PER_SOURCE, DEFAULT_FLOW_ALERTS_PER_TARGET, DEFAULT_FLOW_ALERT_WINDOW_SECONDS, DEFAULT_MAX_FLOW_ALERTS, type FlowAlertLimitSettings } from './flow-alert-limit.js';

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
  /** false: write no file (outDir is neither made nor written; only the store and `sinks` get the results). A live capture without -o keeps nothing on disk. */
  readonly writeFiles?: boolean;
  readonly store?: AlertStore;
  readonly batchRows?: number;
  /**
   * Flows per chunk of the rules (rules-stage.ts, rule-chunks.ts): default 65,536 whatever
   * batchRows is, so findings do not depend on it; 0 = each batch of the source (a live capture).
   */
  readonly rulesChunkRows?: number;
  /**
   * the rules judge each flow as a stream worker does, as if it had come alone (rules-stage.ts
   * RulesStageOptions.arrivalOrder): for comparing a worker with analyze on the same flows
   */
  readonly rulesArrivalOrder?: boolean;
  readonly seed?: number;
  readonly threads?: number;
  /** most flow alerts written (the first ones in input order); findings and sources are never capped */
  readonly maxFlowAlerts?: number;
  /**
   * at most `perSource` flow alerts per source per window of flow time (flow-alert-limit.ts);
   * absent: no per-source limit. `analyze`, `capture` and the service pass the defaults
   * (DEFAULT_FLOW_ALERTS_PER_SOURCE per DEFAULT_FLOW_ALERT_WINDOW_SECONDS); a library caller that
   * compares with the stream worker's alerts leaves it out, as the worker has none.
   */
  readonly flowAlertLimit?: FlowAlertLimitSettings;
  readonly charts?: RiskChartRenderer;
  readonly report?: ReportRenderer;
  readonly progress?: AnalysisProgress;
  /** where flows come from instead of `inputs` read as files (needs a baseline) */
  readonly source?: FlowSource;
  /** more evidence about sources (threat intelligence, packet detectors) */
  readonly evidence?: readonly EvidenceProvider[];
  /** more sinks, after the built-in ones (notifications, an HTTP response, NATS) */
  readonly sinks?: readonly Sink[];
  /** stop after the current batch (the CLI aborts it on SIGINT/SIGTERM with the signal's name as reason) */
  readonly signal?: AbortSignal;
  /** what judged the flows, when not the usual (a baseline's detectors, or fitted on the input): a live capture's rules-only run says so */
  readonly modeNote?: string;
  /** filled with where the time goes (stage by stage, sink by sink) */
  readonly timings?: Timings;
  /** findings as their episodes close during the run (a live capture prints them as they come); all of them still reach the sinks at the end */
  readonly onFindings?: (findings: readonly Finding[]) => void;
  /** findings whose threshold was just crossed, while their episodes are still open (each once; they close later through onFindings) */
  readonly onOpened?: (findings: readonly Finding[]) => void;
}

export async function runAnalysis(o: AnalysisOptions): Promise<AnalysisResult> {
  const startedAt = new Date();
  // the rules' data ahead of them (GeoIP is now read on demand, page by page, as lookups need it)
  const rulesData = preloadRuleData(o.rules ?? {});
  const files = o.writeFiles !== false;
  if (files) makeFolder(o.outDir);
  const progress = o.progress;
  let baseline = o.baseline;
  let source = o.source;
  let header: ResultHeader['mode'] = 'baseline';
  let modeNote = o.modeNote ?? `detectors fitted on known-normal traffic (${o.baselineFile ?? 'baseline'}), calibrated on held-out baseline rows`;
  if (!baseline) {
    // the seeds' way: fit on the very traffic being judged. Kept for when nothing else exists.
    if (source) throw new Error('runAnalysis: a custom flow source needs a baseline');
    header = 'self-fitted';
    modeNote = SELF_FITTED_NOTE;
    const fitted = await (o.timings ?? new Timings()).time('self-fit (read + fit detectors)', () => fitOnInput(o.inputs, o.read, { seed: o.seed, threads: o.threads, progress }));
    ({ baseline, source } = fitted);
    // too few flows to fit on: no detectors, the rules judged the input, and that is what is said
    if (fitted.note) modeNote = fitted.note;
  }
  // flow files are read on a worker thread, beside the rules, scoring and writing on this one
  source ??= threadedDatasetSource(o.inputs, o.read, o.batchRows ?? 65536, (d, t) => progress?.update(d, t));
  const ruleWeight = o.weights?.rules ?? 1;
  const tm = o.timings ?? new Timings();
  const b = baseline;
  const score = tm.timeSync('scorer setup (reference rows)', () => createScoreStage({ baseline: b, classifier: o.classifier, weights: { ...o.weights, rules: ruleWeight }, flowThreshold: o.flowThreshold }));
  await rulesData;
  const rules = withFoldedFindings(
    tm.timeSync('rules setup', () => createRulesStage(o.rules ?? {}, { chunkRows: o.rulesChunkRows, arrivalOrder: o.rulesArrivalOrder })),
    resolveRulesConfig(o.rules ?? {}).limits.sampleSize,
  );
  const sinks: Sink[] = files ? [flowsCsvSink(), alertsJsonlSink()] : [];
  if (o.store) sinks.push(storeSink(o.store));
  if (files) {
    sinks.push(riskyIpsSink());
    if (o.charts) sinks.push(riskChartSink(o.charts));
    if (o.report) sinks.push(reportHtmlSink(o.report));
    sinks.push(summaryJsonSink());
  }
  sinks.push(...(o.sinks ?? []));
  return runPipeline({
    source,
    rules: o.onFindings || o.onOpened ? reportingFindings(rules, o.onFindings, o.onOpened) : rules,
    score,
    evidence: o.evidence,
    sinks,
    header: {
      mode: header,
      modeNote,
      baseline: { file: o.baselineFile, detectors: score.detectors, fittedOn: baseline.fittedOn, rows: baseline.fitRows + baseline.calibrationRows },
      classifier: o.classifier ? { file: o.classifierFile, estimator: o.classifier.estimator.name, classes: o.classifier.classes ?? [] } : undefined,
    },
    outDir: o.outDir,
    thresholds: { flow: o.flowThreshold, ip: o.ipThreshold, verdict: o.verdictThreshold ?? 0.95 },
    ruleWeight,
    maxFlowAlerts: o.maxFlowAlerts ?? DEFAULT_MAX_FLOW_ALERTS,
    flowAlertLimit: o.flowAlertLimit,
    seed: o.seed ?? 42,
    hasClassifier: !!o.classifier,
    startedAt,
    progress,
    signal: o.signal,
    timings: tm,
  });
}

/**
 * The rules stage whose final findings have the per-source findings of a flood from forged sources
 * folded per target (detect/fold-source-findings.ts): one `spoofing.bogon-source` finding for the
 * host a random-source flood hit, not one per forged address.
 */
function withFoldedFindings(rules: RulesStage, sampleSize: number): RulesStage {
  return {
    ...rules,
    finish: () => {
      const r = rules.finish();
      const findings = foldSourceFindings(r.findings, sampleSize);
      return findings.length === r.findings.length ? r : { ...r, findings };
    },
  };
}

/** The rules stage, telling `onOpened` and `onFindings` after each batch which findings opened and closed in it. */
function reportingFindings(rules: RulesStage, onFindings?: (f: readonly Finding[]) => void, onOpened?: (f: readonly Finding[]) => void): RulesStage {
  const tell = <T>(out: T): T => {
    if (onOpened) {
      const opened = rules.takeOpened?.() ?? [];
      if (opened.length) onOpened(opened);
    }
    if (onFindings) {
      const closed = rules.takeFindings?.() ?? [];
      if (closed.length) onFindings(closed);
    }
    return out;
  };
  const { push, flush } = rules;
  return {
    observe: (batch, ff) => tell(rules.observe(batch, ff)),
    ...(push && flush ? { push: (batch, ff) => tell(push(batch, ff)), flush: () => tell(flush()) } : {}),
    finish: () => rules.finish(),
    takeFindings: () => rules.takeFindings?.() ?? [],
  };
}
