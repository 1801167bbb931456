/**
 * Retraining and hot swap in a running worker, against the real NATS JetStream (127.0.0.1:4222)
 * and PostgreSQL: a worker with --drift and --retrain-every consumes CIC-IDS2017 flows (benign, then a port scan); a new
 * baseline is fitted on its clean flows in a thread and recorded as a version; more flows are
 * published while it runs. Asserted: the stream kept flowing across the swap (every message
 * delivered and acknowledged exactly once, none redelivered), the versions form a chain from the
 * starting baseline with what each was trained on, the swap is recorded, and every alert carries
 * the version that scored it — the old one up to the swap, a new one on every flow published after
 * the retrain was recorded. `models` lists the versions. Streams and schemas made here are deleted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '../store/open-store.js';
import { openModelVersionStore, type ModelVersion } from './model-versions.js';
import { CLI, streamTestEnv, until } from '../testing/stream-workers.js';

const env = await streamTestEnv({ stream: `NSADAPT_${process.pid}_SWAP`, schema: `ns_adapt_${process.pid}`, tmpPrefix: 'ns-hotswap-', needs: 'DoS_Slowloris_2500.csv' });
const { stream, storeUrl, tmp } = env;

async function versions(): Promise<ModelVersion[]> {
  const s = await openModelVersionStore(storeUrl);
  try {
    return await s.listVersions();
  } finally {
    await s.close();
  }
}

test('retrain in a thread and hot swap: the stream keeps flowing, every message acked once, alerts carry the version that scored them', { skip: env.skip, timeout: 400_000 }, async () => {
  const bus = await env.openBus();
  const baselineFile = await env.benignBaseline();

  const first = env.publish(['BENIGN_2500.csv', 'Portscan_2500.csv'], 1, 100);
  const modelDir = join(tmp, 'models');
  const durable = 'swap';
  const worker = env.startWorker(['--durable', durable, '--baseline', baselineFile, '--store', storeUrl, '--ack-wait', '30', '--drift', '--drift-window', '500', '--retrain-every', '1000', '--reservoir', '1000', '--model-dir', modelDir, '--json']);
  const child = worker.child;
  const waitOn = { said: () => worker.stderr().slice(-2000), watch: worker };
  try {
    // a retrained version recorded while the worker runs
    const retrained = await until('a retrained version', 150_000, async () => ((await versions()).length >= 2 ? true : undefined), waitOn);
    assert.ok(retrained);
    // the stream keeps flowing: more flows arrive after the retrain; the worker swaps at the next message
    const second = env.publish(['SSH-Patator_2500.csv', 'DoS_Slowloris_2500.csv'], 1, 100);
    const total = first.messages + second.messages;
    await until('every message acknowledged', 200_000, async () => {
      const i = await bus.jsm.consumers.info(stream, durable);
      return i.num_pending === 0 && i.num_ack_pending === 0 && i.delivered.stream_seq >= total ? i : undefined;
    }, waitOn);
    const info = await bus.jsm.consumers.info(stream, durable);
    assert.equal(info.delivered.consumer_seq, total, 'each message delivered once');
    assert.equal(info.num_redelivered, 0);
    assert.equal(info.ack_floor.stream_seq, total, 'every message acknowledged');
    child.kill('SIGTERM');
    const { code, out: stdout, err: stderr } = await worker.done;
    assert.equal(code, 0, stderr);
    const stats = JSON.parse(stdout) as { messages: number; flows: number; redelivered: number; adaptation: { version: string; swaps: number; retrains: number; driftWindows: number } };
    assert.equal(stats.messages, total, 'every message scored once');
    assert.equal(stats.flows, first.flows + second.flows);
    assert.equal(stats.redelivered, 0);
    assert.ok(stats.adaptation.swaps >= 1 && stats.adaptation.retrains >= 1, JSON.stringify(stats.adaptation));
    assert.ok(stats.adaptation.driftWindows >= 10);

    // the versions: a chain from the starting baseline, each with what it was trained on, its file in place
    const all = await versions();
    const root = all.find((v) => v.parent === null)!;
    assert.equal(root.trainedOn.source, 'baseline file');
    const byId = new Map(all.map((v) => [v.id, v]));
    for (const v of all) {
      assert.match(v.sha256, /^[0-9a-f]{64}$/);
      assert.ok(existsSync(v.file), v.file);
      if (v === root) continue;
      assert.ok(v.parent && byId.has(v.parent), `${v.id} parent ${v.parent}`);
      assert.equal(v.trainedOn.source, 'stream');
      assert.ok(Number(v.trainedOn.flows) >= 200 && Number(v.trainedOn.flows) <= 1000, JSON.stringify(v.trainedOn));
      assert.ok(Number(v.metrics.fitRows) > 0);
    }
    const vs = await openModelVersionStore(storeUrl);
    const swaps = await vs.listEvents(100, 'swap');
    const retrains = await vs.listEvents(100, 'retrain');
    await vs.close();
    assert.equal(swaps.length, stats.adaptation.swaps);
    assert.equal(retrains.length, stats.adaptation.retrains);
    for (const s of swaps) assert.ok(byId.has(String(s.detail.to)) && byId.has(String(s.detail.from)));

    // alerts: stamped with the version that scored them
    const store = await openStore(storeUrl);
    const alerts = await store.listAlerts({ limit: 1_000_000 });
    await store.close();
    const flowAlerts = alerts.filter((a) => (a.record.netsentinel as Record<string, unknown>)?.file !== undefined);
    assert.ok(flowAlerts.length > 100, `${flowAlerts.length} flow alerts`);
    for (const a of alerts) assert.ok(byId.has(String(a.record.model_version)), `alert ${a.key} version ${String(a.record.model_version)}`);
    const fileOf = (a: (typeof alerts)[number]): string => String((a.record.netsentinel as Record<string, unknown>).file);
    const late = flowAlerts.filter((a) => /SSH|Slowloris/.test(fileOf(a)));
    assert.ok(late.length > 0, 'alerts on the flows published after the retrain');
    for (const a of late) assert.notEqual(a.record.model_version, root.id, 'published after the retrain was recorded: scored by a new version');
    // on the first file, the old version up to the swap and never again after it
    const order = (a: (typeof alerts)[number]): number => (fileOf(a).includes('Portscan') ? 1e6 : 0) + Number((a.record.netsentinel as Record<string, number>).line);
    const early = flowAlerts.filter((a) => /BENIGN|Portscan/.test(fileOf(a))).sort((x, y) => order(x) - order(y));
    const firstNew = early.findIndex((a) => a.record.model_version !== root.id);
    if (firstNew >= 0) assert.ok(early.slice(firstNew).every((a) => a.record.model_version !== root.id));

    // and `models` lists them
    const list = spawnSync(process.execPath, [CLI, 'models', '--store', storeUrl, '--json'], { encoding: 'utf8' });
    assert.equal(list.status, 0, list.stderr);
    assert.deepEqual((JSON.parse(list.stdout) as ModelVersion[]).map((v) => v.id).sort(), all.map((v) => v.id).sort());
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});
