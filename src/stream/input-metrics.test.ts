/**
 * `stream --stdin --metrics-port 0`: the worker reading flows from a pipe serves /metrics, /healthz
 * and /readyz as the JetStream worker does, with the counters that apply to a pipe (input-metrics.ts):
 * fed the JSON lines of the CIC-IDS2017 port scan, /metrics counts every flow fed, in the batches
 * they were cut into, and the alerts they raised, while /readyz says it is reading; the series that
 * cannot apply (consumer lag, NATS connection) are absent. Before, the flag was silently ignored.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { readDataset } from '../sources/read-dataset.js';
import { fitBaseline, saveBaseline } from '../risk/baseline.js';
import { encodeRow } from './flow-codec.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const skip = skipWithoutShared('datasets', 'cicids2017-sample', 'Portscan_2500.csv');
const tmp = mkdtempSync(join(tmpdir(), 'ns-input-metrics-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** the samples of one metric (every label set), summed */
function total(text: string, name: string): number | undefined {
  const lines = text.split('\n').filter((l) => l.startsWith(`${name}{`));
  return lines.length ? lines.reduce((s, l) => s + Number(l.slice(l.lastIndexOf(' ') + 1)), 0) : undefined;
}

test('stream --stdin --metrics-port 0: /metrics counts the flows fed and their alerts, /healthz and /readyz answer while it reads', { skip, timeout: 180_000 }, async () => {
  const dataset = (name: string): string => sharedPath('datasets', 'cicids2017-sample', name) as string;
  const baseline = join(tmp, 'benign.nsb');
  await saveBaseline(baseline, await fitBaseline(await readDataset([dataset('BENIGN_2500.csv')], { warn: () => undefined }), { seed: 7, threads: 1 }));
  const scan = await readDataset([dataset('Portscan_2500.csv')], { warn: () => undefined });
  const BATCH = 500;
  assert.equal(scan.rowCount % BATCH, 0, 'whole batches: each is scored without waiting for the end of input');

  const child = spawn(process.execPath, [CLI, 'stream', '--stdin', '--baseline', baseline, '--store', 'none', '--batch-rows', String(BATCH), '--metrics-port', '0', '--json'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  child.stdout.resume();
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    // the port it took is said on stderr, as by the JetStream worker
    const port = await waitFor('the metrics port on stderr', () => /metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(err)?.[1], () => err);
    const get = async (path: string): Promise<{ status: number; body: string }> => {
      const r = await fetch(`http://127.0.0.1:${port}${path}`);
      return { status: r.status, body: await r.text() };
    };
    // the whole scan fed, the pipe left open: the worker is still reading when scraped
    child.stdin.write(Array.from({ length: scan.rowCount }, (_, r) => encodeRow(scan, r)).join('\n') + '\n');
    const text = await waitFor(`${scan.rowCount} flows on /metrics`, async () => {
      const m = (await get('/metrics')).body;
      return total(m, 'netsentinel_stream_flows_total') === scan.rowCount ? m : undefined;
    }, () => err);
    assert.equal(total(text, 'netsentinel_stream_messages_total'), scan.rowCount / BATCH);
    const alerts = total(text, 'netsentinel_stream_alerts_total') ?? 0;
    assert.ok(alerts > 0, `a port scan raises alerts (${alerts})`);
    assert.ok((total(text, 'netsentinel_stream_flow_alerts_suppressed_total') ?? 0) > 0, 'the default per-source limit folds most of one scanner\'s flows');
    assert.equal(total(text, 'netsentinel_stream_ready'), 1);
    assert.equal(total(text, 'netsentinel_stream_rejected_total'), 0, 'lines left out: none here');
    assert.match(text, /netsentinel_stream_input_info\{worker="netsentinel-worker",input="stdin"\} 1/);
    // what has no meaning for a pipe is left out, not reported as zero
    for (const absent of ['netsentinel_stream_consumer_lag', 'netsentinel_stream_nats_connected', 'netsentinel_stream_latency_seconds_count']) assert.equal(total(text, absent), undefined, absent);
    assert.deepEqual(await get('/healthz'), { status: 200, body: 'ok\n' });
    assert.deepEqual(await get('/readyz'), { status: 200, body: 'ready\n' });

    child.stdin.end();
    assert.equal(await closed, 0, err);
    const stats = JSON.parse(err.trim().split('\n').pop()!) as Record<string, number>;
    assert.equal(stats.flows, scan.rowCount);
    assert.ok(stats.alerts >= alerts, 'the alerts scraped are those the worker raised by then');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, log: () => string, timeoutMs = 60_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; stderr:\n${log()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
