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
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { readDataset } from '../sources/read-dataset.js';
import { fitBaseline, saveBaseline } from '../risk/baseline.js';
import { openStore } from '../store/open-store.js';
import { openBus, resultsStream, type Bus } from '../stream/nats-bus.js';
import { openModelVersionStore, type ModelVersion } from './model-versions.js';
import { reachable } from '../testing/local-services.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const inCi = process.env.CI === 'true';

const natsUp = await reachable(4222);
const pgUp = await reachable(5432);
const dataSkip = skipWithoutShared('datasets', 'cicids2017-sample', 'DoS_Slowloris_2500.csv');
const skip = dataSkip || (!natsUp && !inCi ? 'NATS (JetStream) is not running on 127.0.0.1:4222' : false) || (!pgUp && !inCi ? 'PostgreSQL is not running on 127.0.0.1:5432' : false);

const tmp = mkdtempSync(join(tmpdir(), 'ns-hotswap-'));
const stream = `NSADAPT_${process.pid}_SWAP`;
const schema = `ns_adapt_${process.pid}`;
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

function publish(files: string[]): { flows: number; messages: number } {
  const r = spawnSync(process.execPath, [CLI, 'publish', ...files.map(sample), '--stream', stream, '--partitions', '1', '--message-flows', '100', '--json', '-q'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as { flows: number; messages: number };
}

let said = (): string => '';
async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, worker: ChildProcess): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (worker.exitCode !== null) throw new Error(`the worker exited (${worker.exitCode}) while waiting for ${what}`);
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; the worker said: ${said().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function versions(): Promise<ModelVersion[]> {
  const s = await openModelVersionStore(storeUrl);
  try {
    return await s.listVersions();
  } finally {
    await s.close();
  }
}

test('retrain in a thread and hot swap: the stream keeps flowing, every message acked once, alerts carry the version that scored them', { skip, timeout: 400_000 }, async () => {
  bus = await openBus('nats://127.0.0.1:4222', 'test');
  const benign = await readDataset([sample('BENIGN_2500.csv')], { warn: () => undefined });
  const baselineFile = join(tmp, 'benign.nsb');
  await saveBaseline(baselineFile, await fitBaseline(benign, { detectors: ['isolation-forest'], seed: 7, threads: 1 }));

  const first = publish(['BENIGN_2500.csv', 'Portscan_2500.csv']);
  const modelDir = join(tmp, 'models');
  const durable = 'swap';
  const child = spawn(process.execPath, [CLI, 'stream', '--stream', stream, '--durable', durable, '--baseline', baselineFile, '--store', storeUrl, '--ack-wait', '30', '--drift', '--drift-window', '500', '--retrain-every', '1000', '--reservoir', '1000', '--model-dir', modelDir, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  said = () => stderr;
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  try {
    // a retrained version recorded while the worker runs
    const retrained = await until('a retrained version', 150_000, async () => ((await versions()).length >= 2 ? true : undefined), child);
    assert.ok(retrained);
    // the stream keeps flowing: more flows arrive after the retrain; the worker swaps at the next message
    const second = publish(['SSH-Patator_2500.csv', 'DoS_Slowloris_2500.csv']);
    const total = first.messages + second.messages;
    await until('every message acknowledged', 200_000, async () => {
      const i = await bus!.jsm.consumers.info(stream, durable);
      return i.num_pending === 0 && i.num_ack_pending === 0 && i.delivered.stream_seq >= total ? i : undefined;
    }, child);
    const info = await bus.jsm.consumers.info(stream, durable);
    assert.equal(info.delivered.consumer_seq, total, 'each message delivered once');
    assert.equal(info.num_redelivered, 0);
    assert.equal(info.ack_floor.stream_seq, total, 'every message acknowledged');
    child.kill('SIGTERM');
    assert.equal(await exited, 0, stderr);
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
