/**
 * The per-source flow-alert limit in the stream worker (createBatchScorer with flowAlertLimit, the
 * `stream` CLI's --flow-alerts-per-source / --flow-alert-window):
 *  - over stdin (JSON lines of one source's port scan): at most N flow alerts per source per
 *    epoch-aligned window, exactly the first N of that window in arrival order, every risky flow
 *    either written or suppressed (the counts add up in the stats and in each risky-source
 *    alert), and N = 0 gives one alert per risky flow as before the limit existed;
 *  - the flags in `stream --help`, and the config keys (a flag wins);
 *  - whatever the batch boundaries, the first N of each source-minute in arrival order;
 *  - a restart whose replay covers the stream gives exactly the alerts of a run without it; a
 *    replay that begins mid-window can only add alerts (at most N per source and window it cut);
 *  - memory: at most maxSources sources kept, the least recently limited forgotten and counted.
 * The NATS worker (own nats-server): the stored flow alerts obey the limit and /metrics counts
 * the suppressed ones.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { hasProgram } from '../testing/programs.js';
import { NATS_SERVER, startPrivateNats } from '../testing/nats-server.js';
import { readDataset } from '../sources/read-dataset.js';
import { fitBaseline, saveBaseline, type Baseline } from '../risk/baseline.js';
import { takeTableRows, type FlowTable } from '../flows/table.js';
import { flowFields } from '../flows/flow-fields.js';
import { loadAnalysisConfig } from '../config/analysis-config.js';
import { openStore } from '../store/open-store.js';
import { createBatchScorer, type BatchScorer, type ScoringSetup } from './batch-scorer.js';
import { decodeFlows, encodeRow } from './flow-codec.js';
import type { Alert } from '../analysis/alerts.js';
import { runCli } from '../testing/cli-process.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const inCi = process.env.CI === 'true';
const skip = skipWithoutShared('datasets', 'cicids2017-sample', 'Portscan_2500.csv');
const natsSkip = skip || (!hasProgram(NATS_SERVER) && !inCi ? 'nats-server is not installed' : false);
const tmp = mkdtempSync(join(tmpdir(), 'ns-stream-limit-'));
const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  rmSync(tmp, { recursive: true, force: true });
});

const MIN = 60_000;
let fitted: { baseline: Baseline; file: string; scan: FlowTable } | undefined;
async function data(): Promise<{ baseline: Baseline; file: string; scan: FlowTable }> {
  if (!fitted) {
    const benign = await readDataset([sharedPath('datasets', 'cicids2017-sample', 'BENIGN_2500.csv') as string], { warn: () => undefined });
    const baseline = await fitBaseline(benign, { seed: 7, threads: 1 });
    const file = join(tmp, 'benign.nsb');
    await saveBaseline(file, baseline);
    const scan = await readDataset([sharedPath('datasets', 'cicids2017-sample', 'Portscan_2500.csv') as string], { warn: () => undefined });
    fitted = { baseline, file, scan };
  }
  return fitted;
}

const batches = (t: FlowTable, rows: number): FlowTable[] => {
  const out: FlowTable[] = [];
  for (let from = 0; from < t.rowCount; from += rows) out.push(takeTableRows(t, Array.from({ length: Math.min(rows, t.rowCount - from) }, (_, i) => from + i)));
  return out;
};
const isFlow = (a: Alert): boolean => a.input.source === 'risk:flow';
/** the limit's unit: a source and an epoch-aligned window of flow time */
const slot = (src: string | null, timeMs: number | null, windowMs = MIN): string => `${src} ${Math.floor((timeMs ?? NaN) / windowMs)}`;
const countBy = <T>(list: readonly T[], key: (x: T) => string): Map<string, number> => {
  const m = new Map<string, number>();
  for (const x of list) m.set(key(x), (m.get(key(x)) ?? 0) + 1);
  return m;
};

async function setupOf(limit: number, extra: Partial<ScoringSetup> = {}): Promise<ScoringSetup> {
  const config = await loadAnalysisConfig(undefined);
  return { baseline: (await data()).baseline, rules: config.rules, weights: config.weights, flowThreshold: config.thresholds.flow, ipThreshold: config.thresholds.ip, flowAlertLimit: limit > 0 ? { perSource: limit, windowSeconds: 60 } : undefined, ...extra };
}

function scoreAll(s: BatchScorer, list: readonly FlowTable[]): { flow: Alert[]; suppressed: number } {
  const flow: Alert[] = [];
  let suppressed = 0;
  for (const b of list) {
    const r = s.scoreBatch(b, 0);
    flow.push(...r.alerts.filter(isFlow));
    suppressed += r.suppressed;
  }
  return { flow, suppressed };
}

test('stream --stdin (JSON lines of a port scan): at most N flow alerts per source per minute, the first N in arrival order; written + suppressed = risky flows; N = 0 restores one alert per risky flow', { skip, timeout: 180_000 }, async () => {
  const { file, scan } = await data();
  const lines = Array.from({ length: scan.rowCount }, (_, r) => encodeRow(scan, r)).join('\n') + '\n';
  const feed = async (extra: string[]): Promise<{ alerts: Record<string, any>[]; stats: Record<string, number> }> => {
    const child = spawn(process.execPath, [CLI, 'stream', '--stdin', '--baseline', file, '--store', 'none', '--batch-rows', '150', '--json', ...extra], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.stdin.end(lines);
    assert.equal(await new Promise((resolve) => child.on('close', resolve)), 0, err);
    return { alerts: out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>), stats: JSON.parse(err.trim().split('\n').pop()!) as Record<string, number> };
  };
  const N = 4;
  const limited = await feed(['--flow-alerts-per-source', String(N)]);
  const byDefault = await feed([]);
  const off = await feed(['--flow-alerts-per-source', '0']);
  const flows = (r: { alerts: Record<string, any>[] }): Record<string, any>[] => r.alerts.filter((a) => a.alert.signature === 'netsentinel: risky flow');
  const slotOf = (a: Record<string, any>): string => slot(a.src_ip as string, Date.parse(a.timestamp as string));

  // off: one alert per risky flow, nothing suppressed, no flowAlerts in the source alerts (as before the limit)
  const all = flows(off);
  assert.equal(off.stats.flowAlertsSuppressed, 0);
  assert.equal(all.length, off.stats.flowAlerts);
  // flow by flow (a stream's rules visit each batch in arrival order) the shuffled scan has 1,939
  // risky flows; each 150-flow batch sorted by time, as before 6 Dec, made it over 2,000
  assert.ok(all.length > 1500, `${all.length} risky flows in the scan`);
  for (const a of off.alerts) assert.equal(a.netsentinel.flowAlerts, undefined);

  // on: the first N of each source's minute, in arrival order (stdout order of the unlimited run)
  const seen = new Map<string, number>();
  const firstN = all.filter((a) => {
    const n = seen.get(slotOf(a)) ?? 0;
    seen.set(slotOf(a), n + 1);
    return n < N;
  });
  const lineOf = (a: Record<string, any>): number => a.netsentinel.line as number;
  assert.deepEqual(flows(limited).map(lineOf), firstN.map(lineOf));
  assert.ok(Math.max(...countBy(flows(limited), slotOf).values()) <= N);
  assert.ok(seen.size > 10, `${seen.size} source-minutes: the windows are the unit, not the whole run`);
  assert.equal(limited.stats.flowAlerts, firstN.length);
  assert.equal(limited.stats.flowAlerts + limited.stats.flowAlertsSuppressed, all.length, 'every risky flow written or suppressed');
  // the default is analyze's: 10 per source per 60 s
  assert.equal(byDefault.stats.flowAlerts, all.filter((a, i) => all.slice(0, i).filter((b) => slotOf(b) === slotOf(a)).length < 10).length);

  // each risky-source alert says what became of its window's risky flows
  const sources = limited.alerts.filter((a) => a.alert.signature === 'netsentinel: risky source');
  assert.ok(sources.length >= 1);
  for (const s of sources) {
    const fa = s.netsentinel.flowAlerts as { written: number; suppressed: number; leftOut: number };
    assert.equal(fa.written + fa.suppressed, s.netsentinel.riskyFlows, JSON.stringify(s.netsentinel));
    assert.equal(fa.leftOut, 0);
  }
  assert.ok(sources.reduce((n, s) => n + s.netsentinel.flowAlerts.suppressed, 0) > 0);
  assert.ok(sources.reduce((n, s) => n + s.netsentinel.flowAlerts.written, 0) <= limited.stats.flowAlerts);
  // the rest of the alerts (findings, risky sources' rows) are the unlimited run's
  const other = (r: { alerts: Record<string, any>[] }): string[] => r.alerts.filter((a) => a.alert.signature !== 'netsentinel: risky flow').map((a) => `${a.alert.signature} ${a.timestamp} ${a.netsentinel.risk}`);
  assert.deepEqual(other(limited), other(off));
});

test('stream --help lists the two flags; the config keys alerts.flowAlertsPerSource / flowAlertWindowSeconds set them, a flag wins over the config', { skip, timeout: 180_000 }, async () => {
  const { file, scan } = await data();
  const help = spawnSync(process.execPath, [CLI, 'stream', '--help'], { encoding: 'utf8' });
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /--flow-alerts-per-source N .*config alerts\.flowAlertsPerSource; default 10\)/);
  assert.match(help.stdout, /--flow-alert-window SECONDS .*config alerts\.flowAlertWindowSeconds; default 60\)/);
  const lines = Array.from({ length: 600 }, (_, r) => encodeRow(scan, r)).join('\n') + '\n';
  const config = join(tmp, 'limit.yaml');
  writeFileSync(config, 'alerts:\n  flowAlertsPerSource: 2\n  flowAlertWindowSeconds: 120\n');
  const stats = (args: string[]): Record<string, number> => {
    const r = spawnSync(process.execPath, [CLI, 'stream', '--stdin', '--baseline', file, '--store', 'none', '--json', ...args], { input: lines, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stderr.trim().split('\n').pop()!) as Record<string, number>;
  };
  const fromConfig = stats(['--config', config]);
  const fromFlags = stats(['--flow-alerts-per-source', '2', '--flow-alert-window', '120']);
  const flagWins = stats(['--config', config, '--flow-alerts-per-source', '0']);
  assert.ok(fromConfig.flowAlertsSuppressed > 0);
  assert.deepEqual([fromConfig.flowAlerts, fromConfig.flowAlertsSuppressed], [fromFlags.flowAlerts, fromFlags.flowAlertsSuppressed]);
  assert.notEqual(fromConfig.flowAlerts, stats(['--flow-alerts-per-source', '2']).flowAlerts, 'the window from the config (120 s, not the default 60 s) is used');
  assert.equal(flagWins.flowAlertsSuppressed, 0);
  assert.equal(flagWins.flowAlerts, fromConfig.flowAlerts + fromConfig.flowAlertsSuppressed);
});

test('whatever the batch boundaries, the alerts go to the first N risky flows of each source-minute in arrival order (counts carry across batches)', { skip, timeout: 180_000 }, async () => {
  const { scan } = await data();
  const N = 3;
  for (const rows of [37, 500]) {
    // the rules' evidence (so which flows are risky) may depend on the batching: the limit is checked against the same batching without it
    const all = scoreAll(createBatchScorer(await setupOf(0)), batches(scan, rows)).flow;
    const limited = scoreAll(createBatchScorer(await setupOf(N)), batches(scan, rows));
    const seen = new Map<string, number>();
    const firstN = all.filter((a) => {
      const k = slot(a.input.srcIp, a.input.timeMs);
      seen.set(k, (seen.get(k) ?? 0) + 1);
      return seen.get(k)! <= N;
    });
    assert.ok(firstN.length < all.length && firstN.length > N, `${firstN.length} of ${all.length}`);
    assert.deepEqual(limited.flow.map((a) => a.key), firstN.map((a) => a.key), `batches of ${rows}`);
    assert.equal(limited.suppressed, all.length - firstN.length);
  }
});

test('restart: a replay of every message before the ack floor rebuilds the counts (same alerts as without it); a replay begun mid-window only adds, at most N per source-minute it cut', { skip, timeout: 180_000 }, async () => {
  const { scan } = await data();
  const N = 3;
  // in time order, 10-flow messages: a replay begun mid-stream finds the scan's episode again from
  // its own flows (the shuffled file's one long episode, open since its first hour, is not found
  // again by a replay of its last flows: that is the rules' state, not the limit's counts this test
  // is about; a stream's rules read each message in arrival order since 6 Dec), and a replay of one
  // 10-flow message cuts a minute of the dense scan (a 150-flow replay rebuilt its counts whole)
  const time = flowFields(scan).time!;
  const msgs = batches(takeTableRows(scan, Array.from({ length: scan.rowCount }, (_, i) => i).sort((a, b) => time[a] - time[b] || a - b)), 10);
  const setup = await setupOf(N);
  const ref = scoreAll(createBatchScorer(setup), msgs);
  const kill = 20;
  // the first worker scored (and acknowledged) msgs[0..kill) before it died
  const before = scoreAll(createBatchScorer(setup), msgs.slice(0, kill));
  const restarted = (from: number): { flow: Alert[]; suppressed: number } => {
    const s = createBatchScorer(setup);
    for (const m of msgs.slice(from, kill)) assert.equal(s.replay(m, 0).alerts.filter(isFlow).length, 0, 'a replay makes no flow alert');
    return scoreAll(s, msgs.slice(kill));
  };
  const full = restarted(0);
  assert.deepEqual([...before.flow, ...full.flow].map((a) => a.key), ref.flow.map((a) => a.key));
  assert.equal(before.suppressed + full.suppressed, ref.suppressed);

  // without the counts of the flows before the replay, nothing the reference wrote is missed, and
  // what is added lies in the source-minutes that had risky flows before the replay began
  const from = kill - 1;
  const partial = restarted(from);
  const refAfter = ref.flow.slice(before.flow.length);
  const got = new Set(partial.flow.map((a) => a.key));
  for (const a of refAfter) assert.ok(got.has(a.key), 'an alert of the run without the restart is missed');
  const want = new Set(refAfter.map((a) => a.key));
  const extra = partial.flow.filter((a) => !want.has(a.key));
  assert.ok(extra.length > 0, 'the cut replay window must show the case (else the test proves nothing)');
  const cut = new Set<string>();
  for (const m of msgs.slice(0, from)) for (let r = 0; r < m.rowCount; r++) cut.add(slot(srcOf(m, r), timeOf(m, r)));
  for (const [s, n] of countBy(extra, (a) => slot(a.input.srcIp, a.input.timeMs))) {
    assert.ok(cut.has(s), `extra alerts in ${s}, a source-minute without flows before the replay`);
    assert.ok(n <= N, `${n} extra alerts in ${s}`);
  }
});

function srcOf(t: FlowTable, r: number): string | null {
  const c = t.columns.find((x) => x.name === 'Src IP')!;
  if (c.kind !== 'categorical') return null;
  return c.codes[r] < 0 ? null : c.dictionary[c.codes[r]];
}
function timeOf(t: FlowTable, r: number): number {
  const c = t.columns.find((x) => x.name === 'Timestamp')!;
  return c.kind === 'numeric' ? c.values[r] : NaN;
}

test('memory: at most maxSources sources kept, the least recently limited forgotten and counted (set "flow-alert-sources")', { skip, timeout: 180_000 }, async () => {
  const { scan } = await data();
  // 2,500 flows from 1,000 sources in turn, every flow risky (threshold near 0)
  const lines: string[] = [];
  for (let r = 0; r < scan.rowCount; r++) {
    const o = JSON.parse(encodeRow(scan, r)) as Record<string, unknown>;
    o['Src IP'] = `10.1.${Math.floor((r % 1000) / 250)}.${r % 250}`;
    lines.push(JSON.stringify(o));
  }
  const many = decodeFlows(lines.join('\n'), 'many');
  const run = async (maxSources: number): Promise<{ s: BatchScorer; evicted: Map<string, number>; flow: Alert[] }> => {
    const evicted = new Map<string, number>();
    const s = createBatchScorer(await setupOf(1, { flowThreshold: 1e-9, ipThreshold: undefined, maxSources, onEvict: (set, n) => evicted.set(set, (evicted.get(set) ?? 0) + n) }));
    const { flow } = scoreAll(s, batches(many, 100));
    return { s, evicted, flow };
  };
  const big = await run(5000);
  assert.equal(big.s.gate.trackedSources, 1000);
  assert.equal(big.s.gate.evictions, 0);
  assert.equal(big.evicted.size, 0);
  assert.ok(Math.max(...countBy(big.flow, (a) => slot(a.input.srcIp, a.input.timeMs)).values()) <= 1);

  const small = await run(50);
  assert.equal(small.s.gate.trackedSources, 50);
  // round robin over 1,000 sources with room for 50: every flow finds its source forgotten
  assert.equal(small.s.gate.evictions, scan.rowCount - 50);
  assert.equal(small.evicted.get('flow-alert-sources'), small.s.gate.evictions);
  // the price, and the only one: a source forgotten and seen again in its window gets alerts again
  assert.equal(small.flow.length, scan.rowCount);
});

test('stream over NATS (own nats-server): stored flow alerts within the limit, the counts add up, /metrics counts the suppressed', { skip: natsSkip, timeout: 300_000 }, async () => {
  const { file } = await data();
  const nats = await startPrivateNats(join(tmp, 'nats'));
  cleanups.push(() => nats.kill());
  const stream = 'NSLIMIT';
  const scanFile = sharedPath('datasets', 'cicids2017-sample', 'Portscan_2500.csv') as string;
  const run = runCli;
  const pub = await run(['publish', scanFile, '--nats', nats.url, '--stream', stream, '--partitions', '2', '--message-flows', '100', '--json', '-q']).done;
  assert.equal(pub.code, 0, pub.stderr);
  const { openBus } = await import('./nats-bus.js');
  const bus = await openBus(nats.url, 'test');
  cleanups.push(() => bus.close());
  const worker = async (durable: string, extra: string[]): Promise<{ stats: Record<string, number>; metrics: string; store: string }> => {
    const store = join(tmp, `${durable}.db`);
    const w = run(['stream', '--nats', nats.url, '--stream', stream, '--durable', durable, '--baseline', file, '--store', store, '--metrics-port', '0', '--json', ...extra]);
    let port = 0;
    for (const end = Date.now() + 120_000; ; ) {
      if (w.child.exitCode !== null) throw new Error(w.stderr());
      if (!port) port = Number(/metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(w.stderr())?.[1] ?? 0);
      const i = await bus.jsm.consumers.info(stream, durable).catch(() => undefined);
      if (port && i && i.num_pending === 0 && i.num_ack_pending === 0 && i.delivered.stream_seq > 0) break;
      assert.ok(Date.now() < end, `worker ${durable} did not finish: ${w.stderr()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    w.child.kill('SIGTERM');
    const r = await w.done;
    assert.equal(r.code, 0, r.stderr);
    return { stats: JSON.parse(r.stdout) as Record<string, number>, metrics, store };
  };
  const flowAlerts = async (loc: string): Promise<{ key: string; slot: string }[]> => {
    const s = await openStore(loc);
    try {
      return (await s.listAlerts({ limit: 1_000_000 })).filter((a) => a.signature === 'netsentinel: risky flow').map((a) => ({ key: a.key, slot: slot(a.srcIp, Date.parse(a.timestamp)) }));
    } finally {
      await s.close();
    }
  };
  const N = 5;
  const off = await worker('off', ['--flow-alerts-per-source', '0']);
  const on = await worker('on', ['--flow-alerts-per-source', String(N)]);
  const all = await flowAlerts(off.store);
  const limited = await flowAlerts(on.store);
  assert.equal(all.length, off.stats.flowAlerts);
  assert.equal(limited.length, on.stats.flowAlerts);
  assert.equal(on.stats.flowAlerts + on.stats.flowAlertsSuppressed, all.length);
  assert.ok(on.stats.flowAlertsSuppressed > 0);
  // per source-minute: min(N, its risky flows), and only flows that were risky without the limit
  const keys = new Set(all.map((a) => a.key));
  for (const a of limited) assert.ok(keys.has(a.key));
  const perSlot = countBy(limited, (a) => a.slot);
  for (const [s, n] of countBy(all, (a) => a.slot)) assert.equal(perSlot.get(s) ?? 0, Math.min(N, n), s);
  const sample = (text: string, name: string): number => Number(text.split('\n').find((l) => l.startsWith(`${name}{`))!.split(' ').pop());
  assert.equal(sample(on.metrics, 'netsentinel_stream_flow_alerts_suppressed_total'), on.stats.flowAlertsSuppressed);
  assert.equal(sample(off.metrics, 'netsentinel_stream_flow_alerts_suppressed_total'), 0);
});
