/**
 * The streaming worker against the real NATS JetStream (127.0.0.1:4222, or NETSENTINEL_NATS_URL,
 * which the workers started here read too) and PostgreSQL: a slice of
 * the CIC-IDS2017 sample is published, a worker scores it, and its stored alerts are compared by
 * key with what analyze raises on the same files with the same baseline and per-source flow-alert
 * limit (flow alerts, rule findings, and risky-source alerts with their written/suppressed counts:
 * with a source window longer than the slice, the worker's windows close at drain over the same
 * flows and findings as analyze's whole run). Then the fault: a worker SIGKILLed mid-stream and
 * restarted stores every alert exactly once, the same set as a run without the fault, with the
 * per-source flow-alert limit off (every risky flow an alert) and on (its counts rebuilt by the
 * restart's replay). Streams and schemas made here are deleted afterwards.
 */
import { flowFields } from '../flows/flow-fields.js';
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { timeOrderedCopy } from '../testing/time-ordered-sample.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { readDataset } from '../sources/read-dataset.js';
import { fitBaseline, saveBaseline } from '../risk/baseline.js';
import { runAnalysis, DEFAULT_FLOW_ALERTS_PER_SOURCE, DEFAULT_FLOW_ALERT_WINDOW_SECONDS } from '../analysis/run-analysis.js';
import { loadAnalysisConfig } from '../config/analysis-config.js';
import { openStore } from '../store/open-store.js';
import type { Sink } from '../analysis/sink.js';
import { openBus, resultsStream, type Bus } from './nats-bus.js';
import { partitionOf } from './partition.js';
import { dropPgSchemas, reachable } from '../testing/local-services.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const inCi = process.env.CI === 'true';

const NATS_URL = process.env.NETSENTINEL_NATS_URL ?? 'nats://127.0.0.1:4222';
const natsUp = await reachable(Number(new URL(NATS_URL).port || 4222), new URL(NATS_URL).hostname);
const pgUp = await reachable(5432);
const dataSkip = skipWithoutShared('datasets', 'cicids2017-sample', 'Portscan_2500.csv');
const natsSkip = dataSkip || (!natsUp && !inCi ? `NATS (JetStream) is not running at ${NATS_URL}` : false);
const pgSkip = natsSkip || (!pgUp && !inCi ? 'PostgreSQL is not running on 127.0.0.1:5432' : false);

const tmp = mkdtempSync(join(tmpdir(), 'ns-stream-'));
const streams: string[] = [];
const schemas: string[] = [];
let bus: Bus | undefined;
let baselineFile: string | undefined;
/**
 * the port scan and the SSH brute force, each in time order as a live feed comes (copies in tmp): a
 * worker judges each flow on the flows before it, and in the files' shuffled order (random samples
 * of a day) the brute force is never found flow by flow
 */
const files = (): string[] =>
  ['Portscan_2500.csv', 'SSH-Patator_2500.csv'].map((f) => {
    const out = join(tmp, f);
    return existsSync(out) ? out : timeOrderedCopy(sharedPath('datasets', 'cicids2017-sample', f) as string, tmp);
  });
const FLOWS = 5000;
const MESSAGE_FLOWS = 200;

after(async () => {
  if (bus) {
    for (const s of streams) for (const n of [s, resultsStream(s)]) await bus.jsm.streams.delete(n).catch(() => undefined);
    await bus.close();
  }
  if (schemas.length && pgUp) await dropPgSchemas(...schemas);
  rmSync(tmp, { recursive: true, force: true });
});

async function setup(): Promise<{ bus: Bus; baseline: string }> {
  bus ??= await openBus(NATS_URL, 'test');
  if (!baselineFile) {
    const benign = await readDataset([sharedPath('datasets', 'cicids2017-sample', 'BENIGN_2500.csv') as string], { warn: () => undefined });
    baselineFile = join(tmp, 'benign.nsb');
    await saveBaseline(baselineFile, await fitBaseline(benign, { seed: 7, threads: 1 }));
  }
  return { bus, baseline: baselineFile };
}

function run(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

async function publishSlice(stream: string, partitions: number): Promise<Record<string, unknown>> {
  streams.push(stream);
  const r = await run(['publish', ...files(), '--stream', stream, '--partitions', String(partitions), '--message-flows', String(MESSAGE_FLOWS), '--json', '-q']).done;
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** Wait until the consumer has every flow message acknowledged. */
async function drained(b: Bus, stream: string, durable: string, worker: ChildProcess, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (worker.exitCode !== null) throw new Error(`worker ${durable} exited early with code ${worker.exitCode}`);
    const i = await b.jsm.consumers.info(stream, durable).catch(() => undefined);
    if (i && i.num_pending === 0 && i.num_ack_pending === 0) return;
    if (Date.now() > until) throw new Error(`consumer ${durable} did not finish: ${JSON.stringify(i && { pending: i.num_pending, ackPending: i.num_ack_pending })}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function workerArgs(stream: string, durable: string, store: string, baseline: string, extra: readonly string[] = []): string[] {
  return ['stream', '--stream', stream, '--durable', durable, '--baseline', baseline, '--store', store, '--ack-wait', '5', '--json', ...extra];
}

async function storedKeys(loc: string): Promise<string[]> {
  const s = await openStore(loc);
  try {
    const all = await s.listAlerts({ limit: 1_000_000 });
    assert.equal(await s.countAlerts(), all.length);
    return all.map((a) => a.key).sort();
  } finally {
    await s.close();
  }
}

test('partitions: a stable hash of the source IP, every partition used, flows without a source in 0', () => {
  assert.equal(partitionOf('192.168.10.50', 8), partitionOf('192.168.10.50', 8));
  assert.equal(partitionOf(null, 8), 0);
  const seen = new Set<number>();
  for (let i = 0; i < 256; i++) seen.add(partitionOf(`10.0.${i}.1`, 8));
  assert.equal(seen.size, 8);
});

test('a worker scores every published flow and stores the same alerts (by key) as analyze on the same slice', { skip: natsSkip, timeout: 300_000 }, async () => {
  const { bus: b, baseline } = await setup();
  const stream = `NSTEST_${process.pid}_EQ`;
  const pub = await publishSlice(stream, 1);
  assert.equal(pub.flows, FLOWS);
  assert.equal(pub.messages, 26); // 13 per file: a message never spans two files

  const store = join(tmp, 'eq.db');
  const w = run([...workerArgs(stream, 'eq', store, baseline), '--source-window', '100000000']);
  await drained(b, stream, 'eq', w.child);
  w.child.kill('SIGTERM');
  const r = await w.done;
  assert.equal(r.code, 0, r.stderr);
  const stats = JSON.parse(r.stdout) as Record<string, number>;
  assert.equal(stats.flows, FLOWS);
  assert.equal(stats.messages, 26);
  assert.equal(stats.rejected, 0);

  // analyze on the same files, baseline and batch boundaries
  const config = await loadAnalysisConfig(undefined);
  const keys: string[] = [];
  const sourceKeys: { key: string; srcIp: string; row: Record<string, unknown> }[] = [];
  const collect: Sink = {
    name: 'collect',
    alerts: async (list) => {
      keys.push(...list.map((a) => a.key));
      for (const a of list) if (a.input.source === 'risk:ip') sourceKeys.push({ key: a.key, srcIp: a.input.srcIp!, row: { risk: a.input.netsentinel.risk, flows: a.input.netsentinel.flows, reasons: [...(a.input.netsentinel.reasons as string[])].sort(), flowAlerts: a.input.netsentinel.flowAlerts } });
    },
  };
  await runAnalysis({
    inputs: files(),
    read: { warn: () => undefined },
    baseline: (await import('../risk/baseline.js').then((m) => m.loadBaseline(baseline))),
    rules: config.rules,
    weights: config.weights,
    flowThreshold: config.thresholds.flow,
    ipThreshold: config.thresholds.ip,
    outDir: join(tmp, 'analyze-eq'),
    batchRows: MESSAGE_FLOWS,
    // the worker's rules run per message (docs/deploy.md), analyze's over 65,536-flow chunks by
    // default: per batch here, so both see the same flows at each step
    rulesChunkRows: 0,
    // and flow by flow in arrival order, as a worker's rules read a message since 6 Dec
    rulesArrivalOrder: true,
    // the worker's default, as analyze's CLI: the same flows get the alerts (first 10 per source-minute in input order)
    flowAlertLimit: { perSource: DEFAULT_FLOW_ALERTS_PER_SOURCE, windowSeconds: DEFAULT_FLOW_ALERT_WINDOW_SECONDS },
    sinks: [collect],
  });
  const streamed = await storedKeys(store);
  // with the limit: ~100 alerts, over more than 1,000 risky flows decided the same way (the sources' counts compared below)
  assert.ok(keys.length > 100, `analyze raised ${keys.length} alerts`);
  assert.ok(stats.flowAlerts + stats.flowAlertsSuppressed > 1000, `${stats.flowAlerts + stats.flowAlertsSuppressed} risky flows`);
  const s = await openStore(store);
  const sourceAlerts = (await s.listAlerts({ limit: 1_000_000 })).filter((a) => a.signature === 'netsentinel: risky source');
  await s.close();
  assert.ok(sourceAlerts.length >= 1, `${sourceAlerts.length} risky-source alerts`);
  // flow and finding alerts: the same keys; risky sources: the same rows (a worker keys them by
  // source and flow-time window instead, so a partition move gives one key, source-windows.ts)
  const analyzedSources = new Map(sourceKeys.map((k) => [k.srcIp, k]));
  assert.equal(analyzedSources.size, sourceAlerts.length);
  for (const a of sourceAlerts) {
    const n = a.record.netsentinel as Record<string, unknown>;
    assert.deepEqual({ risk: n.risk, flows: n.flows, reasons: [...(n.reasons as string[])].sort(), flowAlerts: n.flowAlerts }, analyzedSources.get(a.srcIp!)?.row, a.srcIp!);
  }
  const sourceKeySet = new Set(sourceAlerts.map((a) => a.key));
  assert.deepEqual(streamed.filter((k) => !sourceKeySet.has(k)), keys.filter((k) => !sourceKeys.some((x) => x.key === k)).sort());
  assert.equal(stats.alerts, keys.length);
  assert.ok(stats.flowAlertsSuppressed > 0, 'the scan went over the per-source limit');

  // and they went out on the bus: one message per alert and per finding
  const info = await b.jsm.streams.info(resultsStream(stream), { subjects_filter: '>' });
  const subjects = info.state.subjects ?? {};
  const prefix = stream.toLowerCase();
  assert.equal(subjects[`${prefix}.alerts`], keys.length);
  assert.equal(subjects[`${prefix}.findings`], stats.findings);
  assert.ok(stats.findings >= 2, 'the scan and the SSH brute force');
});

for (const limit of [0, DEFAULT_FLOW_ALERTS_PER_SOURCE])
test(`a worker SIGKILLed mid-stream and restarted: every flow scored, every alert stored exactly once, as without the fault (--flow-alerts-per-source ${limit})`, { skip: pgSkip, timeout: 300_000 }, async () => {
  const { bus: b, baseline } = await setup();
  const stream = `NSTEST_${process.pid}_KILL${limit}`;
  const limitArgs = ['--flow-alerts-per-source', String(limit)];
  const pub = await publishSlice(stream, 4);
  assert.equal(pub.flows, FLOWS);
  const pgUrl = (schema: string): string => {
    schemas.push(schema);
    return `postgres://postgres@127.0.0.1:5432/test?schema=${schema}`;
  };
  const refStore = pgUrl(`ns_stream_ref${limit}_${process.pid}`);
  const faultStore = pgUrl(`ns_stream_fault${limit}_${process.pid}`);

  // the run without faults
  const ref = run(workerArgs(stream, 'ref', refStore, baseline, limitArgs));
  await drained(b, stream, 'ref', ref.child);
  ref.child.kill('SIGTERM');
  const refResult = await ref.done;
  assert.equal(refResult.code, 0, refResult.stderr);

  // the faulty run: killed once a few messages are acknowledged, well before the end
  const a = run(workerArgs(stream, 'fault', faultStore, baseline, limitArgs));
  const total = (await b.jsm.consumers.info(stream, 'ref')).delivered.stream_seq;
  for (;;) {
    const i = await b.jsm.consumers.info(stream, 'fault').catch(() => undefined);
    if (a.child.exitCode !== null) throw new Error(`worker exited early: ${(await a.done).stderr}`);
    if (i && i.ack_floor.consumer_seq >= 6) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  a.child.kill('SIGKILL');
  const killed = await a.done;
  assert.equal(killed.signal, 'SIGKILL');
  const mid = await b.jsm.consumers.info(stream, 'fault');
  assert.ok(mid.num_pending + mid.num_ack_pending > 0 && mid.ack_floor.stream_seq < total, 'killed mid-stream');

  const restarted = run(workerArgs(stream, 'fault', faultStore, baseline, limitArgs));
  await drained(b, stream, 'fault', restarted.child);
  restarted.child.kill('SIGTERM');
  const r = await restarted.done;
  assert.equal(r.code, 0, r.stderr);
  const stats = JSON.parse(r.stdout) as Record<string, number>;
  // what the first worker acknowledged was replayed to rebuild the rules' state; the rest scored
  assert.ok(stats.rebuiltFlows > 0);
  assert.equal(stats.flows + stats.rebuiltFlows, FLOWS);

  const want = await storedKeys(refStore);
  const got = await storedKeys(faultStore);
  const refStats = JSON.parse(refResult.stdout) as Record<string, number>;
  if (limit) {
    // a replay that did not rebuild the limit's counts would let the restarted worker write alerts the reference suppressed
    assert.ok(want.length > 100 && refStats.flowAlertsSuppressed > 1000, `${want.length} alerts, ${refStats.flowAlertsSuppressed} suppressed`);
  } else {
    assert.ok(want.length > 1000);
    assert.equal(refStats.flowAlertsSuppressed, 0);
  }
  assert.deepEqual(got, want);
});

test('stream: one line and exit 2 when NATS or the store cannot be reached', { skip: dataSkip, timeout: 120_000 }, async () => {
  const { baseline } = await setup().catch(async () => ({ baseline: await onlyBaseline() }));
  const noNats = await run(['stream', '--nats', 'nats://127.0.0.1:1', '--baseline', baseline, '--store', join(tmp, 'x.db')]).done;
  assert.equal(noNats.code, 2);
  assert.match(noNats.stderr, /^netsentinel: stream: cannot reach NATS at nats:\/\/127\.0\.0\.1:1 \(.+\)/);
  assert.equal(noNats.stderr.trim().split('\n').length, 1, noNats.stderr);
  const noStore = await run(['stream', '--baseline', baseline, '--store', 'postgres://postgres@127.0.0.1:1/test']).done;
  assert.equal(noStore.code, 2);
  assert.match(noStore.stderr, /stream: .*PostgreSQL store at postgres:\/\/127\.0\.0\.1:1\/test/);
  assert.equal(noStore.stderr.trim().split('\n').length, 1, noStore.stderr);
});

async function onlyBaseline(): Promise<string> {
  if (!baselineFile) {
    const benign = await readDataset([sharedPath('datasets', 'cicids2017-sample', 'BENIGN_2500.csv') as string], { warn: () => undefined });
    baselineFile = join(tmp, 'benign.nsb');
    await saveBaseline(baselineFile, await fitBaseline(benign, { seed: 7, threads: 1 }));
  }
  return baselineFile;
}

test('stream --stdin: CSV and the JSON lines publish sends score the same flows to the same alerts', { skip: dataSkip, timeout: 120_000 }, async () => {
  const baseline = await onlyBaseline();
  const { encodeRow } = await import('./flow-codec.js');
  const file = sharedPath('datasets', 'cicids2017-sample', 'Portscan_2500.csv') as string;
  const table = await readDataset([file], { warn: () => undefined });
  const rows = 400;
  // the first 400 flows in time order (a stream judges each flow on those before it: in the file's
  // shuffled order these 400 show the scan to it only over hours), the same order in both texts
  const time = flowFields(table).time!;
  const order = Array.from({ length: rows }, (_, r) => r).sort((a, b) => time[a]! - time[b]! || a - b);
  const jsonLines = order.map((r) => encodeRow(table, r)).join('\n') + '\n';
  const csvLines = (await import('node:fs')).readFileSync(file, 'utf8').split('\n');
  const csv = [csvLines[0], ...order.map((r) => csvLines[r + 1])].join('\n') + '\n';
  const feed = async (text: string): Promise<Record<string, unknown>[]> => {
    // every risky flow an alert: the two readers are compared flow by flow
    const child = spawn(process.execPath, [CLI, 'stream', '--stdin', '--baseline', baseline, '--store', 'none', '--batch-rows', '100', '--flow-alerts-per-source', '0'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.stdin.end(text);
    const code = await new Promise((resolve) => child.on('close', resolve));
    assert.equal(code, 0, err);
    return out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
  };
  const fromCsv = await feed(csv);
  const fromJson = await feed(jsonLines);
  assert.ok(fromCsv.length > 100, `${fromCsv.length} alerts`);
  const sig = (list: Record<string, unknown>[]): string[] => list.map((a) => `${a.src_ip} ${a.dest_port} ${(a.alert as { signature: string }).signature} ${a.timestamp}`).sort();
  assert.deepEqual(sig(fromJson), sig(fromCsv));
});

test('stream --stdin: a pcapng piped in is metered into flows as analyze does on the file (same flows, same number of alerts)', { skip: skipWithoutShared('pcaps', 'icmp_traceroute.pcapng'), timeout: 120_000 }, async () => {
  const baseline = await onlyBaseline();
  const pcap = sharedPath('pcaps', 'icmp_traceroute.pcapng') as string;
  const fs = await import('node:fs');
  const a = await run(['analyze', pcap, '-b', baseline, '--store', 'none', '--no-report', '-o', join(tmp, 'an-pcap'), '--json', '-q']).done;
  assert.equal(a.code, 0, a.stderr);
  const analyzed = JSON.parse(a.stdout) as { flows: number; alerts: { written: number } };
  const child = spawn(process.execPath, [CLI, 'stream', '--stdin', '--baseline', baseline, '--store', 'none', '--json'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  child.stdin.end(fs.readFileSync(pcap));
  assert.equal(await new Promise((resolve) => child.on('close', resolve)), 0, err);
  const stats = JSON.parse(err.trim().split('\n').pop()!) as { flows: number; alerts: number };
  assert.ok(analyzed.flows > 0);
  assert.equal(stats.flows, analyzed.flows);
  assert.equal(stats.alerts, analyzed.alerts.written);
  assert.equal(out.trim().split('\n').filter(Boolean).length, stats.alerts);
});

test('stream --stdin: a capture piped in goes past the packet detectors too: the ARP poisoning and the SYN scan analyze finds in the file', { skip: skipWithoutShared('pcaps', 'arppoison.pcapng'), timeout: 180_000 }, async () => {
  const baseline = await onlyBaseline();
  const fs = await import('node:fs');
  // the packet detectors' findings (their rules are arp.* and packet.*), by rule and source
  const packetRules = (lines: string[]): string[] =>
    lines
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { src_ip?: string; netsentinel?: { rule?: string } })
      .filter((a) => /^(arp|packet)\./.test(a.netsentinel?.rule ?? ''))
      .map((a) => `${a.netsentinel!.rule} ${a.src_ip ?? ''}`);
  for (const name of ['arppoison.pcapng', 'synscan.pcapng']) {
    const pcap = sharedPath('pcaps', name) as string;
    const out = join(tmp, `an-${name}`);
    const a = await run(['analyze', pcap, '-b', baseline, '--store', 'none', '--no-report', '-o', out, '-q']).done;
    assert.equal(a.code, 0, a.stderr);
    const analyzed = packetRules(fs.readFileSync(join(out, 'alerts.jsonl'), 'utf8').split('\n'));
    assert.ok(analyzed.length > 0, `${name}: analyze finds the attack`);
    const child = spawn(process.execPath, [CLI, 'stream', '--stdin', '--baseline', baseline, '--store', 'none'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let so = '';
    let err = '';
    child.stdout.on('data', (d) => (so += d));
    child.stderr.on('data', (d) => (err += d));
    child.stdin.end(fs.readFileSync(pcap));
    assert.equal(await new Promise((resolve) => child.on('close', resolve)), 0, err);
    const streamed = packetRules(so.split('\n'));
    assert.deepEqual([...new Set(streamed)].sort(), [...new Set(analyzed)].sort(), `${name}: the same packet findings`);
    assert.equal(streamed.length, new Set(streamed).size, `${name}: each raised once: ${streamed.join(', ')}`);
  }
});
