/**
 * The analysis's pictures and page: risk_scores.png (sorted risk with the threshold marked) and
 * report.html, one self-contained page (styles and images inline, no scripts, no network) with
 * the summary, the chart, the riskiest sources and their reasons, the rule findings and which
 * rules were off and why.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { AnalysisResult } from './analysis-result.js';
import type { CaptureAccounting } from '../packets/capture-accounting.js';
import { findingGroupsBySource, groupFindings, groupedReasons, type FindingGroup } from './finding-groups.js';
import { plural } from '../util/plural.js';
import { thousands } from '../util/thousands.js';

export async function renderRiskChart(
  _kind: 'risk',
  data: { risks: Float64Array; threshold: number; sampled: boolean; total: number; above?: number },
  path: string,
): Promise<boolean> {
  try {
    const { riskScoresPng } = await import('./charts/risk-scores-svg.js');
    const { writeFileAtomic } = await import('../util/atomic-output.js');
    await writeFileAtomic(path, riskScoresPng(data.risks, data.threshold, wholeOf(data)), 'chart', { makeDirs: true });
    return true;
  } catch (e) {
    process.stderr.write(`netsentinel: warning: could not draw ${path}: ${(e as Error).message}\n`);
    return false;
  }
}

/** The chart's `whole` option: the sample's size and the run's count above the threshold, when the risks are a sample. */
export function wholeOf(data: { risks: Float64Array; sampled: boolean; total: number; above?: number }): { whole?: { rows: number; above: number } } {
  return data.sampled && data.above !== undefined && data.total > data.risks.length ? { whole: { rows: data.total, above: data.above } } : {};
}

/** The risk chart as PNG bytes (undefined, with a warning, when it cannot be drawn). */
export async function riskChartPng(_kind: 'risk', data: { risks: Float64Array; threshold: number; sampled: boolean; total: number; above?: number }): Promise<Uint8Array | undefined> {
  if (data.risks.length === 0) return undefined; // no flows, no chart (and no warning about it)
  try {
    // written as SVG directly (no Vega to load): the same chart as riskScoresSpec draws
    const { riskScoresPng } = await import('./charts/risk-scores-svg.js');
    return riskScoresPng(data.risks, data.threshold, wholeOf(data));
  } catch (e) {
    process.stderr.write(`netsentinel: warning: could not draw the risk chart: ${(e as Error).message}\n`);
    return undefined;
  }
}

const esc = (s: unknown): string =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** report.html from a result whose chart is already on disk (r.outputs.riskChart). */
export async function writeHtmlReport(r: AnalysisResult, path: string): Promise<void> {
  await writeFile(path, renderHtmlReport(r, r.outputs.riskChart ? await readFile(r.outputs.riskChart) : undefined));
}

/** The sentence on the per-target limit's part of the fold (empty when it held nothing back). */
function targetNote(r: AnalysisResult): string {
  const a = r.alerts;
  const n = a.flowAlertsSuppressedByTarget ?? 0;
  if (n === 0) return '';
  const targets = a.suppressedTargets ?? [];
  const list = targets.slice(0, 5).map((t) => `${esc(t.ip)} (${thousands(t.suppressed)})`).join(', ');
  return (
    `Of them, ${thousands(n)} were over the per-target limit of ${a.flowAlertsPerTarget} flow alerts towards one host (many sources, forged ones in a flood among them, sending to one target): ` +
    `${list}${targets.length > 5 ? ', …' : ''}; --flow-alerts-per-target or alerts.flowAlertsPerTarget. ` +
    (a.sourceAlertsFolded ? `${thousands(a.sourceAlertsFolded)} risky sources with nothing against them but such flows got no alert of their own (they are listed below). ` : '')
  );
}

/** The paragraph saying how many risky flows the per-source flow-alert limit folded (empty when none). */
function limitNote(r: AnalysisResult): string {
  const a = r.alerts;
  if (!a.flowAlertsSuppressed) return '';
  const per = a.flowAlertWindowSeconds ? `per ${thousands(a.flowAlertWindowSeconds)} s of flow time` : 'per run';
  return (
    // styled in place: the page's style sheet stays as it was for runs without a limit
    `<p class="note" style="background:#eef4ff;border-left:4px solid #4a7bd0;padding:.6rem 1rem"><b>Flow alerts limited per source${a.flowAlertsSuppressedByTarget ? " and per target" : ""}.</b> ${thousands(a.flowAlertsSuppressed)} of ${thousands(r.riskyFlows)} risky flows ` +
    `(from ${thousands((a.suppressedSources ?? 0))} source${a.suppressedSources === 1 ? '' : 's'}) were folded into per-source limits: at most ${a.flowAlertsPerSource} flow alerts per source ${per}, ` +
    `the first in input order; ${thousands((a.flowAlerts ?? 0))} flow alerts were written. Every flow is still in flows_scored.csv with its risk and reasons, ` +
    `each risky source's alert counts its folded flows, and every rule finding${a.sourceAlertsFolded ? '' : ' and risky source'} has its alert. ` +
    targetNote(r) +
    `Change it with --flow-alerts-per-source and --flow-alert-window or alerts.flowAlertsPerSource and alerts.flowAlertWindowSeconds (0 = no limit).</p>\n`
  );
}

/** The page as text; `chartPng` is inlined (the chart may not be in place yet when the page is made). */
export function renderHtmlReport(r: AnalysisResult, chartPng?: Uint8Array): string {
  let chart = '';
  if (chartPng) {
    chart = `<img alt="Sorted flow risk with the alert threshold" src="data:image/png;base64,${Buffer.from(chartPng).toString('base64')}">`;
  }
  // a source's findings grouped by rule, each finding one click away
  const groupDetails = (g: FindingGroup): string =>
    `<details class="finding-group" data-rule="${esc(g.ruleId)}"><summary>${esc(g.summary)}</summary><ul>${g.findings.map((f) => `<li>${esc(f.reason)}</li>`).join('')}</ul></details>`;
  const bySource = findingGroupsBySource(r.findings);
  const ipRows = r.riskyIps
    .slice(0, 100)
    .map((i) => {
      const gs = bySource.get(i.ip) ?? [];
      const others = groupedReasons(i.reasons, gs).slice(gs.length);
      return `<tr><td class="ip">${esc(i.ip)}</td><td class="num">${i.risk.toFixed(6)}</td><td class="num">${thousands(i.flows)}</td><td class="num">${thousands(i.riskyFlows)}${i.flowAlerts && i.flowAlerts.suppressed ? `<br><span class="meta">${thousands(i.flowAlerts.written)} alerted, ${thousands(i.flowAlerts.suppressed)} folded</span>` : ''}</td><td>${esc(i.firstSeen ?? '')}<br>${esc(i.lastSeen ?? '')}</td><td>${gs.map(groupDetails).join('')}${others.length ? `<ul>${others.map((x) => `<li>${esc(x)}</li>`).join('')}</ul>` : ''}</td></tr>`;
    })
    .join('\n');
  const findingRows = groupFindings(r.findings)
    .slice(0, 200)
    .map((g) => `<tr><td>${g.severity}</td><td>${esc(g.title)}</td><td class="ip">${esc(g.srcIp ?? '')}</td><td class="num">${thousands(g.findings.length)}</td><td class="num">${thousands(g.flows)}${g.counted[1] === 'flows' ? '' : ` ${esc(plural(g.flows, g.counted[0], g.counted[1]))}`}</td><td>${groupDetails(g)}</td></tr>`)
    .join('\n');
  const flowRows = r.topFlows
    .slice(0, 25)
    .map((f) => `<tr><td class="ip">${esc(f.srcIp)}</td><td class="ip">${esc(f.dstIp)}${f.dstPort !== null && Number.isFinite(f.dstPort) ? ':' + f.dstPort : ''}</td><td class="num">${f.risk.toFixed(6)}</td><td>${esc(f.file.replace(/^.*[/\\]/, ''))}:${f.line}</td><td>${esc(f.reasons.join('; '))}</td></tr>`)
    .join('\n');
  const status = r.ruleStatus
    .map((s) => `<li><b>${esc(s.ruleId)}</b>: ${s.state === 'on' ? `on${s.note ? ' (' + esc(s.note) + ')' : ''}` : `<span class="off">off</span>: ${esc(s.reason)}`}</li>`)
    .join('');
  const q = r.quality
    ? `<p>The input carries labels: the fused flow risk separates normal from attack flows with ROC-AUC <b>${r.quality.rocAuc.toFixed(4)}</b> (${thousands(r.quality.attacks)} attacks among ${thousands(r.quality.labelledFlows)} flows); the normal/attack verdict (risk ≥ ${r.thresholds.verdict}) is right for ${(r.quality.accuracyAtVerdict * 100).toFixed(1)} % of flows; alerts (risk ≥ ${r.thresholds.flow}) have precision ${r.quality.precisionAtThreshold.toFixed(3)} and recall ${r.quality.recallAtThreshold.toFixed(3)}.</p>`
    : '';
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>netsentinel report: ${esc(r.startedAt)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1d2330}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #dde;padding-bottom:.2rem}
.meta{color:#556}.warn{background:#fff4d6;border-left:4px solid #e0a100;padding:.6rem 1rem}
.cards{display:flex;gap:1rem;flex-wrap:wrap}.card{border:1px solid #dde;border-radius:6px;padding:.6rem 1rem;min-width:9rem}
.card b{display:block;font-size:1.5rem}table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border-bottom:1px solid #eef;padding:.35rem .5rem;text-align:left;vertical-align:top}th{background:#f5f6fa}
.num{text-align:right;font-variant-numeric:tabular-nums}.ip{font-family:ui-monospace,monospace;white-space:nowrap}
td ul{margin:0;padding-left:1.1rem}details.finding-group summary{cursor:pointer}details.finding-group[open] summary{font-weight:600}img{max-width:100%;border:1px solid #eef}.off{color:#a33}
footer{margin-top:3rem;color:#778;font-size:.85rem}
</style></head><body>
<h1>netsentinel analysis</h1>
<p class="meta">${esc(r.inputs.join(', '))} · ${esc(r.startedAt)} · ${r.seconds.toFixed(1)} s</p>
${r.mode === 'self-fitted' ? `<p class="warn"><b>No baseline.</b> ${esc(r.modeNote)}</p>` : `<p class="meta">Baseline: ${esc(r.baseline.file ?? '')} (${esc(r.baseline.detectors.join(', '))}; fitted on ${esc(r.baseline.fittedOn)})</p>`}
<div class="cards">
<div class="card"><b>${thousands(r.flows)}</b>flows</div>
<div class="card"><b>${thousands(r.ipCount)}</b>sources</div>
<div class="card"><b>${thousands(r.riskyFlows)}</b>risky flows (≥ ${r.thresholds.flow})</div>
<div class="card"><b>${thousands(r.riskyIps.length)}</b>risky sources (≥ ${r.thresholds.ip})</div>
<div class="card"><b>${thousands(r.findings.length)}</b>rule findings</div>
</div>
${q}${limitNote(r)}${r.alerts.flowAlertsLeftOut ? `<p class="warn"><b>Flow alerts capped.</b> ${thousands(r.alerts.flowAlertsLeftOut)} of ${r.alerts.flowAlertsSuppressed ? `the ${thousands((r.riskyFlows - r.alerts.flowAlertsSuppressed))} risky flows within the per-source limits` : `${thousands(r.riskyFlows)} risky flows`} got no alert in alerts.jsonl or the store: the cap of ${thousands((r.alerts.maxFlowAlerts ?? 0))} flow alerts (the first in input order) was reached. Every rule finding and risky source has its alert. Raise it with --max-flow-alerts or alerts.maxFlowAlerts (0 = no cap).</p>\n` : ''}
<h2>Flow risk</h2>
${chart || '<p>(chart not drawn)</p>'}
<p class="meta">Risk is the weighted Stouffer fusion of the detectors' scores calibrated on held-out baseline traffic${r.classifier ? ", the classifier's P(attack)" : ''} and the rules' findings, calibrated on held-out baseline traffic: risk 0.999 means more unusual than 999 in 1000 normal flows.</p>
<h2>Riskiest sources</h2>
${ipRows ? `<table><thead><tr><th>source</th><th>risk</th><th>flows</th><th>risky flows</th><th>first / last seen</th><th>why</th></tr></thead><tbody>${ipRows}</tbody></table>` : '<p>No source reached the threshold.</p>'}
<h2>Rule findings</h2>
${findingRows ? `<table><thead><tr><th>sev</th><th>rule</th><th>source</th><th>findings</th><th>flows</th><th>what (click for each finding)</th></tr></thead><tbody>${findingRows}</tbody></table>` : '<p>No rule fired.</p>'}
<h2>Riskiest flows</h2>
${flowRows ? `<table><thead><tr><th>source</th><th>destination</th><th>risk</th><th>record</th><th>why</th></tr></thead><tbody>${flowRows}</tbody></table>` : '<p>No flow reached the threshold.</p>'}
<h2>Rules</h2><ul>${status}</ul>
${r.capture ? packetsSection(r.capture) : ''}${inputNotesSection(r)}
<footer>Made by netsentinel. GeoIP data, where used: IP Geolocation by <a href="https://db-ip.com">DB-IP</a> (CC BY 4.0).</footer>
</body></html>
`;
  return html;
}

/**
 * "Notes on the input": what the readers warned about it (padded addresses, text cells read as
 * missing, skipped lines, files or packets ...; the run's stderr said the same), then the rules'
 * notes on how they read it. Nothing when neither said anything.
 */
function inputNotesSection(r: AnalysisResult): string {
  const reader = r.readerNotes ?? [];
  if (!reader.length && !r.inputNotes.length) return '';
  const left = r.readerNotesLeftOut ? `<li>… and ${thousands(r.readerNotesLeftOut)} more, not kept (the run's stderr said ${r.readerNotesLeftOut === 1 ? 'it' : 'them'})</li>` : '';
  const readerPart = reader.length ? `<p class="warn">What the readers said about the input while reading it:</p><ul class="reader-notes">${reader.map((n) => `<li>${esc(n)}</li>`).join('')}${left}</ul>` : '';
  const rulesPart = r.inputNotes.length ? `<ul>${r.inputNotes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '';
  return `<h2>Notes on the input</h2>${readerPart}${rulesPart}`;
}

/** a skip reason's words in the report (the others read as they are named) */
const SKIP_WORDS: Readonly<Record<string, string>> = { unsupportedLink: 'of an unsupported link type', wlanRetransmitted: '802.11 retransmissions', wlanBadFcs: '802.11 frames damaged (bad FCS)' };

/**
 * What became of a capture's packets (summary.json's `capture`), for the person reading the
 * report: that a third of the packets were skipped, or flows evicted, changes what "no finding" means.
 */
function packetsSection(c: CaptureAccounting): string {
  const n = thousands;
  const skipped = Object.entries(c.skippedByReason).filter(([, k]) => k > 0).map(([why, k]) => `${n(k)} ${SKIP_WORDS[why] ?? why}`);
  const parts = [
    `${n(c.packetsRead)} ${c.packetsRead === 1 ? 'packet' : 'packets'} read: ${n(c.ipPackets)} IP, ${n(c.arpPackets)} ARP, ${n(c.otherPackets)} other`,
    c.packetsSkipped ? `${n(c.packetsSkipped)} skipped (${skipped.join(', ')})` : '',
    c.garbledBlocks ? `${n(c.garbledBlocks)} garbled pcapng blocks skipped` : '',
    c.transportCutShortPackets ? `${n(c.transportCutShortPackets)} cut by the snap length inside their TCP/UDP header, kept in their flows by their ports` : '',
    c.outOfOrderPackets ? `${n(c.outOfOrderPackets)} out of time order in their flow` : '',
    `${n(c.flows)} ${c.flows === 1 ? 'flow' : 'flows'}`,
    c.flowsEvicted ? `${n(c.flowsEvicted)} evicted early because the flow table was full (--max-flows ${n(c.maxFlows)})` : '',
    c.filesOutOfTimeOrder ? `${n(c.filesOutOfTimeOrder)} files out of time order (the meter restarted there)` : '',
  ].filter((x) => x);
  const warn = c.packetsSkipped > 0 || c.flowsEvicted > 0 || c.garbledBlocks > 0;
  return `<h2>Packets</h2><p${warn ? ' class="warn"' : ''}>${esc(parts.join('; '))}.</p>\n`;
}
