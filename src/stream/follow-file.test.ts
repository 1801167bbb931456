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
  // the worker must hold the file before it is rotated (on a loaded machine its start can take
  // longer than any fixed pause; a file renamed away before the first open is rightly an error)
  const openBy = Date.now() + 60_000;
  while (!/following .* from its start/.test(err)) {
    if (w.exitCode !== null) throw new Error(`worker exited before following: ${err}`);
    if (Date.now() > openBy) throw new Error(`worker not following after 60 s: ${err}`);
    await pause(50);
  }
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

test('followFile: a path missing for a while after rotation is waited for (tail -F), a path missing at the start is an error', { timeout: 60_000 }, async () => {
  const { followFile } = await import('./follow-file.js');
  const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  const file = join(tmp, 'gap.csv');
  await assert.rejects(followFile(file, { signal: new AbortController().signal }), /stream --follow: cannot open .*gap\.csv \(ENOENT\)/);
  writeFileSync(file, 'a,b\n1,2\n');
  const ctl = new AbortController();
  const rotations: string[] = [];
  const f = await followFile(file, { signal: ctl.signal, pollMs: 20, onRotate: (why) => rotations.push(why) });
  let text = '';
  f.stream.on('data', (d) => (text += d));
  await pause(100);
  // renamed away, the path missing for many polls, written to meanwhile through the old name
  renameSync(file, `${file}.1`);
  appendFileSync(`${file}.1`, '3,4\n');
  await pause(400);
  writeFileSync(file, 'a,b\n5,6\n');
  await pause(300);
  ctl.abort();
  await f.done;
  assert.equal(text, 'a,b\n1,2\n3,4\n5,6\n');
  assert.equal(f.stats.rotations, 1);
  assert.equal(f.stats.headersSkipped, 1);
  assert.deepEqual(rotations, ['a new file at the path']);
});
