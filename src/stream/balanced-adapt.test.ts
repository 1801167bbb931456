/**
 * `stream --balance` with --drift, against the real NATS JetStream (127.0.0.1:4222, or
 * NETSENTINEL_NATS_URL) and PostgreSQL: one adaptation per process, drift watched over all the
 * partitions it holds. A worker holding both partitions of a stream of CIC-IDS2017 flows (benign,
 * then a DoS Hulk flood) counts its drift windows over the flows of both (one window per
 * --drift-window flows of the process, not per partition), reports drift on the flood, records it
 * in the store, and stamps every alert with the model version. Streams and schemas made here are
 * deleted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStore } from '../store/open-store.js';
import { openModelVersionStore } from '../adapt/model-versions.js';
import { versionOfFile } from '../adapt/stream-adaptation.js';
import { streamTestEnv, until } from '../testing/stream-workers.js';

const env = await streamTestEnv({ stream: `NSBALADAPT_${process.pid}`, schema: `ns_baladapt_${process.pid}`, tmpPrefix: 'ns-balanced-adapt-', needs: 'DoS_Hulk_2500.csv' });
const { stream, storeUrl } = env;

test('--balance with --drift: one drift monitor over every held partition; drift reported and recorded', { skip: env.skip, timeout: 300_000 }, async () => {
  const bus = await env.openBus();
  const baseline = await env.benignBaseline();
  const published = env.publish(['BENIGN_2500.csv', 'DoS_Hulk_2500.csv'], 2, 100);

  const worker = env.startWorker(['--durable', 'bd', '--balance', '2', '--lease-ttl', '2', '--baseline', baseline, '--store', storeUrl, '--drift', '--drift-window', '250', '--json']);
  const child = worker.child;
  try {
    await until('every message acknowledged', 200_000, async () => {
      let acked = 0;
      for (const p of [0, 1]) {
        const c = await bus.jsm.consumers.info(stream, `bd-p${p}`).catch(() => undefined);
        if (c && c.num_pending === 0 && c.num_ack_pending === 0) acked += c.delivered.consumer_seq;
      }
      return acked === published.messages;
    }, { said: () => worker.stderr().slice(-3000), watch: worker });
    child.kill('SIGTERM');
    const { code, out, err } = await worker.done;
    assert.equal(code, 0, err);
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
