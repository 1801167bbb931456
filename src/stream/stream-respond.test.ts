/**
 * `stream --respond --apply` against the real NATS JetStream (127.0.0.1:4222): each message's
 * risky sources and rule findings go through the response policy and the outbox, delivered to a
 * real HTTP backend (honouring Idempotency-Key). A worker SIGKILLed mid-stream and restarted makes
 * the same decisions (address, type, reason) as a run without the fault, none twice, and every
 * alert decision reaches the backend (at least once, under its deterministic key).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { timeOrderedCopy } from '../testing/time-ordered-sample.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { TestHttpBackend } from '../testing/notify-servers.js';
import { readDataset } from '../sources/read-dataset.js';
import { fitBaseline, saveBaseline } from '../risk/baseline.js';
import { openDecisionStore } from '../store/decision-store.js';
import { openBus, resultsStream, type Bus } from './nats-bus.js';
import { reachable } from '../testing/local-services.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));

const dataSkip = skipWithoutShared('datasets', 'cicids2017-sample', 'Portscan_2500.csv');
const natsSkip = dataSkip || (!(await reachable(4222)) && process.env.CI !== 'true' ? 'NATS (JetStream) is not running on 127.0.0.1:4222' : false);
const tmp = mkdtempSync(join(tmpdir(), 'ns-stream-respond-'));
const stream = `NSRESPOND_${process.pid}`;
let bus: Bus | undefined;

after(async () => {
  if (bus) {
    for (const n of [stream, resultsStream(stream)]) await bus.jsm.streams.delete(n).catch(() => undefined);
    await bus.close();
  }
  rmSync(tmp, { recursive: true, force: true });
});

function run(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> } {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  return { child, done: new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }))) };
}

async function waitFor(b: Bus, durable: string, child: ChildProcess, done: (i: { num_pending: number; num_ack_pending: number; ack_floor: { consumer_seq: number } }) => boolean): Promise<void> {
  const until = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`worker ${durable} exited early (${child.exitCode})`);
    const i = await b.jsm.consumers.info(stream, durable).catch(() => undefined);
    if (i && done(i)) return;
    if (Date.now() > until) throw new Error(`consumer ${durable} did not get there`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const finished = (i: { num_pending: number; num_ack_pending: number }): boolean => i.num_pending === 0 && i.num_ack_pending === 0;

async function decisions(store: string): Promise<{ all: string[]; alertKeys: string[] }> {
  const d = await openDecisionStore(store);
  try {
    const list = await d.list();
    return {
      all: list.map((x) => `${x.value} ${x.type} ${x.reasonKey} ${x.simulated}`).sort(),
      alertKeys: list.filter((x) => x.type === 'alert').map((x) => `netsentinel-${x.id}`).sort(),
    };
  } finally {
    await d.close();
  }
}

test('stream --respond --apply: decisions and webhook alerts from the stream, the same after a SIGKILL and restart, none twice', { skip: natsSkip, timeout: 400_000 }, async () => {
  bus = await openBus('nats://127.0.0.1:4222', 'test');
  const benign = await readDataset([sharedPath('datasets', 'cicids2017-sample', 'BENIGN_2500.csv') as string], { warn: () => undefined });
  const baseline = join(tmp, 'benign.nsb');
  await saveBaseline(baseline, await fitBaseline(benign, { seed: 7, threads: 1 }));
  // each in time order, as a live feed comes (copies in tmp): a worker judges each flow on the flows
  // before it, and in the files' shuffled order (random samples of a day) this run made no ban from a
  // rule finding
  const files = ['Portscan_2500.csv', 'SSH-Patator_2500.csv'].map((f) => timeOrderedCopy(sharedPath('datasets', 'cicids2017-sample', f) as string, tmp));
  const pub = await run(['publish', ...files, '--stream', stream, '--partitions', '4', '--message-flows', '50', '-q']).done;
  assert.equal(pub.code, 0, pub.stderr);

  const worker = async (name: string, kill: boolean): Promise<{ backend: TestHttpBackend; store: string; stats: Record<string, unknown> }> => {
    const backend = new TestHttpBackend();
    await backend.start();
    const config = join(tmp, `${name}.yaml`);
    writeFileSync(config, ['respond:', '  allowlistDefaults: false', 'webhook:', `  url: http://127.0.0.1:${backend.port}/api/alerts`, '  maxRetries: 1', '  backoffSeconds: 0.05', ''].join('\n'));
    const store = join(tmp, `${name}.db`);
    const args = ['stream', '--stream', stream, '--durable', name, '--baseline', baseline, '--store', store, '--config', config, '--respond', '--apply', '--ack-wait', '5', '--json'];
    let w = run(args);
    if (kill) {
      await waitFor(bus!, name, w.child, (i) => i.ack_floor.consumer_seq >= 10);
      w.child.kill('SIGKILL');
      assert.equal((await w.done).signal, 'SIGKILL');
      const mid = await bus!.jsm.consumers.info(stream, name);
      assert.ok(mid.num_pending + mid.num_ack_pending > 0, 'killed mid-stream');
      w = run(args);
    }
    await waitFor(bus!, name, w.child, finished);
    w.child.kill('SIGTERM');
    const r = await w.done;
    assert.equal(r.code, 0, r.stderr);
    await backend.stop();
    return { backend, store, stats: JSON.parse(r.stdout) as Record<string, unknown> };
  };

  const ref = await worker('ref', false);
  const refDecisions = await decisions(ref.store);
  assert.ok((ref.stats.respond as { decisions: number }).decisions > 0);
  assert.ok(refDecisions.all.some((d) => / ban rule:/.test(d) && d.endsWith(' false')), `a real ban from a rule finding: ${refDecisions.all.join('; ')}`);
  assert.ok(refDecisions.alertKeys.length > 0);
  // every alert decision went out once, under its decision's key
  assert.deepEqual([...ref.backend.accepted.keys()].sort(), refDecisions.alertKeys);
  assert.ok([...ref.backend.arrivals.values()].every((n) => n === 1));

  const fault = await worker('fault', true);
  const faultDecisions = await decisions(fault.store);
  assert.deepEqual(faultDecisions.all, refDecisions.all, 'the same decisions, none twice');
  assert.deepEqual([...fault.backend.accepted.keys()].sort(), faultDecisions.alertKeys, 'every alert delivered');
});
