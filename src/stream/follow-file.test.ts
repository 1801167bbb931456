/**
 * `stream --follow FILE` on a CSV that grows and is rotated while followed (renamed away, a new
 * file with its own header created at the path, as a log rotator does): every row is scored once
 * and the alerts are exactly those of `stream --stdin` on the same rows in one piece.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { readDataset } from '../sources/read-dataset.js';
import { fitBaseline, saveBaseline } from '../risk/baseline.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const dataSkip = skipWithoutShared('datasets', 'cicids2017-sample', 'Portscan_2500.csv');
const tmp = mkdtempSync(join(tmpdir(), 'ns-follow-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

type Rec = { src_ip: string; dest_port: number; timestamp: string; alert: { signature: string }; netsentinel?: { rule?: string } };
const sig = (list: Rec[]): string[] => list.map((a) => `${a.src_ip} ${a.dest_port} ${a.alert.signature} ${a.timestamp}`).sort();
const isFlowAlert = (a: Rec): boolean => !a.netsentinel?.rule && a.alert.signature !== 'netsentinel: risky source';

test('stream --follow: a CSV appended to and rotated while followed scores every row once, as --stdin on the whole', { skip: dataSkip, timeout: 180_000 }, async () => {
  const benign = await readDataset([sharedPath('datasets', 'cicids2017-sample', 'BENIGN_2500.csv') as string], { warn: () => undefined });
  const baseline = join(tmp, 'benign.nsb');
  await saveBaseline(baseline, await fitBaseline(benign, { seed: 7, threads: 1 }));
  const lines = readFileSync(sharedPath('datasets', 'cicids2017-sample', 'Portscan_2500.csv') as string, 'utf8').split('\n');
  const header = lines[0];
  const rows = lines.slice(1, 1001);
  const common = ['--baseline', baseline, '--store', 'none', '--batch-rows', '100', '--json'];

  // the reference: the same 1000 rows in one piece on stdin
  const ref = spawn(process.execPath, [CLI, 'stream', '--stdin', ...common], { stdio: ['pipe', 'pipe', 'pipe'] });
  let refOut = '';
  ref.stdout.on('data', (d) => (refOut += d));
  ref.stdin.end([header, ...rows].join('\n') + '\n');
  assert.equal(await new Promise((r) => ref.on('close', r)), 0);
  const want = refOut.trim().split('\n').map((l) => JSON.parse(l) as Rec);
  const wantFlowAlerts = want.filter(isFlowAlert).length;
  assert.ok(wantFlowAlerts > 50, `${wantFlowAlerts} flow alerts`);

  const file = join(tmp, 'flows.csv');
  writeFileSync(file, [header, ...rows.slice(0, 300)].join('\n') + '\n');
  const w = spawn(process.execPath, [CLI, 'stream', '--follow', file, ...common], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  w.stdout.on('data', (d) => (out += d));
  w.stderr.on('data', (d) => (err += d));
  const closed = new Promise<number | null>((r) => w.on('close', r));
  const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  await pause(1000);
  // appended in pieces, one cut mid-line
  appendFileSync(file, rows.slice(300, 450).join('\n') + '\n' + rows[450].slice(0, 20));
  await pause(300);
  appendFileSync(file, rows[450].slice(20) + '\n' + rows.slice(451, 600).join('\n') + '\n');
  await pause(300);
  // rotation: the old file renamed away, a new one (with its own header) at the path
  renameSync(file, `${file}.1`);
  await pause(300);
  writeFileSync(file, [header, ...rows.slice(600, 800)].join('\n') + '\n');
  await pause(300);
  appendFileSync(file, rows.slice(800).join('\n') + '\n');

  const until = Date.now() + 120_000;
  const got = (): Rec[] => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Rec);
  while (got().filter(isFlowAlert).length < wantFlowAlerts) {
    if (w.exitCode !== null) throw new Error(`worker exited: ${err}`);
    if (Date.now() > until) throw new Error(`only ${got().filter(isFlowAlert).length} of ${wantFlowAlerts} flow alerts: ${err}`);
    await pause(100);
  }
  w.kill('SIGTERM');
  assert.equal(await closed, 0, err);
  assert.match(err, /rotated \(a new file at the path\)/);
  const stats = JSON.parse(err.trim().split('\n').pop()!) as { flows: number; follow: { rotations: number; headersSkipped: number } };
  assert.equal(stats.flows, 1000);
  assert.equal(stats.follow.rotations, 1);
  assert.equal(stats.follow.headersSkipped, 1);
  assert.deepEqual(sig(got()), sig(want));
});
