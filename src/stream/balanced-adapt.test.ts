/**
 * `stream --balance` with --drift, against the real NATS JetStream (127.0.0.1:4222) and
 * PostgreSQL: one adaptation per process, drift watched over all the partitions it holds. A worker
 * holding both partitions of a stream of CIC-IDS2017 flows (benign, then a DoS Hulk flood) counts
 * its drift windows over the flows of both (one window per --drift-window flows of the process,
 * not per partition), reports drift on the flood, records it in the store, and stamps every alert
 * with the model version. Streams and schemas made here are deleted.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { readDataset } from '../sources/read-dataset.js';
import { fitBaseline, saveBaseline } from '../risk/baseline.js';
import { openStore } from '../store/open-store.js';
import { openBus, resultsStream, type Bus } from './nats-bus.js';
import { openModelVersionStore } from '../adapt/model-versions.js';
import { versionOfFile } from '../adapt/stream-adaptation.js';
import { reachable } from '../testing/local-services.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const inCi = process.env.CI === 'true';
const natsUp = await reachable(4222);
const pgUp = await reachable(5432);
const dataSkip = skipWithoutShared('datasets', 'cicids2017-sample', 'DoS_Hulk_2500.csv');
const skip = dataSkip || (!natsUp && !inCi ? 'NATS (JetStream) is not running on 127.0.0.1:4222' : false) || (!pgUp && !inCi ? 'PostgreSQL is not running on 127.0.0.1:5432' : false);

const tmp = mkdtempSync(join(tmpdir(), 'ns-balanced-adapt-'));
const stream = `NSBALADAPT_${process.pid}`;
const schema = `ns_baladapt_${process.pid}`;
const storeUrl = `postgres://postgres@127.0.0.1:5432/test?schema=${schema}`;
let bus: Bus | undefined;

after(async () => {
  if (bus) {
    for (const n of [stream, resultsStream(stream)]) await bus.jsm.streams.delete(n).catch(() => undefined);
    await bus.close();
  }
  if (pgUp) {
    const c = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/test' });
    await c.connect();
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await c.end();
  }
  rmSync(tmp, { recursive: true, force: true });
});

const sample = (f: string): string => sharedPath('datasets', 'cicids2017-sample', f) as string;

test('--balance with --drift: one drift monitor over every held partition; drift reported and recorded', { skip, timeout: 300_000 }, async () => {
  bus = await openBus('nats://127.0.0.1:4222', 'test');
  const benign = await readDataset([sample('BENIGN_2500.csv')], { warn: () => undefined });
  const baseline = join(tmp, 'benign.nsb');
  await saveBaseline(baseline, await fitBaseline(benign, { detectors: ['isolation-forest'], seed: 7, threads: 1 }));
  const pub = spawnSync(process.execPath, [CLI, 'publish', sample('BENIGN_2500.csv'), sample('DoS_Hulk_2500.csv'), '--stream', stream, '--partitions', '2', '--message-flows', '100', '--json', '-q'], { encoding: 'utf8' });
  assert.equal(pub.status, 0, pub.stderr);
  const published = JSON.parse(pub.stdout) as { flows: number; messages: number };

  const child = spawn(process.execPath, [CLI, 'stream', '--stream', stream, '--durable', 'bd', '--balance', '2', '--lease-ttl', '2', '--baseline', baseline, '--store', storeUrl, '--drift', '--drift-window', '250', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const closed = new Promise<number | null>((r) => child.on('close', (c) => r(c)));
  try {
    const end = Date.now() + 200_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the worker exited early: ${err}`);
      let acked = 0;
      for (const p of [0, 1]) {
        const c = await bus.jsm.consumers.info(stream, `bd-p${p}`).catch(() => undefined);
        if (c && c.num_pending === 0 && c.num_ack_pending === 0) acked += c.delivered.consumer_seq;
      }
      if (acked === published.messages) break;
      if (Date.now() > end) throw new Error(`timed out; the worker said: ${err.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    child.kill('SIGTERM');
    assert.equal(await closed, 0, err);
    const stats = JSON.parse(out) as { flows: number; adaptation: { version: string; driftWindows: number; driftReports: number } };
    assert.equal(stats.flows, published.flows);
    // one monitor over both partitions: every 250 flows of the process make a window (per-partition
    // monitors would leave up to a window's flows uncounted in each partition)
    assert.equal(stats.adaptation.driftWindows, Math.floor(published.flows / 250));
    assert.ok(stats.adaptation.driftReports >= 1, err.slice(-3000));
    const root = (await versionOfFile(baseline)).id;
    assert.equal(stats.adaptation.version, root);
    assert.match(err, new RegExp(`scoring with model ${root} \\(--baseline`));
    const vs = await openModelVersionStore(storeUrl);
    const drifts = await vs.listEvents(1000, 'drift');
    await vs.close();
    assert.equal(drifts.length, stats.adaptation.driftReports);
    assert.ok(drifts.every((d) => /\.flows\.[01]#\d+$/.test(String(d.detail.at))), JSON.stringify(drifts.map((d) => d.detail.at)));
    const store = await openStore(storeUrl);
    const alerts = await store.listAlerts({ limit: 1_000_000 });
    await store.close();
    assert.ok(alerts.length > 0);
    for (const a of alerts) assert.equal(a.record.model_version, root);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
