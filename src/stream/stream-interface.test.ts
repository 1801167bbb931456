/**
 * `stream --interface IF`: a live capture straight into the worker. tcpdump on loopback, filtered
 * to a TCP port of a server this test opens; the test makes 25 connections while the worker runs,
 * then SIGTERM: the capture ends, the open flows are finished and scored, exit 0. Asserted: every
 * connection became a scored flow (25, both directions metered as one flow each), the run is in
 * the store named after the interface, and the errors of a wrong use are one line.
 *
 * Needs root and tcpdump: skipped, saying why, without them, except under CI=true.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hasProgram } from '../testing/programs.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { readDataset } from '../sources/read-dataset.js';
import { fitBaseline, saveBaseline } from '../risk/baseline.js';
import { openStore } from '../store/open-store.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const ci = process.env.CI === 'true';
const skip =
  skipWithoutShared('datasets', 'cicids2017-sample', 'BENIGN_2500.csv') ||
  (ci ? false : process.getuid?.() !== 0 ? 'needs root (packet capture); CI runs it as root' : !hasProgram('tcpdump') ? 'needs tcpdump' : false);
const tmp = mkdtempSync(join(tmpdir(), 'ns-stream-if-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('stream --interface lo: the flows of a live capture are scored as they finish; SIGTERM finishes the rest', { skip, timeout: 180_000 }, async () => {
  const benign = await readDataset([sharedPath('datasets', 'cicids2017-sample', 'BENIGN_2500.csv') as string], { warn: () => undefined });
  const baseline = join(tmp, 'benign.nsb');
  await saveBaseline(baseline, await fitBaseline(benign, { detectors: ['isolation-forest'], seed: 7, threads: 1 }));
  const server = createServer((s) => s.end('hello\n'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const store = join(tmp, 'live.db');
  const child = spawn(process.execPath, [CLI, 'stream', '--interface', 'lo', '--filter', `tcp port ${port}`, '--batch-seconds', '1', '--baseline', baseline, '--store', store, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stdout!.resume();
  child.stderr!.on('data', (d) => (stderr += d));
  const closed = new Promise<number | null>((r) => child.on('close', (c) => r(c)));
  try {
    const end = Date.now() + 60_000;
    while (!/scoring its flows as they finish/.test(stderr)) {
      if (child.exitCode !== null || Date.now() > end) throw new Error(`the capture did not start: ${stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    for (let i = 0; i < 25; i++) {
      await new Promise<void>((resolve, reject) => {
        const c = connect(port, '127.0.0.1');
        c.on('data', () => undefined).on('end', () => c.end()).on('close', () => resolve()).on('error', reject);
      });
    }
    // tcpdump hands packets on as they come (-U); let the last ones reach the meter before stopping
    await new Promise((r) => setTimeout(r, 1500));
  } finally {
    child.kill('SIGTERM');
    server.close();
  }
  assert.equal(await closed, 0, stderr);
  const stats = JSON.parse(stderr.split('\n').filter((l) => l.startsWith('{')).pop()!) as { flows: number; messages: number };
  assert.equal(stats.flows, 25, stderr);
  const s = await openStore(store);
  try {
    const runs = await s.listRuns?.(10);
    if (runs) assert.ok(runs.some((r) => r.inputs.includes('capture:lo')), JSON.stringify(runs));
  } finally {
    await s.close();
  }
  // wrong uses: one line, no stack trace
  const both = spawnSync(process.execPath, [CLI, 'stream', '--interface', 'lo', '--stdin', '--baseline', baseline, '--store', 'none'], { encoding: 'utf8' });
  assert.notEqual(both.status, 0);
  assert.match(both.stderr, /give one of --stdin, --follow FILE and --interface IF/);
  const filterAlone = spawnSync(process.execPath, [CLI, 'stream', '--stdin', '--filter', 'tcp', '--baseline', baseline, '--store', 'none'], { encoding: 'utf8', input: '' });
  assert.match(filterAlone.stderr, /--filter goes with --interface IF/);
  const noSuch = spawnSync(process.execPath, [CLI, 'stream', '--interface', `nosuch${process.pid}`, '--baseline', baseline, '--store', 'none'], { encoding: 'utf8' });
  assert.notEqual(noSuch.status, 0);
  for (const r of [both, filterAlone, noSuch]) assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});
