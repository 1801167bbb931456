/**
 * The streaming worker through outages of what it depends on, each compared with a run without
 * the fault on the same published flows:
 *  - NATS restarted mid-stream: a private nats-server (own port, own store directory) is killed
 *    with SIGKILL while the worker consumes and started again on the same port and directory; the
 *    same worker process reconnects and finishes.
 *  - PostgreSQL unreachable for 10 s: the worker's store URL points at a TCP proxy this test stops
 *    and starts again; the worker retries its commit (message unacknowledged) and resumes.
 * Both: every flow scored once, every alert stored exactly once, the same alert keys as the run
 * without the fault (the per-source flow-alert limit on, as by default: its counts live through an
 * outage with the worker); /metrics and /readyz tell the operator what happened.
 * The machine's NATS and PostgreSQL are never stopped; schemas and streams made here are dropped.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { hasProgram } from '../testing/programs.js';
import { NATS_SERVER, startPrivateNats, type PrivateNats } from '../testing/nats-server.js';
import { startTcpProxy, type TcpProxy } from '../testing/tcp-proxy.js';
import { readDataset } from '../sources/read-dataset.js';
import { fitBaseline, saveBaseline } from '../risk/baseline.js';
import { openStore } from '../store/open-store.js';
import { openBus, resultsStream, type Bus } from './nats-bus.js';
import { dropPgSchemas, reachable } from '../testing/local-services.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const inCi = process.env.CI === 'true';

const dataSkip = skipWithoutShared('datasets', 'cicids2017-sample', 'Portscan_2500.csv');
const natsServerSkip = dataSkip || (!hasProgram(NATS_SERVER) && !inCi ? 'nats-server is not installed (needed to restart a private server)' : false);
const pgUp = await reachable(5432);
// the PostgreSQL test's NATS: the machine's, or NETSENTINEL_NATS_URL (the workers started here read it too)
const NATS_URL = process.env.NETSENTINEL_NATS_URL ?? 'nats://127.0.0.1:4222';
const natsUp = await reachable(Number(new URL(NATS_URL).port || 4222), new URL(NATS_URL).hostname);
const pgSkip = dataSkip || (!inCi && !pgUp ? 'PostgreSQL is not running on 127.0.0.1:5432' : false) || (!inCi && !natsUp ? `NATS (JetStream) is not running at ${NATS_URL}` : false);

const tmp = mkdtempSync(join(tmpdir(), 'ns-stream-faults-'));
const FLOWS = 5000;
const MESSAGE_FLOWS = 50;
const files = (): string[] => ['Portscan_2500.csv', 'SSH-Patator_2500.csv'].map((f) => sharedPath('datasets', 'cicids2017-sample', f) as string);
const cleanups: (() => Promise<unknown>)[] = [];

after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  rmSync(tmp, { recursive: true, force: true });
});

let baselineFile: string | undefined;
async function baseline(): Promise<string> {
  if (!baselineFile) {
    const benign = await readDataset([sharedPath('datasets', 'cicids2017-sample', 'BENIGN_2500.csv') as string], { warn: () => undefined });
    baselineFile = join(tmp, 'benign.nsb');
    await saveBaseline(baselineFile, await fitBaseline(benign, { seed: 7, threads: 1 }));
  }
  return baselineFile;
}

interface Running {
  child: ChildProcess;
  stderr: () => string;
  done: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>;
}

function run(args: string[]): Running {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, stderr: () => stderr, done };
}

async function publish(natsUrl: string, stream: string): Promise<void> {
  const r = await run(['publish', ...files(), '--nats', natsUrl, '--stream', stream, '--partitions', '4', '--message-flows', String(MESSAGE_FLOWS), '--json', '-q']).done;
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { flows: number }).flows, FLOWS);
}

function workerArgs(natsUrl: string, stream: string, durable: string, store: string, b: string, extra: string[] = []): string[] {
  return ['stream', '--nats', natsUrl, '--stream', stream, '--durable', durable, '--baseline', b, '--store', store, '--ack-wait', '5', '--json', ...extra];
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, w: Running, timeoutMs = 120_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (w.child.exitCode !== null) throw new Error(`worker exited early (${w.child.exitCode}) waiting for ${what}: ${w.stderr()}`);
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; worker said: ${w.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function drained(b: Bus, stream: string, durable: string, w: Running): Promise<void> {
  await until(`${durable} to finish`, async () => {
    const i = await b.jsm.consumers.info(stream, durable);
    return i.num_pending === 0 && i.num_ack_pending === 0 ? true : undefined;
  }, w);
}

async function ackedMessages(b: Bus, stream: string, durable: string): Promise<number> {
  return (await b.jsm.consumers.info(stream, durable)).ack_floor.consumer_seq;
}

async function metricsPort(w: Running): Promise<number> {
  return until('the metrics port', async () => {
    const m = /metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(w.stderr());
    return m ? Number(m[1]) : undefined;
  }, w, 60_000);
}

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: r.status, body: await r.text() };
}

/** The value of one sample of the exposition text (the series with the given labels after worker). */
function sample(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels) && !l.startsWith('#'));
  assert.ok(line, `no ${name}{${labels}} in metrics`);
  return Number(line.split(' ').pop());
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

/** Run a worker with no fault to the end: the alert keys every faulty run must match. */
async function reference(b: Bus, natsUrl: string, stream: string, store: string): Promise<string[]> {
  const ref = run(workerArgs(natsUrl, stream, 'ref', store, await baseline()));
  await drained(b, stream, 'ref', ref);
  ref.child.kill('SIGTERM');
  const r = await ref.done;
  assert.equal(r.code, 0, r.stderr);
  const keys = await storedKeys(store);
  // the worker's default per-source flow-alert limit folds the scan's risky flows: ~100 alerts stand for over 1,000 of them
  const stats = JSON.parse(r.stdout) as Record<string, number>;
  assert.ok(keys.length > 100, `${keys.length} alerts without faults`);
  assert.ok(stats.flowAlerts + stats.flowAlertsSuppressed > 1000 && stats.flowAlertsSuppressed > 0, JSON.stringify(stats));
  return keys;
}

test('NATS killed mid-stream and restarted on the same port and store: the same worker resumes on its own, every flow scored once, every alert stored exactly once', { skip: natsServerSkip, timeout: 300_000 }, async () => {
  const nats: PrivateNats = await startPrivateNats(join(tmp, 'nats-store'));
  cleanups.push(() => nats.kill());
  const b = await openBus(nats.url, 'test');
  cleanups.push(() => b.close());
  const stream = `NSFAULT_${process.pid}_NATS`;
  await publish(nats.url, stream);
  const want = await reference(b, nats.url, stream, join(tmp, 'nats-ref.db'));

  const store = join(tmp, 'nats-fault.db');
  const w = run(workerArgs(nats.url, stream, 'fault', store, await baseline(), ['--metrics-port', '0']));
  const port = await metricsPort(w);
  await until('a few messages acknowledged', async () => ((await ackedMessages(b, stream, 'fault')) >= 10 ? true : undefined), w);
  await nats.kill();
  // while the server is away the worker is alive, not ready, and says why
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(w.child.exitCode, null, w.stderr());
  assert.equal((await get(port, '/healthz')).status, 200);
  const outage = await get(port, '/readyz');
  assert.equal(outage.status, 503, outage.body);
  await nats.start();
  await drained(b, stream, 'fault', w);
  const m = (await get(port, '/metrics')).body;
  assert.equal((await get(port, '/readyz')).status, 200);
  w.child.kill('SIGTERM');
  const r = await w.done;
  assert.equal(r.code, 0, r.stderr);
  const stats = JSON.parse(r.stdout) as Record<string, number>;
  // the ack floor was well before the end when the server died: the rest came after the restart
  assert.equal(stats.flows, FLOWS, 'every flow scored exactly once by the one worker process');
  assert.equal(stats.rebuiltFlows, 0, 'no restart of the worker, so no rule-state rebuild');
  assert.match(r.stderr, /lost the connection to NATS/);
  assert.match(r.stderr, /reconnected to NATS/);
  assert.deepEqual(await storedKeys(store), want);
  assert.equal(sample(m, 'netsentinel_stream_flows_total'), FLOWS);
  assert.ok(sample(m, 'netsentinel_stream_nats_reconnects_total') >= 1);
  assert.equal(sample(m, 'netsentinel_stream_consumer_lag', 'consumer="fault"'), 0);
  assert.ok(sample(m, 'netsentinel_stream_latency_seconds_count') >= FLOWS / MESSAGE_FLOWS);
  await b.jsm.streams.delete(stream).catch(() => undefined);
  await b.jsm.streams.delete(resultsStream(stream)).catch(() => undefined);
});

test('PostgreSQL unreachable for 10 s mid-stream (a TCP proxy stopped and started): the worker retries its commit, resumes, nothing lost or doubled', { skip: pgSkip, timeout: 300_000 }, async () => {
  const proxy: TcpProxy = await startTcpProxy('127.0.0.1', 5432);
  cleanups.push(() => proxy.close());
  const b = await openBus(NATS_URL, 'test');
  cleanups.push(() => b.close());
  const stream = `NSFAULT_${process.pid}_PG`;
  cleanups.push(async () => {
    await b.jsm.streams.delete(stream).catch(() => undefined);
    await b.jsm.streams.delete(resultsStream(stream)).catch(() => undefined);
  });
  const schemas = [`ns_fault_ref_${process.pid}`, `ns_fault_pg_${process.pid}`];
  cleanups.push(() => dropPgSchemas(...schemas));
  await publish(NATS_URL, stream);
  const want = await reference(b, NATS_URL, stream, `postgres://postgres@127.0.0.1:5432/test?schema=${schemas[0]}`);

  const store = `postgres://postgres@127.0.0.1:${proxy.port}/test?schema=${schemas[1]}`;
  const w = run(workerArgs(NATS_URL, stream, 'fault', store, await baseline(), ['--metrics-port', '0']));
  const port = await metricsPort(w);
  await until('a few messages acknowledged', async () => ((await ackedMessages(b, stream, 'fault')) >= 10 ? true : undefined), w);
  await proxy.stop();
  await new Promise((r) => setTimeout(r, 10_000));
  // stalled on the first message with alerts to store: far from the end after 10 s
  const total = (await b.jsm.consumers.info(stream, 'ref')).delivered.consumer_seq;
  assert.ok((await ackedMessages(b, stream, 'fault')) < total, 'the worker went on without its store');
  assert.equal(w.child.exitCode, null, w.stderr());
  const during = await get(port, '/metrics');
  assert.ok(sample(during.body, 'netsentinel_stream_store_errors_total') >= 1, 'store errors counted');
  assert.equal((await get(port, '/readyz')).status, 503);
  await proxy.start();
  await drained(b, stream, 'fault', w);
  w.child.kill('SIGTERM');
  const r = await w.done;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`storing alerts in postgres:\\/\\/127\\.0\\.0\\.1:\\d+\\/test\\?schema=${schemas[1]} failed \\(.+\\); retrying`));
  assert.match(r.stderr, /works again after \d+\.\d s; resuming/);
  const stats = JSON.parse(r.stdout) as Record<string, number>;
  assert.equal(stats.flows, FLOWS);
  assert.deepEqual(await storedKeys(`postgres://postgres@127.0.0.1:5432/test?schema=${schemas[1]}`), want);
});
