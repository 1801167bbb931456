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

test('followFile: each line is placed in the file it was read from and its line there, across a rename and a truncation', { timeout: 60_000 }, async () => {
  const { followFile } = await import('./follow-file.js');
  const { createInterface } = await import('node:readline');
  const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  const file = join(tmp, 'placed.csv');
  writeFileSync(file, 'a,b\n1,2\r\n3,4\n');
  const ctl = new AbortController();
  const rotations: string[] = [];
  const f = await followFile(file, { signal: ctl.signal, pollMs: 20, onRotate: (why, old) => rotations.push(`${why}: ${old}`) });
  // numbered as the stream worker numbers them (node:readline)
  const lines: string[] = [];
  createInterface({ input: f.stream, crlfDelay: Infinity }).on('line', (l) => lines.push(l));
  const until = async (n: number): Promise<void> => {
    const end = Date.now() + 20_000;
    while (lines.length < n && Date.now() < end) await pause(20);
  };
  await until(3);
  // renamed away (and written to through its new name), a new file with its header at the path
  renameSync(file, `${file}.1`);
  appendFileSync(`${file}.1`, '5,6\n');
  writeFileSync(file, 'a,b\n7,8\n9,10\n');
  await until(6);
  // truncated and written again in place (copytruncate)
  writeFileSync(file, 'a,b\n11\n');
  await until(7);
  ctl.abort();
  await f.done;
  assert.deepEqual(lines, ['a,b', '1,2', '3,4', '5,6', '7,8', '9,10', '11']);
  const placed = lines.map((_, i) => f.where(i + 1));
  const truncatedName = placed[4]!.file;
  assert.match(truncatedName, /placed\.csv \(before its truncation at \d\d:\d\d:\d\dZ\)$/);
  assert.deepEqual(placed, [
    { file: `${file}.1`, line: 1 },
    { file: `${file}.1`, line: 2 },
    { file: `${file}.1`, line: 3 },
    { file: `${file}.1`, line: 4 },
    // the new file's header (its line 1) was skipped
    { file: truncatedName, line: 2 },
    { file: truncatedName, line: 3 },
    { file, line: 2 },
  ]);
  assert.deepEqual(rotations, [`a new file at the path: ${file}.1`, `truncated to ${'a,b\n11\n'.length} bytes: ${truncatedName}`]);
});

test('stream --follow: after a rotation, a bad line and the flow alerts name the new file and their line in it', { skip: dataSkip, timeout: 120_000 }, async () => {
  const baseline = join(tmp, 'benign-iforest.nsb');
  await saveBaseline(baseline, await fitBaseline(await readDataset([sharedPath('datasets', 'cicids2017-sample', 'BENIGN_2500.csv') as string], { warn: () => undefined }), { detectors: ['isolation-forest'], seed: 7, threads: 1 }));
  const lines = readFileSync(sharedPath('datasets', 'cicids2017-sample', 'Portscan_2500.csv') as string, 'utf8').split('\n');
  const file = join(tmp, 'rotated.csv');
  writeFileSync(file, lines.slice(0, 301).join('\n') + '\n');
  const w = spawn(process.execPath, [CLI, 'stream', '--follow', file, '--baseline', baseline, '--store', 'none', '--flow-alerts-per-source', '0', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  w.stdout.on('data', (d) => (out += d));
  w.stderr.on('data', (d) => (err += d));
  const closed = new Promise<number | null>((r) => w.on('close', r));
  const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
  const wait = async (what: RegExp): Promise<void> => {
    const end = Date.now() + 60_000;
    while (!what.test(err)) {
      if (w.exitCode !== null || Date.now() > end) throw new Error(`no ${what}: ${err}`);
      await pause(50);
    }
  };
  await wait(/following .* from its start/);
  // the first file's rows scored (one partial batch, after 2 s idle) before the rotation
  const end = Date.now() + 60_000;
  while (!out && Date.now() < end) await pause(100);
  await pause(500);
  const before = out.length;
  assert.ok(before > 0, `the first file's rows gave no alert: ${err}`);
  renameSync(file, `${file}.1`);
  // the new file: its header, 200 rows, a ragged row on its line 202, 100 rows more
  writeFileSync(file, [lines[0], ...lines.slice(301, 501), '1,2,3', ...lines.slice(501, 601)].join('\n') + '\n');
  await wait(/rotated \(a new file at the path\)/);
  await wait(/line 202: expected/);
  const fromNew = (): { line: number; src_port: number; dest_port: number }[] =>
    out
      .slice(before)
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { alert: { signature: string }; src_port: number; dest_port: number; netsentinel: { file?: string; line?: number } })
      .filter((a) => a.alert.signature === 'netsentinel: risky flow' && a.netsentinel.file === file)
      .map((a) => ({ line: a.netsentinel.line!, src_port: a.src_port, dest_port: a.dest_port }));
  const end2 = Date.now() + 60_000;
  while (!fromNew().some((a) => a.line > 202) && Date.now() < end2) await pause(100);
  w.kill('SIGTERM');
  assert.equal(await closed, 0, err);
  assert.match(err, new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} line 202: expected 91 fields, found 3`));
  const newFile = readFileSync(file, 'utf8').split('\n');
  const alerts = fromNew();
  assert.ok(alerts.length > 50, `${alerts.length} flow alerts of the new file`);
  // each alert's line in the new file holds its flow (Src Port, Dst Port)
  for (const a of alerts) {
    const row = newFile[a.line - 1]!.split(',');
    assert.deepEqual([Number(row[3]), Number(row[5])], [a.src_port, a.dest_port], `line ${a.line}`);
  }
});
