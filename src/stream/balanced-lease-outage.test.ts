/**
 * `stream --balance` through an outage of its lease store (issue 13: reconnection when it comes
 * back, nothing lost): the worker's store URL — leases and alerts — points at a TCP proxy in front
 * of PostgreSQL that the test stops for 10 s and starts again (the machine's PostgreSQL is never
 * stopped), NATS is a private nats-server. Before, the first failed lease round drained the worker
 * and it exited non-zero. Now: it stays up, not ready, stops consuming its partitions while their
 * leases still hold (heartbeat age below the TTL when it holds none: another worker could take
 * them once they lapse), takes them again when the store answers, and finishes every message;
 * its stored alerts are those of a run without the fault.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { hasProgram } from '../testing/programs.js';
import { NATS_SERVER, startPrivateNats } from '../testing/nats-server.js';
import { startTcpProxy } from '../testing/tcp-proxy.js';
import { readDataset } from '../sources/read-dataset.js';
import { fitBaseline, saveBaseline } from '../risk/baseline.js';
import { openStore } from '../store/open-store.js';
import { openBus, type Bus } from './nats-bus.js';
import { dropPgSchemas, reachable } from '../testing/local-services.js';
import { runCli, type CliRun } from '../testing/cli-process.js';

const inCi = process.env.CI === 'true';
const skip =
  skipWithoutShared('datasets', 'cicids2017-sample', 'Portscan_2500.csv') ||
  (!hasProgram(NATS_SERVER) && !inCi ? 'nats-server is not installed' : false) ||
  (!inCi && !(await reachable(5432)) ? 'PostgreSQL is not running on 127.0.0.1:5432' : false);

const tmp = mkdtempSync(join(tmpdir(), 'ns-lease-outage-'));
const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => undefined);
  rmSync(tmp, { recursive: true, force: true });
});

const PARTITIONS = 2;
const TTL_S = 3;
const sample = (f: string): string => sharedPath('datasets', 'cicids2017-sample', f) as string;

const run = (args: string[]): CliRun => runCli(args);

async function until<T>(what: string, w: CliRun, probe: () => Promise<T | undefined>, timeoutMs = 120_000, everyMs = 50): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (w.child.exitCode !== null) throw new Error(`worker exited (${w.child.exitCode}) waiting for ${what}: ${w.stderr()}`);
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; worker said: ${w.stderr()}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** the samples of one metric, summed (undefined: no sample) */
function total(text: string, name: string): number | undefined {
  const lines = text.split('\n').filter((l) => l.startsWith(`${name}{`));
  return lines.length ? lines.reduce((s, l) => s + Number(l.slice(l.lastIndexOf(' ') + 1)), 0) : undefined;
}

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const r = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: r.status, body: await r.text() };
}

/** every partition consumer of `durable` has each message acknowledged */
async function allAcked(b: Bus, stream: string, durable: string): Promise<true | undefined> {
  for (let p = 0; p < PARTITIONS; p++) {
    const i = await b.jsm.consumers.info(stream, `${durable}-p${p}`);
    if (i.num_pending || i.num_ack_pending) return undefined;
  }
  return true;
}

async function storedKeys(loc: string): Promise<string[]> {
  const s = await openStore(loc);
  try {
    return (await s.listAlerts({ limit: 1_000_000 })).map((a) => a.key).sort();
  } finally {
    await s.close();
  }
}

test('stream --balance: the lease store unreachable for 10 s: the worker stays up, stops its partitions before their leases lapse, takes them again when the store returns, nothing lost', { skip, timeout: 400_000 }, async () => {
  const nats = await startPrivateNats(join(tmp, 'nats'));
  cleanups.push(() => nats.kill());
  const b = await openBus(nats.url, 'test');
  cleanups.push(() => b.close());
  const proxy = await startTcpProxy('127.0.0.1', 5432);
  cleanups.push(() => proxy.close());
  const schemas = [`ns_lease_ref_${process.pid}`, `ns_lease_out_${process.pid}`];
  cleanups.push(() => dropPgSchemas(...schemas));
  const baseline = join(tmp, 'benign.nsb');
  await saveBaseline(baseline, await fitBaseline(await readDataset([sample('BENIGN_2500.csv')], { warn: () => undefined }), { seed: 7, threads: 1 }));
  const stream = 'NSLEASEOUT';
  const pub = await run(['publish', sample('Portscan_2500.csv'), sample('SSH-Patator_2500.csv'), '--nats', nats.url, '--stream', stream, '--partitions', String(PARTITIONS), '--message-flows', '50', '--json', '-q']).done;
  assert.equal(pub.code, 0, pub.stderr);
  const worker = (durable: string, store: string): CliRun =>
    run(['stream', '--nats', nats.url, '--stream', stream, '--durable', durable, '--balance', String(PARTITIONS), '--lease-ttl', String(TTL_S), '--ack-wait', '5', '--baseline', baseline, '--store', store, '--metrics-port', '0', '--json']);
  const portOf = (w: CliRun): Promise<number> => until('the metrics port', w, async () => {
    const m = /metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(w.stderr());
    return m ? Number(m[1]) : undefined;
  });

  // the run without the fault: the alerts every message gives
  const refStore = `postgres://postgres@127.0.0.1:5432/test?schema=${schemas[0]}`;
  const ref = worker('ref', refStore);
  await until('the reference run to finish', ref, () => allAcked(b, stream, 'ref'), 200_000, 200);
  ref.child.kill('SIGTERM');
  const refDone = await ref.done;
  assert.equal(refDone.code, 0, refDone.stderr);
  const want = await storedKeys(refStore);
  assert.ok(want.length > 10, `${want.length} alerts without the fault`);

  const store = `postgres://postgres@127.0.0.1:${proxy.port}/test?schema=${schemas[1]}`;
  const w = worker('out', store);
  const port = await portOf(w);
  await until('both partitions held and some messages done', w, async () => {
    const m = (await get(port, '/metrics')).body;
    return total(m, 'netsentinel_stream_partition_held') === PARTITIONS && (total(m, 'netsentinel_stream_messages_total') ?? 0) >= 5 ? true : undefined;
  });
  await proxy.stop();
  const cut = performance.now();
  // the partitions stopped while their leases still held: seen at a scrape whose heartbeat age is below the TTL
  const stopped = await until('the partitions stopped', w, async () => {
    const m = (await get(port, '/metrics')).body;
    return total(m, 'netsentinel_stream_partition_held') === 0 ? m : undefined;
  }, 30_000, 25);
  const age = total(stopped, 'netsentinel_stream_lease_heartbeat_age_seconds')!;
  assert.ok(age < TTL_S, `partitions held until the heartbeat was ${age} s old (the TTL is ${TTL_S} s)`);
  assert.ok(performance.now() - cut < TTL_S * 1000, 'stopped within one TTL of the outage');
  assert.equal((await get(port, '/readyz')).status, 503);
  assert.equal((await get(port, '/healthz')).status, 200);
  await new Promise((r) => setTimeout(r, 10_000 - (performance.now() - cut)));
  assert.equal(w.child.exitCode, null, `the worker is still up through the outage: ${w.stderr()}`);
  const during = (await get(port, '/metrics')).body;
  assert.equal(total(during, 'netsentinel_stream_partition_held'), 0, 'no partition taken while the lease store is away');
  assert.match((await get(port, '/readyz')).body, /lease store is unreachable/);

  await proxy.start();
  await until('every message acknowledged after the store came back', w, () => allAcked(b, stream, 'out'), 200_000, 200);
  const back = (await get(port, '/metrics')).body;
  assert.equal(total(back, 'netsentinel_stream_partition_held'), PARTITIONS, 'its partitions taken again');
  assert.equal((await get(port, '/readyz')).status, 200);
  w.child.kill('SIGTERM');
  const r = await w.done;
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`the lease round in postgres:\\/\\/127\\.0\\.0\\.1:\\d+\\/test\\?schema=${schemas[1]} failed \\(.+\\); retrying`));
  assert.match(r.stderr, /stopped before the lease lapses/);
  assert.match(r.stderr, /the lease round in .+ works again after \d+\.\d s/);
  assert.deepEqual(await storedKeys(`postgres://postgres@127.0.0.1:5432/test?schema=${schemas[1]}`), want);
});
