/**
 * CPU of analyze's per-flow stages after scoring, alone and side by side with another build: the
 * rules (RulesStage over every batch, then finish), per-source aggregation (add every scored
 * batch, then the risky sources' rows, as analyze asks), the flows_scored.csv writer, the alerts (every risky flow's, every finding's,
 * every risky source's: EVE record, key and JSON line) and risky_ips.csv. The input is read and scored once, with this
 * build; then each rep runs the three stages afresh with this build and, given `--against DIST`
 * (another build's dist/, e.g. main's), with that one, alternating which goes first, in the same
 * process on the same batches: load on a shared machine hits both alike. The first rep warms the
 * code up and is not counted (analyze runs each stage once, so a fresh process pays that warm-up
 * too: see the rules' first batch). Prints medians and minima in CPU ms, and whether the two
 * builds' outputs (rule p per flow, findings, source rows, CSV bytes, alerts, risky_ips.csv) are
 * identical.
 *
 *   node dist/bench/sink-stages-bench.js INPUT BASELINE.nsb [reps] [--against OTHER/dist]
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { streamDataset } from '../sources/read-dataset.js';
import { flowFields, type FlowFields } from '../flows/flow-fields.js';
import type { FlowTable } from '../flows/table.js';
import { loadBaseline } from '../risk/baseline.js';
import { createScoreStage, type ScoredFlows } from '../analysis/score-stage.js';
import { loadAnalysisConfig } from '../config/analysis-config.js';
import type { createRulesStage as CreateRulesStage } from '../analysis/rules-stage.js';
import type { createSourceAggregation as CreateSourceAggregation } from '../analysis/source-aggregation.js';
import type { flowsCsvSink as FlowsCsvSink } from '../analysis/sinks/flows-csv-sink.js';
import type * as AlertsModule from '../analysis/alerts.js';
import type { riskyIpsCsv as RiskyIpsCsv } from '../report/risky-ips.js';

interface Stages {
  readonly createRulesStage: typeof CreateRulesStage;
  readonly createSourceAggregation: typeof CreateSourceAggregation;
  readonly flowsCsvSink: typeof FlowsCsvSink;
  readonly alerts: typeof AlertsModule;
  readonly riskyIpsCsv: typeof RiskyIpsCsv;
}

interface Batch {
  readonly table: FlowTable;
  readonly ff: FlowFields;
  readonly scored: ScoredFlows;
}

const STAGES = ['rules', 'aggregate', 'csv', 'alerts', 'risky_ips'] as const;
type Stage = (typeof STAGES)[number];

async function stagesOf(dist: string): Promise<Stages> {
  const rules = await import(join(dist, 'analysis/rules-stage.js'));
  const agg = await import(join(dist, 'analysis/source-aggregation.js'));
  const csv = await import(join(dist, 'analysis/sinks/flows-csv-sink.js'));
  const alerts = await import(join(dist, 'analysis/alerts.js'));
  const risky = await import(join(dist, 'report/risky-ips.js'));
  return {
    createRulesStage: rules.createRulesStage,
    createSourceAggregation: agg.createSourceAggregation,
    flowsCsvSink: csv.flowsCsvSink,
    alerts,
    riskyIpsCsv: risky.riskyIpsCsv,
  };
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const at = args.indexOf('--against');
  const against = at >= 0 ? resolve(args[at + 1] ?? '') : null;
  if (at >= 0) args.splice(at, 2);
  const [input, baselineFile, repsArg] = args;
  if (!input || !baselineFile) throw new Error('usage: sink-stages-bench.js INPUT BASELINE.nsb [reps] [--against OTHER/dist]');
  const reps = Math.max(2, Number(repsArg ?? 7));
  const config = await loadAnalysisConfig(undefined);
  const score = createScoreStage({ baseline: await loadBaseline(baselineFile), weights: { ...config.weights, rules: 1 }, flowThreshold: config.thresholds.flow });
  const builds: [string, Stages][] = [['this', await stagesOf(join(dirname(fileURLToPath(import.meta.url)), '..'))]];
  if (against) builds.push(['against', await stagesOf(against)]);

  // read and score once (this build's rules give the rule p the scores use)
  const scoringRules = builds[0][1].createRulesStage(config.rules);
  const batches: Batch[] = [];
  let rowOffset = 0;
  for await (const table of streamDataset([input], { batchRows: 65536 })) {
    const ff = flowFields(table);
    const scored = score.score(table, ff, scoringRules.observe(table, ff), rowOffset);
    rowOffset += table.rowCount;
    batches.push({ table, ff, scored });
  }
  const findings = scoringRules.finish().findings;

  const out = mkdtempSync(join(tmpdir(), 'ns-sink-stages-'));
  const times = new Map(builds.map(([name]) => [name, new Map<Stage, number[]>(STAGES.map((s) => [s, []]))]));
  const outputs = new Map<string, string[]>();
  try {
    for (let rep = 0; rep < reps; rep++) {
      const order = rep % 2 === 0 ? builds : [...builds].reverse();
      for (const [name, st] of order) {
        let c = process.cpuUsage();
        const rules = st.createRulesStage(config.rules);
        const ruleP = batches.map((b) => rules.observe(b.table, b.ff));
        const finished = rules.finish();
        const tRules = cpuMs(c);
        c = process.cpuUsage();
        const agg = st.createSourceAggregation();
        for (const b of batches) agg.add(b.scored);
        // what analyze asks for: the risky sources' rows and the count of all (rows() filtered, in
        // a build without riskyRows)
        const picked = agg.riskyRows
          ? agg.riskyRows(findings, new Map(), 1, config.thresholds.ip)
          : ((all) => ({ rows: all.filter((r) => r.risk >= config.thresholds.ip), sources: all.length }))(agg.rows(findings, new Map(), 1));
        const tAgg = cpuMs(c);
        const dir = join(out, name);
        mkdirSync(dir, { recursive: true });
        c = process.cpuUsage();
        const sink = st.flowsCsvSink();
        await sink.open?.({ outDir: dir, startedAt: new Date(0), now: 0, inputs: [input], detectors: score.detectors, hasClassifier: false, thresholds: config.thresholds });
        for (const b of batches) await sink.batch?.(b.scored);
        // the CSV sink commits by renaming its staged file; it reads nothing of the result
        await sink.commit?.({} as never);
        const tCsv = cpuMs(c);
        // as the pipeline raises them (without a per-source limit or cap): risky flows batch by
        // batch, then the findings, then the risky sources; a fixed `now` so both builds agree
        c = process.cpuUsage();
        const now = 0;
        const alerts = [];
        for (const b of batches) {
          const s = b.scored;
          for (let r = 0; r < s.rows; r++) if (s.risk[r] >= config.thresholds.flow) alerts.push(st.alerts.flowAlert(s, r, now));
        }
        alerts.push(...st.alerts.findingAlerts(findings, now));
        const risky = picked.rows;
        for (const r of risky) alerts.push(st.alerts.sourceAlert(r, now));
        const tAlerts = cpuMs(c);
        c = process.cpuUsage();
        const riskyCsv = st.riskyIpsCsv(risky, findings);
        const tRisky = cpuMs(c);
        if (rep > 0) {
          const t = times.get(name)!;
          t.get('rules')!.push(tRules);
          t.get('aggregate')!.push(tAgg);
          t.get('csv')!.push(tCsv);
          t.get('alerts')!.push(tAlerts);
          t.get('risky_ips')!.push(tRisky);
        } else {
          const p = ruleP.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64')).join('|');
          const alertText = alerts.map((a) => `${a.key} ${a.json}`).join('\n');
          // every source's row too (not timed), and the risky ones as analyze gets them
          const rows = JSON.stringify([agg.rows(findings, new Map(), 1), picked]);
          outputs.set(name, [p, JSON.stringify(finished), rows, readFileSync(join(dir, 'flows_scored.csv')).toString('base64'), alertText, riskyCsv]);
        }
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  const median = (x: number[]): number => [...x].sort((a, b) => a - b)[Math.floor(x.length / 2)];
  const result: Record<string, unknown> = { input, flows: rowOffset, batches: batches.length, reps: reps - 1 };
  for (const [name] of builds) {
    for (const s of STAGES) {
      const x = times.get(name)!.get(s)!;
      result[`${name}_${s}_median_ms`] = Math.round(median(x));
      result[`${name}_${s}_min_ms`] = Math.round(Math.min(...x));
    }
  }
  if (against) {
    const [a, b] = [outputs.get('this')!, outputs.get('against')!];
    result.identical = { ruleP: a[0] === b[0], findings: a[1] === b[1], sourceRows: a[2] === b[2], csv: a[3] === b[3], alerts: a[4] === b[4], riskyIpsCsv: a[5] === b[5] };
  }
  console.log(JSON.stringify(result));
}

if (process.argv[1]?.endsWith('sink-stages-bench.js')) await main();
