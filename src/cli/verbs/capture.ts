/**
 * `netsentinel capture`: analyse an interface's traffic live. tcpdump (or dumpcap) captures on a
 * pipe (src/packets/live-capture-program.ts); its pcap is metered into flows that feed the one
 * analysis pipeline continuously (src/packets/live-flow-source.ts, a FlowSource like a file's);
 * alerts are printed as they are raised (findings as they open and close, risky sources as their
 * windows of flow time close: live-source-windows.ts). SIGINT/SIGTERM, --duration or --count end the capture
 * cleanly: open flows are finished, the sinks write what `analyze` writes (with -o), exit 0.
 */
import type { Command } from '../command.js';
import type { Finding } from '../../detect/finding.js';
import { CAPTURE_SPEC } from './capture-spec.js';
import { captureOptionsFrom } from '../capture-options.js';
import { packetDetectors } from '../../packets/packet-evidence.js';
import { chooseProgram, startCapture, type CaptureProgramName, type LiveCaptureRequest } from '../../packets/live-capture-program.js';
import { liveFlowSource, type LiveCaptureSummary } from '../../packets/live-flow-source.js';
import { RotatingCaptureWriter } from '../../packets/live-rotation.js';
import { findProgram } from '../../util/find-program.js';
import type { OutputCompression } from '../../util/compressed-output.js';
import { namedTunnelCounts } from '../../packets/tunnels.js';
import { loadBaseline } from '../../risk/baseline.js';
import { rulesOnlyBaseline } from '../../analysis/self-fit.js';
import { CaptureFlowBatch } from '../../packets/capture-flow-batch.js';
import { loadTrainedModel } from '../../models/trained-model.js';
import { runAnalysis, summaryJson, DEFAULT_MAX_FLOW_ALERTS, type AnalysisResult } from '../../analysis/run-analysis.js';
import { runConfig } from '../run-config.js';
import { openStore } from '../../store/open-store.js';
import { UserError } from '../../util/errors.js';
import { makeFolders, onInterrupt } from '../../util/atomic-output.js';
import { renderHtmlReport } from '../../report/analysis-report.js';
import { riskChartThread } from '../../report/risk-chart-thread.js';
import { guardOutputs } from '../output-guard.js';
import { ANALYZE_FILES } from '../../report/plot-files.js';
import { formatSeconds } from '../progress.js';
import { liveAlertLines } from '../live-alert-lines.js';
import { liveSourceWindows, type LiveSourceWindows } from '../live-source-windows.js';
import { resolveRulesConfig } from '../../detect/rules-config.js';
import { formatSummary } from './analyze.js';
import { flowAlertLimitFrom, limitSentence } from '../flow-alert-options.js';
import { plural } from '../../util/plural.js';
import { captureFilterWithout, verbConnections } from '../own-connections.js';
import { captureResponder, type CaptureResponder } from './capture-respond.js';
import { respondSummary, applyNeedsRespond } from './respond-hook.js';
import { thousands } from '../../util/thousands.js';

/** said when capture runs without --baseline (and the result's mode note) */
const NO_BASELINE_NOTE =
  "no --baseline: the rules and packet detectors judge the traffic (scans, sweeps, brute force, floods, ARP and DHCP spoofing, ...), no anomaly scores; fit a baseline on known-normal traffic ('netsentinel baseline normal.pcapng -o office.nsb') and pass --baseline office.nsb for them";

/** how often the packet detectors are asked what they found (they see packets as they arrive) */
const OPENED_POLL_MS = 500;

export const capture: Command = {
  spec: CAPTURE_SPEC,
  async run({ args, progress, out, json }) {
    const v = args.values;
    applyNeedsRespond('capture', v);
    const ifName = v.interface as string | undefined;
    if (!ifName) throw new UserError("capture: --interface IF is required ('ip link' lists the interfaces; 'any' captures on all)");
    const baselineFile = v.baseline as string | undefined;
    const writeDir = v.write as string | undefined;
    if ((v.rotateSeconds !== undefined || v.rotateMb !== undefined) && !writeDir) throw new UserError('capture: --rotate-seconds and --rotate-mb need --write DIR (where the files go)');
    const compress = v.compress as OutputCompression | undefined;
    if (compress && !writeDir) throw new UserError('capture: --compress goes with --write DIR (the files it compresses)');
    // zstd is a program (Node 20 has no zstd): its absence is said before anything is captured
    const zstdProgram = compress === 'zstd' ? findProgram('zstd') : undefined;
    if (compress === 'zstd' && !zstdProgram) throw new UserError("capture: --compress zstd needs the zstd program (Debian package zstd); --compress gzip needs nothing more");
    let req: LiveCaptureRequest = { interface: ifName, filter: v.filter as string | undefined, program: v.program as CaptureProgramName | undefined };
    // the program's absence is said before anything is loaded
    chooseProgram(req);
    const outDir = v.out as string | undefined;
    const modelFile = v.model as string | undefined;
    await guardOutputs('capture', { files: [baselineFile, modelFile, v.config as string | undefined] }, { folders: [{ dir: outDir, names: ANALYZE_FILES }] });
    const meterOptions = captureOptionsFrom(v);
    const { config, store: chosen } = await runConfig(v);
    // without a baseline the rules and packet detectors judge alone (scans, sweeps, floods, ARP
    // spoofing, rogue DHCP, ...): live flows cannot fit the anomaly detectors on themselves
    const baseline = baselineFile ? await loadBaseline(baselineFile) : rulesOnlyBaseline(new CaptureFlowBatch([ifName], 1).flush(), 'nothing (no --baseline: the rules and packet detectors judge the traffic)');
    const classifier = modelFile ? await loadTrainedModel(modelFile) : undefined;
    if (classifier && classifier.kind !== 'classifier') throw new UserError(`capture: ${modelFile} is a ${classifier.kind}; --model takes a classifier`);
    const flowThreshold = (v.flowThreshold as number | undefined) ?? config.thresholds.flow;
    const ipThreshold = (v.ipThreshold as number | undefined) ?? config.thresholds.ip;
    // without -o nothing is kept unless --store says where
    const storeLoc = outDir ? chosen : ((v.store as string | undefined) ?? 'none');
    if (writeDir) await makeFolders(writeDir, 'capture');
    const rotation = writeDir
      ? new RotatingCaptureWriter({ dir: writeDir, prefix: ifName, seconds: v.rotateSeconds as number | undefined, bytes: v.rotateMb !== undefined ? (v.rotateMb as number) * 1e6 : undefined, compress, zstdProgram })
      : undefined;

    // its own connections left out of the capture (a PostgreSQL store, --respond's notifications): else an
    // alert's webhook POST is a flow the baseline never saw, risky enough for an alert, whose POST ...
    req = { ...req, userFilter: req.filter, filter: await captureFilterWithout(req.filter, await verbConnections(v, storeLoc), (l) => progress.note(`capture: ${l}`)) };
    const program = startCapture(req, (line) => progress.note(/^(tcpdump|dumpcap)\b/.test(line) ? line : `capture: ${line}`));
    // SIGINT/SIGTERM end the capture, not the analysis: the outputs are still written
    const stop = new AbortController();
    const stopHook = onInterrupt((sig) => {
      stop.abort(sig);
      return true;
    });
    const startedAt = Date.now();
    let summary: LiveCaptureSummary | undefined;
    let result: AnalysisResult;
    let store;
    let chart;
    let openedTimer: NodeJS.Timeout | undefined;
    let responder: CaptureResponder | undefined;
    let windows: LiveSourceWindows | undefined;
    try {
      // a program that fails at once (no such interface, no permission) is said before any output opens
      const first = await Promise.race([program.started, program.ended]);
      if (typeof first !== 'string') {
        if (first.failure) throw first.failure;
        throw new UserError(`capture: ${program.program} ended before capturing (exit ${first.code ?? first.signal})`);
      }
      progress.note(`capture: ${first} (${program.program}); Ctrl-C stops${outDir ? ` and writes the results to ${outDir}` : ''}`);
      if (!baselineFile) progress.note(`capture: ${NO_BASELINE_NOTE}`);
      // without -o nothing goes to disk (a capture may run for weeks: no scratch files to fill /tmp); say so once
      if (!outDir) progress.note(`capture: findings are printed as they come; nothing is kept on disk${writeDir ? ` but the packets in ${writeDir}` : ''} (-o DIR keeps flows_scored.csv, alerts.jsonl and the report${writeDir ? '' : '; --write DIR the packets'})`);
      store = storeLoc === 'none' ? undefined : await openStore(storeLoc);
      responder = v.respond ? await captureResponder(v, storeLoc, out, json) : undefined;
      if (responder && !responder.apply) progress.note('capture: --respond without --apply is a dry run: decisions are stored as simulated, nothing is sent or blocked');
      chart = outDir && !v.noReport ? riskChartThread() : undefined;
      const packets = packetDetectors(config.rules, { live: true });
      // risky sources judged per window of flow time while capturing (0: at the end only, over the whole capture)
      const windowSeconds = v.sourceWindow as number;
      const lines = liveAlertLines(out, json, Boolean(v.printFlows), windowSeconds > 0);
      windows =
        windowSeconds > 0
          ? liveSourceWindows({
              windowSeconds,
              maxSources: v.maxSources as number,
              ipThreshold,
              flowThreshold,
              ruleWeight: config.weights?.rules ?? 1,
              flowAlertLimit: flowAlertLimitFrom(v, config),
              sampleSize: resolveRulesConfig(config.rules ?? {}).limits.sampleSize,
              // a flow starts at most active + idle timeout before it is finished, and is handed over within a batch or two
              lateMs: ((meterOptions.activeTimeoutMicros ?? 120e6) + (meterOptions.idleTimeoutMicros ?? 120e6)) / 1000 + 2000 * (v.batchSeconds as number),
              emit: (alerts) => {
                lines.onSourceAlerts(alerts);
                responder?.onSourceAlerts(alerts);
              },
              onEvict: (n) => progress.note(`capture: ${thousands(n)} open source ${plural(n, 'window')} closed early (more than --max-sources ${thousands(v.maxSources as number)} open)`),
            })
          : undefined;
      // what is printed is also handed to the response policy (--respond), in the same order
      const opened = (f: readonly Finding[]): void => {
        lines.onOpened(f);
        responder?.onFindings(f);
      };
      const closed = (f: readonly Finding[]): void => {
        lines.onFindings(f);
        windows?.onFindings(f);
        responder?.onFindings(f);
      };
      // the packet detectors run as packets arrive: what they find is said within a second, not at the next batch
      openedTimer = setInterval(() => {
        const fresh = packets.opened();
        if (fresh.length) opened(fresh);
      }, OPENED_POLL_MS);
      const source = liveFlowSource(program, {
        ...meterOptions,
        display: `${ifName} (${program.program})`,
        batchSeconds: v.batchSeconds as number,
        batchRows: v.batchRows as number,
        durationSeconds: v.duration as number | undefined,
        maxPackets: v.count as number | undefined,
        signal: stop.signal,
        ...packets.hooks,
        rotation,
        warn: (m) => process.stderr.write(`netsentinel: warning: ${m}\n`),
        note: (m) => progress.note(m),
        onSummary: (s) => (summary = s),
      });
      result = await runAnalysis({
        inputs: source.inputs,
        read: {},
        source,
        baseline,
        baselineFile,
        modeNote: baselineFile ? undefined : NO_BASELINE_NOTE,
        classifier,
        classifierFile: modelFile,
        rules: config.rules,
        weights: config.weights,
        flowThreshold,
        ipThreshold,
        verdictThreshold: config.thresholds.verdict,
        outDir: outDir ?? '',
        writeFiles: outDir !== undefined,
        store,
        batchRows: v.batchRows as number,
        // a live capture's batches are cut by time and judged as they come: the rules run per batch
        rulesChunkRows: 0,
        maxFlowAlerts: (v.maxFlowAlerts as number | undefined) ?? config.maxFlowAlerts ?? DEFAULT_MAX_FLOW_ALERTS,
        flowAlertLimit: flowAlertLimitFrom(v, config),
        charts: chart,
        report: outDir && !v.noReport ? renderHtmlReport : undefined,
        evidence: [packets.provider],
        // the response at the end after the lines (its decisions follow the alerts they are about)
        sinks: [lines.sink, ...(windows ? [windows.sink] : []), ...(responder ? [responder.sink] : [])],
        onFindings: closed,
        onOpened: opened,
      });
    } finally {
      clearInterval(openedTimer);
      await responder?.close();
      stopHook();
      program.stop();
      await chart?.close();
      await store?.close();
    }
    const s = summary as LiveCaptureSummary;
    const seconds = (Date.now() - startedAt) / 1000;
    if (json) {
      const analysis = outDir ? summaryJson(result) : { ...summaryJson(result), outputs: {} };
      // the packets read from inside tunnels by name, as summary.json's accounting says them (not an array by kind number)
      const { tunnelPackets, ...counts } = s;
      const respond = responder ? { ...respondSummary(responder.sink, true), respondWhileCapturing: { decisions: responder.totals.decisions, queued: responder.totals.queued } } : {};
      const sourceWindows = windows ? { sourceWindows: { seconds: v.sourceWindow as number, alerts: windows.counts.alerts, evicted: windows.counts.evicted } } : {};
      out(JSON.stringify({ event_type: 'capture_summary', interface: ifName, seconds: Math.round(seconds * 1000) / 1000, capture: { ...counts, tunnels: namedTunnelCounts(tunnelPackets) }, analysis, ...sourceWindows, ...respond }));
    } else {
      const dropped = s.program.droppedByKernel ? `; the kernel dropped ${s.program.droppedByKernel.toLocaleString('en-US')}` : '';
      out(
        `Captured ${s.packets.toLocaleString('en-US')} packets on ${ifName} with ${s.program.name} in ${formatSeconds(seconds)} (stopped by ${s.stoppedBy}${dropped}) → ${s.flows.toLocaleString('en-US')} flows` +
          (s.rotatedFiles.length ? `; written to ${s.rotatedFiles.length} ${plural(s.rotatedFiles.length, 'file')} in ${writeDir}` : ''),
      );
      if (outDir) out(formatSummary(result));
      else {
        out(`Findings: ${thousands(result.findings.length)}   risky flows: ${result.riskyFlows.toLocaleString('en-US')}   risky sources: ${thousands(result.riskyIps.length)}${result.riskyIps.length ? ` (${result.riskyIps.slice(0, 5).map((r) => r.ip).join(', ')})` : ''}${windows ? `   risky-source alerts by ${v.sourceWindow as number} s window: ${thousands(windows.counts.alerts)}` : ''}`);
        if (result.alerts.flowAlertsSuppressed) out(`  ${limitSentence(result)}`);
      }
      if (responder) out(`Respond while capturing: ${thousands(responder.totals.decisions)} ${plural(responder.totals.decisions, 'decision')}, ${thousands(responder.totals.queued)} ${plural(responder.totals.queued, 'notification')} queued${respondSummary(responder.sink, false).replace(/^\n\nRespond: /, '\nAt the end: ')}`);
    }
    if (s.program.exitCode !== 0 && s.stoppedBy === 'program exited') return 2;
    // 1 when notifications still wait in the outbox after the last flush (as analyze --respond --apply)
    return responder?.sink.exitCode() ?? 0;
  },
};
