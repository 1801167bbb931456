/**
 * `stream` stopped by a signal says so on one line, as `serve` does: a service manager's SIGTERM
 * without advice meant for a terminal, Ctrl-C (SIGINT) with its way out on that same line. Before,
 * the CLI's "SIGTERM received: stopping after the current step (send it again to stop at once)"
 * followed the worker's own "draining" line: two lines for one signal.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { Background } from '../testing/live-namespaces.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDataset } from '../sources/read-dataset.js';
import { fitBaseline, saveBaseline } from '../risk/baseline.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'ns-stream-signal-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function flows(n: number): string {
  const rows = Array.from({ length: n }, (_, i) => `2017-07-07T13:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')},10.0.${i % 7}.${10 + (i % 50)},10.0.0.1,${40000 + i},443,6,${1000 + ((i * 37) % 900)},${3 + (i % 5)}`);
  return 'timestamp,src_ip,dst_ip,src_port,dst_port,protocol,duration_us,fwd_packets\n' + rows.join('\n') + '\n';
}

test('stream --stdin: SIGTERM and SIGINT are said on one line each, and the worker drains and exits 0', async () => {
  const normal = join(tmp, 'normal.csv');
  writeFileSync(normal, flows(300));
  const baseline = join(tmp, 'normal.nsb');
  await saveBaseline(baseline, await fitBaseline(await readDataset([normal], { warn: () => undefined }), { detectors: ['isolation-forest'], seed: 7, threads: 1 }));
  for (const [signal, line] of [
    ['SIGTERM', 'netsentinel: stream: SIGTERM: draining (finishing the message in hand), then stopping'],
    ['SIGINT', 'netsentinel: stream: SIGINT: draining (finishing the message in hand), then stopping (Ctrl-C again stops at once)'],
  ] as const) {
    const w = new Background(spawn(process.execPath, [CLI, 'stream', '--stdin', '--baseline', baseline, '--store', 'none', '--batch-rows', '50'], { stdio: ['pipe', 'pipe', 'pipe'] }));
    try {
      // flows arrive and are scored (the input notes are said at the first batch); the pipe stays open
      w.child.stdin!.write(flows(120));
      await w.waitFor('err', /stream: input:/, 30_000);
      w.child.kill(signal);
      assert.equal(await w.exited, 0, w.err);
      const said = w.err.split('\n').filter((l) => l.includes(signal));
      assert.deepEqual(said, [line], w.err);
      assert.match(w.err, /120 flows in \d+ messages? scored/, w.err);
    } finally {
      if (w.child.exitCode === null) w.child.kill('SIGKILL');
    }
  }
});
