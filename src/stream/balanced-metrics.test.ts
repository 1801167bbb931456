/**
 * `stream --balance N --metrics-port`: a balanced worker serves the same /metrics, /healthz and
 * /readyz as a worker with fixed partitions, with its lease state by partition. Against a private
 * nats-server (never the machine's) and one SQLite file for the alerts and the leases: a worker
 * takes all four partitions of a stream of CIC-IDS2017 port-scan flows, and its /metrics counts
 * every message and flow, alerts, findings, suppressed flow alerts, evictions and latency, with
 * each partition held, consuming and its consumer's lag (0 once consumed) reported. A second worker
 * joins: each then reports two partitions held, every partition held by exactly one of them, the
 * first counts the two it gave back and its counters never go down; the two scrapes add up to
 * everything published, and to what the workers say at exit. Without a server: what makes a
 * balanced worker unready, and counters that never fall when partitions move.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDataset } from '../sources/read-dataset.js';
import { fitBaseline, saveBaseline } from '../risk/baseline.js';
import { NATS_SERVER, startPrivateNats } from '../testing/nats-server.js';
import { hasProgram } from '../testing/programs.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { BalancedMetrics } from './balanced-metrics.js';
import { runCli, type CliRun } from '../testing/cli-process.js';
import { timeOrderedCopy } from '../testing/time-ordered-sample.js';

const inCi = process.env.CI === 'true';
const skip = skipWithoutShared('datasets', 'cicids2017-sample', 'Portscan_2500.csv') || (!hasProgram(NATS_SERVER) && !inCi ? 'nats-server is not installed' : false);
const tmp = mkdtempSync(join(tmpdir(), 'ns-balanced-metrics-'));
const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  rmSync(tmp, { recursive: true, force: true });
});

const PARTITIONS = 4;
// in time order, as a live feed comes: a worker judges each flow on the flows before it
const sample = (f: string): string => timeOrderedCopy(sharedPath('datasets', 'cicids2017-sample', f) as string, tmp);

function run(args: string[]): CliRun {
  const r = runCli(args);
  cleanups.push(async () => void (r.child.exitCode === null && r.child.kill('SIGKILL')));
  return r;
}

/** every sample of `name`: its labels (without worker="…") → value */
function samples(text: string, name: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const line of text.split('\n')) {
    const r = /^([a-z_]+)\{worker="[^"]*"(?:,(.*))?\} (\S+)$/.exec(line);
    if (r && r[1] === name) m.set(r[2] ?? '', Number(r[3]));
  }
  return m;
}

function one(text: string, name: string, labels = ''): number {
  const v = samples(text, name).get(labels);
  assert.ok(v !== undefined, `no ${name}{${labels}} in:\n${text}`);
  return v;
}

const total = (text: string, name: string): number => [...samples(text, name).values()].reduce((a, b) => a + b, 0);

async function until<T>(what: string, w: CliRun[], probe: () => Promise<T | undefined>, timeoutMs = 180_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    for (const x of w) if (x.child.exitCode !== null) throw new Error(`a worker exited while waiting for ${what}: ${x.stderr()}`);
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}:\n${w.map((x) => x.stderr().slice(-2000)).join('\n---\n')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

test('stream --balance --metrics-port: /metrics counts what the worker does and reports the partitions it holds; /healthz and /readyz answer', { skip, timeout: 400_000 }, async () => {
  const nats = await startPrivateNats(join(tmp, 'nats'));
  cleanups.push(() => nats.kill());
  const benign = await readDataset([sample('BENIGN_2500.csv')], { warn: () => undefined });
  const baseline = join(tmp, 'benign.nsb');
  await saveBaseline(baseline, await fitBaseline(benign, { detectors: ['isolation-forest'], seed: 7, threads: 1 }));
  const stream = 'NSBALMETRICS';
  const store = join(tmp, 'alerts.db');
  const publish = async (file: string): Promise<{ flows: number; messages: number }> => {
    const r = await run(['publish', sample(file), '--nats', nats.url, '--stream', stream, '--partitions', String(PARTITIONS), '--message-flows', '100', '--json', '-q']).done;
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as { flows: number; messages: number };
  };
  // a low flow-alert limit and few sources kept: the port scan's flow alerts are suppressed, the benign flows' source windows evicted
  const worker = (): CliRun & { port: () => Promise<number> } => {
    const w = run(['stream', '--nats', nats.url, '--stream', stream, '--durable', 'bm', '--balance', String(PARTITIONS), '--lease-ttl', '4', '--baseline', baseline, '--store', store, '--flow-alerts-per-source', '5', '--max-sources', '2', '--metrics-port', '0', '--json']);
    const port = (): Promise<number> => until('the metrics port', [w], async () => {
      const m = /metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(w.stderr());
      return m ? Number(m[1]) : undefined;
    }, 60_000);
    return { ...w, port };
  };
  const get = async (port: number, path: string): Promise<{ status: number; body: string }> => {
    const r = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: r.status, body: await r.text() };
  };

  const first = await publish('Portscan_2500.csv');
  const a = worker();
  const portA = await a.port();
  assert.deepEqual(await get(portA, '/healthz'), { status: 200, body: 'ok\n' });
  const every = Array.from({ length: PARTITIONS }, (_, p) => p);
  const m1 = await until('worker A holding every partition and done with the first messages', [a], async () => {
    const m = (await get(portA, '/metrics')).body;
    const lag = samples(m, 'netsentinel_stream_consumer_lag');
    const done = total(m, 'netsentinel_stream_partition_held') === PARTITIONS && one(m, 'netsentinel_stream_messages_total') === first.messages && lag.size === PARTITIONS && [...lag.values()].every((v) => v === 0);
    return done ? m : undefined;
  });
  assert.equal(one(m1, 'netsentinel_stream_flows_total'), first.flows);
  assert.equal(one(m1, 'netsentinel_stream_latency_seconds_count'), first.messages);
  assert.ok(total(m1, 'netsentinel_stream_alerts_total') > 0, m1);
  assert.ok(one(m1, 'netsentinel_stream_findings_total') > 0, 'the port scan found');
  assert.ok(one(m1, 'netsentinel_stream_flow_alerts_suppressed_total') > 0, 'flow alerts above the limit counted');
  assert.equal(one(m1, 'netsentinel_stream_nats_connected'), 1);
  assert.equal(one(m1, 'netsentinel_stream_stalled'), 0);
  assert.equal(one(m1, 'netsentinel_stream_partitions'), PARTITIONS);
  assert.equal(one(m1, 'netsentinel_stream_group_workers'), 1);
  assert.equal(one(m1, 'netsentinel_stream_partition_moves_total', 'action="took"'), PARTITIONS);
  assert.equal(one(m1, 'netsentinel_stream_worker_info', `owner="bm@${(await import('node:os')).hostname()}:${a.child.pid}"`), 1);
  for (const p of every) {
    assert.equal(one(m1, 'netsentinel_stream_partition_held', `partition="${p}"`), 1);
    assert.equal(one(m1, 'netsentinel_stream_partition_consuming', `partition="${p}"`), 1);
    assert.equal(one(m1, 'netsentinel_stream_consumer_lag', `consumer="bm-p${p}",partition="${p}"`), 0);
  }
  // per partition, the messages add up to the worker's (and the stream's)
  assert.equal(total(m1, 'netsentinel_stream_partition_messages_total'), first.messages);
  assert.equal(one(m1, 'netsentinel_stream_ready'), 1);
  assert.deepEqual(await get(portA, '/readyz'), { status: 200, body: 'ready\n' });

  // a second worker joins and more flows come: the partitions are split two and two
  const b = worker();
  const portB = await b.port();
  const second = await publish('BENIGN_2500.csv');
  const [mA, mB] = await until('the partitions split between A and B and every message scored', [a, b], async () => {
    const [x, y] = await Promise.all([get(portA, '/metrics'), get(portB, '/metrics')]);
    const split = every.every((p) => one(x.body, 'netsentinel_stream_partition_held', `partition="${p}"`) + one(y.body, 'netsentinel_stream_partition_held', `partition="${p}"`) === 1);
    const both = total(x.body, 'netsentinel_stream_partition_held') === 2 && total(y.body, 'netsentinel_stream_partition_held') === 2;
    const scored = one(x.body, 'netsentinel_stream_messages_total') + one(y.body, 'netsentinel_stream_messages_total') === first.messages + second.messages;
    const lagged = [x.body, y.body].every((m) => samples(m, 'netsentinel_stream_consumer_lag').size === 2 && [...samples(m, 'netsentinel_stream_consumer_lag').values()].every((v) => v === 0));
    return split && both && scored && lagged ? [x.body, y.body] : undefined;
  });
  assert.equal(one(mA, 'netsentinel_stream_partition_moves_total', 'action="gave_back"'), 2);
  assert.equal(one(mB, 'netsentinel_stream_partition_moves_total', 'action="took"'), 2);
  for (const m of [mA, mB]) assert.equal(one(m, 'netsentinel_stream_group_workers'), 2);
  // counters of the partitions A gave back are kept: A's counts only grew
  assert.ok(one(mA, 'netsentinel_stream_messages_total') >= first.messages);
  assert.ok(one(mA, 'netsentinel_stream_findings_total') >= one(m1, 'netsentinel_stream_findings_total'));
  assert.equal(one(mA, 'netsentinel_stream_flows_total') + one(mB, 'netsentinel_stream_flows_total'), first.flows + second.flows);
  assert.deepEqual(await get(portB, '/readyz'), { status: 200, body: 'ready\n' });
  // the benign flows' many sources overflow --max-sources 2
  assert.ok(total(mA, 'netsentinel_stream_state_evictions_total') + total(mB, 'netsentinel_stream_state_evictions_total') > 0, `${mA}\n${mB}`);

  a.child.kill('SIGTERM');
  b.child.kill('SIGTERM');
  const [ra, rb] = await Promise.all([a.done, b.done]);
  assert.equal(ra.code, 0, ra.stderr);
  assert.equal(rb.code, 0, rb.stderr);
  // what the workers say at exit is what they reported
  for (const [r, m] of [[ra, mA], [rb, mB]] as const) {
    const stats = JSON.parse(r.stdout) as { messages: number; flows: number; flowAlertsSuppressed: number };
    assert.equal(stats.messages, one(m, 'netsentinel_stream_messages_total'));
    assert.equal(stats.flows, one(m, 'netsentinel_stream_flows_total'));
    assert.equal(stats.flowAlertsSuppressed, one(m, 'netsentinel_stream_flow_alerts_suppressed_total'));
  }
});

test('BalancedMetrics: counters kept across moves; ready while in the group, connected and not stalled (a standby holding nothing is ready)', () => {
  const m = new BalancedMetrics(3, 'd@h:1', 2000);
  const up = { natsConnected: true };
  assert.match(m.notReady(up), /not in the group/);
  m.beat(2, Date.now());
  m.balancing = true;
  assert.equal(m.notReady(up), '', 'holding no partition: a standby, ready');
  assert.match(m.notReady({ natsConnected: false }), /NATS/);
  m.took(1);
  const p1 = m.partition(1);
  assert.equal(m.partition(1), p1, 'one object per partition');
  p1.messages += 5;
  p1.flows += 500;
  p1.latency(0.01);
  m.process.evicted('sources', 2);
  let text = m.render('d', up);
  assert.equal(one(text, 'netsentinel_stream_partition_held', 'partition="1"'), 1);
  assert.equal(one(text, 'netsentinel_stream_partition_consuming', 'partition="1"'), 0, 'taken, not consuming yet (rebuilding)');
  assert.equal(one(text, 'netsentinel_stream_ready'), 1, 'a partition rebuilding does not make the worker unready');
  p1.ready = true;
  p1.stalled = true;
  assert.match(m.notReady(up), /partition 1 is failing/);
  text = m.render('d', up);
  assert.equal(one(text, 'netsentinel_stream_ready'), 0);
  assert.equal(one(text, 'netsentinel_stream_stalled'), 1);
  assert.equal(one(text, 'netsentinel_stream_partition_stalled', 'partition="1"'), 1);
  p1.stalled = false;
  // given back: no longer held, its counts stay in the worker's
  m.draining(1);
  assert.equal(one(m.render('d', up), 'netsentinel_stream_partition_draining', 'partition="1"'), 1);
  m.released(1, 'gave back');
  m.took(2);
  m.partition(2).messages += 3;
  text = m.render('d', up);
  assert.equal(one(text, 'netsentinel_stream_partition_held', 'partition="1"'), 0);
  assert.equal(one(text, 'netsentinel_stream_partition_held', 'partition="2"'), 1);
  assert.equal(one(text, 'netsentinel_stream_messages_total'), 8);
  assert.equal(one(text, 'netsentinel_stream_flows_total'), 500);
  assert.equal(one(text, 'netsentinel_stream_latency_seconds_count'), 1);
  assert.equal(one(text, 'netsentinel_stream_state_evictions_total', 'set="sources"'), 2);
  assert.equal(one(text, 'netsentinel_stream_partition_messages_total', 'partition="1"'), 5);
  assert.equal(one(text, 'netsentinel_stream_partition_moves_total', 'action="took"'), 2);
  assert.equal(one(text, 'netsentinel_stream_partition_moves_total', 'action="gave_back"'), 1);
  assert.equal(one(text, 'netsentinel_stream_group_workers'), 2);
  assert.deepEqual(m.heldPartitions(), [2]);
  // the heartbeat not through for longer than the TTL: others may take the partitions
  m.beat(2, Date.now() - 5000);
  assert.match(m.notReady(up), /lease heartbeat/);
});
