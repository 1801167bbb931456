/**
 * `netsentinel analyze`: the main job. Scores flows against a baseline (or, without one, against
 * detectors fitted on the input itself, which is weaker and said so), optionally with a trained
 * classifier, runs the behavioural rules, fuses everything into a risk per flow and per source
 * IP with reasons, writes the outputs folder and stores alerts. Exit 1 when --fail-on is reached.
 */
import { runConfig } from '../run-config.js';
import { existsSync, rmdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from '../command.js';
import { ANALYZE_SPEC } from './analyze-spec.js';
import { readOptionsFrom, skippedFilesJson, warnCells } from '../data-options.js';
import { unexpectedCellCounts } from '../../sources/cell-warnings.js';
import { packetDetectors } from '../../packets/packet-evidence.js';
import { loadBaseline } from '../../risk/baseline.js';
import { loadTrainedModel } from '../../models/trained-model.js';
import { threadedDatasetSource } from '../../analysis/threaded-dataset-source.js';
import { runAnalysis, summaryJson, DEFAULT_MAX_FLOW_ALERTS, Timings, type AnalysisResult } from '../../analysis/run-analysis.js';
import { flowAlertLimitFrom, limitSentence } from '../flow-alert-options.js';
import { processCpuMs } from '../../analysis/timings.js';
import { preloadRuleData } from '../../detect/run-rules.js';
import { openStoreWhenUsed } from '../../store/open-store.js';
import { UserError } from '../../util/errors.js';
import { formatSeconds } from '../progress.js';
import { renderHtmlReport } from '../../report/analysis-report.js';
import { riskChartThread } from '../../report/risk-chart-thread.js';
import { findingGroupsBySource, groupFindings, groupedReasons } from '../../report/finding-groups.js';
import { respondSinkFromArgs, respondSummary, applyNeedsRespond } from './respond-hook.js';
import { onInterrupt } from '../../util/atomic-output.js';
import { guardOutputs } from '../output-guard.js';
import { ANALYZE_FILES } from '../../report/plot-files.js';
import { openAnalyzeExtras } from '../analyze-intel-upload.js';
import { thousands } from '../../util/thousands.js';

export const analyze: Command = {
  spec: ANALYZE_SPEC,
  async run({ args, progress, out, json }) {
    const v = args.values;
    applyNeedsRespond('analyze', v);
    const tm = new Timings();
    // Node's own start, then our modules until this verb runs (performance.now() counts from process start)
    const boot = performance.nodeTiming.bootstrapComplete;
    tm.add('process start', boot);
    tm.add('modules', performance.now() - boot);
    await guardOutputs(
      'analyze',
      { data: args.positionals, files: [v.baseline as string | undefined, v.model as string | undefined, v.config as string | undefined] },
      { folders: [{ dir: v.out as string, names: ANALYZE_FILES }] },
    );
    const { config, store: storeLoc } = await tm.time('config', () => runConfig(v));
    // the rules' GeoIP database read on the thread pool while models, store and extras load
    void preloadRuleData(config.rules);
    // captures: the packet detectors (ARP, SYN, TTL jumps, redirects, DHCP) watch the packets as they are metered
    const packets = packetDetectors(config.rules);
    const read = readOptionsFrom(v);
    const readWithPackets = { ...read, capture: { ...read.capture, ...packets.hooks } };
    const baselineFile = v.baseline as string | undefined;
    // with a baseline, the reading thread starts now, before the models and the store load, so its
    // first batch is ready when this thread is (without one, the input is read whole to fit on it)
    const source = baselineFile ? threadedDatasetSource(args.positionals, readWithPackets, v.batchRows as number, (d, t) => progress.update(d, t)) : undefined;
    const baseline = baselineFile ? await tm.time('model load', () => loadBaseline(baselineFile)) : undefined;
    const modelFile = v.model as string | undefined;
    const classifier = modelFile ? await tm.time('model load', () => loadTrainedModel(modelFile)) : undefined;
    if (classifier && classifier.kind !== 'classifier') {
      throw new UserError(`analyze: ${modelFile} is a ${classifier.kind}; --model takes a classifier (detectors belong in a baseline)`);
    }
    const flow = (v.flowThreshold as number | undefined) ?? config.thresholds.flow;
    const ip = (v.ipThreshold as number | undefined) ?? config.thresholds.ip;
    const verdict = (v.verdictThreshold as number | undefined) ?? config.thresholds.verdict;
    for (const [name, t] of [['--flow-threshold', flow], ['--ip-threshold', ip], ['--verdict-threshold', verdict]] as const) {
      if (!(t > 0 && t < 1)) throw new UserError(`analyze: ${name} must be between 0 and 1, got ${t}`);
    }
    const maxFlowAlerts = (v.maxFlowAlerts as number | undefined) ?? config.maxFlowAlerts ?? DEFAULT_MAX_FLOW_ALERTS;
    if (maxFlowAlerts < 0) throw new UserError(`analyze: --max-flow-alerts must be a whole number ≥ 0 (0 = no cap), got ${maxFlowAlerts}`);
    const flowAlertLimit = flowAlertLimitFrom(v, config);
    const store = storeLoc === 'none' ? undefined : await tm.time('store open', () => openStoreWhenUsed(storeLoc));
    const extras = await openAnalyzeExtras(v, storeLoc, progress);
    let result: AnalysisResult;
    // the chart is drawn on this thread, its rasterising on libuv's thread pool: a worker thread
    // (its start, its own modules and compiles) cost more than the drawing itself, CPU medians of
    // analyze ordinary.pcap 3.05 → 2.92 s without it (7 runs alternated; the same bytes)
    const chart = v.noReport ? undefined : riskChartThread({ inThread: true });
    // SIGINT/SIGTERM: finish the current batch, abort every output, mark the store run, exit 130/143
    const stop = new AbortController();
    const stopHook = onInterrupt((sig) => {
      stop.abort(sig);
      return true;
    });
    const respondSink = v.respond ? await respondSinkFromArgs(v, storeLoc) : undefined;
    // a run that fails (bad input) leaves no empty output folders it made itself
    const outMade: string[] = [];
    for (let d = resolve(v.out as string); !existsSync(d) && dirname(d) !== d; d = dirname(d)) outMade.push(d);
    try {
      result = await runAnalysis({
        inputs: args.positionals,
        read: readWithPackets,
        source,
        baseline,
        baselineFile,
        classifier,
        classifierFile: modelFile,
        rules: config.rules,
        weights: config.weights,
        flowThreshold: flow,
        ipThreshold: ip,
        verdictThreshold: verdict,
        outDir: v.out as string,
        store,
        batchRows: v.batchRows as number,
        maxFlowAlerts,
        flowAlertLimit,
        seed: v.seed as number,
        threads: v.threads as number,
        charts: chart,
        report: v.noReport ? undefined : renderHtmlReport,
        progress,
        // packet detectors (captures only) and threat intelligence join as evidence
        evidence: [packets.provider, ...extras.evidence],
        // respond first (it may write blocklists into the outputs), the upload last
        sinks: [...(respondSink ? [respondSink] : []), ...extras.sinks],
        signal: stop.signal,
        timings: tm,
      });
    } catch (e) {
      for (const d of outMade) {
        try {
          rmdirSync(d); // only when empty: whatever else is in it stays
        } catch {
          break; // not empty, or gone already
        }
      }
      throw e;
    } finally {
      stopHook();
      await chart?.close();
      await tm.time('store close', async () => store?.close());
      await extras.close();
    }
    // the imputed cells every verb that reads data warns about (profile, score, baseline ...), less
    // CICFlowMeter's everyday ones (infinite rates of zero-duration flows: cell-warnings.ts says
    // which), so a run over CIC-IDS2017 stays as quiet as before and a 1e400 port is said
    warnCells({ cellCounts: unexpectedCellCounts(result.cellCounts, result.inputFormat) }, result.flows);
    for (const note of extras.notes()) progress.note(note);
    if (result.mode === 'self-fitted') progress.note(`netsentinel: warning: ${result.modeNote}`);
    // lost alerts are not progress: said on stderr even with --quiet
    if (result.alerts.flowAlertsLeftOut) process.stderr.write(`netsentinel: warning: ${capSentence(result)}\n`);
    // the whole command so far: wall from process start, CPU of every thread (chart worker included)
    const wall = performance.now();
    const cpu = processCpuMs();
    if (v.timings) process.stderr.write(tm.format(wall, cpu) + '\n');
    const timings = v.timings ? { timings: { ...tm.toJSON(), total: Math.round(wall * 10) / 10, cpu: Math.round(cpu * 10) / 10 } } : {};
    if (json) out(JSON.stringify({ ...summaryJson(result), ...skippedFilesJson(), ...respondSummary(respondSink, true), ...timings }, null, 2));
    else out(formatSummary(result, Boolean(v.verbose)) + respondSummary(respondSink, false));
    const failOn = v.failOn as number | undefined;
    const over = failOn === undefined ? [] : result.riskyIps.filter((r) => r.risk >= failOn);
    if (over.length) {
      // a cron mail or CI log shows exit 1 and nothing else; say which sources made it (stderr: stdout stays the results)
      process.stderr.write(`netsentinel: ${over.length} ${over.length === 1 ? 'source reaches' : 'sources reach'} --fail-on ${failOn} (${over.slice(0, 5).map((r) => `${r.ip} risk ${r.risk.toFixed(6)}`).join(', ')}${over.length > 5 ? ', ...' : ''}): exit 1\n`);
      return 1;
    }
    // 1 also when --respond --apply left notifications undelivered (as `respond --apply`)
    return respondSink?.exitCode() ?? 0;
  },
};

/** "1 source", "2,500 sources" */
const count = (n: number, noun: string): string => `${thousands(n)} ${noun}${n === 1 ? '' : 's'}`;

export function formatSummary(r: AnalysisResult, verbose = false): string {
  const groups = findingGroupsBySource(r.findings);
  const lines: string[] = [];
  lines.push(`Analysed ${count(r.flows, 'flow')} from ${count(r.ipCount, 'source')} in ${formatSeconds(r.seconds)} (${r.baseline.detectors.length === 0 ? 'rules only: no anomaly detectors' : r.mode === 'baseline' ? 'against the baseline' : 'SELF-FITTED, no baseline: weaker'})`);
  lines.push(`  detectors: ${r.baseline.detectors.join(', ') || `none (${r.mode === 'self-fitted' ? 'too few flows to fit them on' : 'no --baseline'}: rules only)`}${r.classifier ? `; classifier: ${r.classifier.estimator}` : ''}`);
  lines.push(`  risky flows (risk ≥ ${r.thresholds.flow}): ${thousands(r.riskyFlows)}   risky sources (risk ≥ ${r.thresholds.ip}): ${thousands(r.riskyIps.length)}   rule findings: ${thousands(r.findings.length)}`);
  if (r.quality) {
    lines.push(`  against the labels in the input: ROC-AUC ${r.quality.rocAuc.toFixed(4)} over ${thousands(r.quality.labelledFlows)} flows (${thousands(r.quality.attacks)} attacks); normal/attack verdict (risk ≥ ${r.thresholds.verdict}) accuracy ${r.quality.accuracyAtVerdict.toFixed(4)} (false-positive rate ${r.quality.falsePositiveRateAtVerdict.toFixed(3)}, recall ${r.quality.recallAtVerdict.toFixed(3)}); alerts (risk ≥ ${r.thresholds.flow}) precision ${r.quality.precisionAtThreshold.toFixed(3)}, recall ${r.quality.recallAtThreshold.toFixed(3)}`);
  }
  const off = r.ruleStatus.filter((s) => s.state === 'off');
  if (off.length && !verbose) lines.push(`  rules off: ${off.length} of ${r.ruleStatus.length} (columns missing or not configured; --verbose says why)`);
  if (off.length && verbose) {
    lines.push(`  rules off: ${off.length} of ${r.ruleStatus.length}:`);
    for (const s of off) lines.push(`    ${s.ruleId}: ${s.state === 'off' ? s.reason : ''}`);
  }
  // what the report and summary.json say about how the input was read (times without an offset
  // read as UTC: every alert's time hangs on it), said where the user reads the run too
  for (const n of r.inputNotes) lines.push(`  input: ${n}`);
  if (r.riskyIps.length) {
    lines.push('', 'Riskiest sources:');
    for (const ip of r.riskyIps.slice(0, 10)) {
      lines.push(`  ${ip.ip.padEnd(40)} risk ${ip.risk.toFixed(6)}  ${count(ip.flows, 'flow')}`);
      const reasons = groupedReasons(ip.reasons, groups.get(ip.ip) ?? []);
      for (const reason of verbose ? reasons : reasons.slice(0, 3)) lines.push(`      - ${reason}`);
    }
  }
  // findings about no source address (ARP poisoning names a MAC and the IPs it claims) have no row
  // above; list them so the text says what the alerts say
  const unsourced = groupFindings(r.findings).filter((g) => g.srcIp === null);
  if (unsourced.length) {
    lines.push('', 'Findings without a source address:');
    for (const g of verbose ? unsourced : unsourced.slice(0, 10)) {
      lines.push(`  - ${g.summary}`);
      // the finding's own sentence names what it is about (the MAC, the addresses it claims)
      for (const f of verbose ? g.findings : g.findings.slice(0, 1)) lines.push(`      ${f.reason}`);
    }
  }
  lines.push('', `Alerts: ${thousands(r.alerts.written)} written${r.alerts.store ? `; ${thousands(r.alerts.stored ?? 0)} new in ${r.alerts.store} (${thousands(r.alerts.duplicates ?? 0)} already there)` : ''}`);
  if (r.alerts.flowAlertsSuppressed) lines.push(`  ${limitSentence(r)}`);
  if (r.alerts.flowAlertsLeftOut) lines.push(`  ${capSentence(r)}`);
  lines.push(`Outputs in ${Object.values(r.outputs).length ? dirOf(r.outputs.flows) : '.'}: ${Object.values(r.outputs).map((p) => p.replace(/^.*[/\\]/, '')).join(', ')}`);
  if (r.outputs.report) lines.push(`Report: ${r.outputs.report}`);
  return lines.join('\n');
}

/** The one sentence stderr, the text summary and the report use when the flow-alert cap bit. */
export function capSentence(r: AnalysisResult): string {
  const n = r.alerts.flowAlertsLeftOut ?? 0;
  // with a per-source limit, the cap only saw the flows the limit let through
  const through = r.riskyFlows - (r.alerts.flowAlertsSuppressed ?? 0);
  const of = r.alerts.flowAlertsSuppressed ? `${thousands(through)} risky flows within the per-source limits` : `${thousands(r.riskyFlows)} risky flows`;
  return `${thousands(n)} of ${of} got no alert: the cap of ${thousands(r.alerts.maxFlowAlerts ?? 0)} flow alerts was reached (--max-flow-alerts or alerts.maxFlowAlerts; 0 = no cap); every rule finding and risky source has its alert`;
}

function dirOf(p: string): string {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return i > 0 ? p.slice(0, i) : '.';
}
