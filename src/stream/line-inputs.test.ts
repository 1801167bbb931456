/**
 * `stream --follow FILE` and `stream --stdin` read text line by line in batches, each read as a
 * CSV of its own (liveBatches in stdin-worker.ts). What an operator relies on there, each once
 * wrong:
 *  - the alerts of a followed CSV name the file and the row's line in it (they said "stdin" and
 *    the line within the batch: line 58 for the file's line 2458);
 *  - a bad line (not JSON, a ragged CSV row, text in a numeric field) is said with the input, its
 *    line and field, left out and counted (rejected), and the rest scored (the worker stopped at
 *    it, naming "stdin line 11" for a followed file's line 51);
 *  - an error that does end the worker (a baseline of other columns) ends the process: it stayed
 *    up, silent, polling the followed file until SIGTERM;
 *  - a headerless format followed (NSL-KDD) scores each line once (its first line was taken for
 *    a header and put before every batch: 504 flows from 500 lines);
 *  - `tail -F x.csv | stream --stdin` scores a trickle as it comes (a partial batch after 2 s
 *    without a new line), not when 1000 rows or the end of the pipe arrive;
 *  - SIGTERM ends `stream --stdin` with the pipe still open (it waited for the pipe to end).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { readDataset } from '../sources/read-dataset.js';
import { fitBaseline, saveBaseline } from '../risk/baseline.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const cicSkip = skipWithoutShared('datasets', 'cicids2017-sample', 'Portscan_2500.csv');
const kddSkip = skipWithoutShared('datasets', 'nsl-kdd', 'KDDTrain+_20Percent.txt');
const tmp = mkdtempSync(join(tmpdir(), 'ns-line-inputs-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const cic = (f: string): string => sharedPath('datasets', 'cicids2017-sample', f) as string;
let cicBaseline: string | undefined;
async function benignBaseline(): Promise<string> {
  if (!cicBaseline) {
    cicBaseline = join(tmp, 'benign.nsb');
    await saveBaseline(cicBaseline, await fitBaseline(await readDataset([cic('BENIGN_2500.csv')], { warn: () => undefined }), { detectors: ['isolation-forest'], seed: 7, threads: 1 }));
  }
  return cicBaseline;
}

interface Run {
  code: number | null;
  out: string;
  err: string;
}

/** `stream ARGS`, stopped with SIGTERM after `stopAfterMs` if still running, killed after 60 s */
function stream(args: string[], o: { stopAfterMs?: number; stdin?: (w: NodeJS.WritableStream) => void } = {}): Promise<Run> {
  const child = spawn(process.execPath, [CLI, 'stream', ...args], { stdio: [o.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  if (o.stdin) o.stdin(child.stdin!);
  const stop = o.stopAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGTERM'), o.stopAfterMs);
  const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(stop);
      clearTimeout(kill);
      resolve({ code, out, err });
    }),
  );
}

test('stream --follow CSV: flow alerts name the followed file and the line of their row in it', { skip: cicSkip, timeout: 120_000 }, async () => {
  const lines = readFileSync(cic('Portscan_2500.csv'), 'utf8').split('\n');
  const file = join(tmp, 'scan.csv');
  writeFileSync(file, lines.slice(0, 1001).join('\n') + '\n');
  const r = await stream(['--follow', file, '--baseline', await benignBaseline(), '--store', 'none', '--batch-rows', '100', '--flow-alerts-per-source', '0'], { stopAfterMs: 8_000 });
  assert.equal(r.code, 0, r.err);
  const flowAlerts = r.out.trim().split('\n').map((l) => JSON.parse(l) as { src_port: number; dest_port: number; alert: { signature: string }; netsentinel: { file?: string; line?: number } }).filter((a) => a.alert.signature === 'netsentinel: risky flow');
  assert.ok(flowAlerts.length > 100, `${flowAlerts.length} flow alerts`);
  assert.ok(flowAlerts.some((a) => a.netsentinel.line! > 200), 'alerts of later batches');
  for (const a of flowAlerts) {
    assert.equal(a.netsentinel.file, file);
    const row = lines[a.netsentinel.line! - 1]!.split(',');
    // the row at that line is the alert's flow (Src Port, Dst Port)
    assert.deepEqual([Number(row[3]), Number(row[5])], [a.src_port, a.dest_port], `line ${a.netsentinel.line}`);
  }
});

test('stream --follow CSV: a bad field and a ragged row are said with the file and their line, left out, and the rest scored', { skip: cicSkip, timeout: 120_000 }, async () => {
  const lines = readFileSync(cic('BENIGN_2500.csv'), 'utf8').split('\n').slice(0, 101);
  const cells = lines[50]!.split(',');
  cells[8] = 'abc'; // Flow Duration of line 51
  lines[50] = cells.join(',');
  lines[70] += ',1,2'; // line 71: two fields too many
  const file = join(tmp, 'bad.csv');
  writeFileSync(file, lines.join('\n') + '\n');
  const r = await stream(['--follow', file, '--baseline', await benignBaseline(), '--store', 'none', '--batch-rows', '20', '--json'], { stopAfterMs: 8_000 });
  assert.equal(r.code, 0, r.err);
  const at = (n: number): RegExp => new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} line ${n}\\b[^\\n]*left out`);
  assert.match(r.err, at(51));
  assert.match(r.err, /"Flow Duration": "abc" is not a number/);
  assert.match(r.err, at(71));
  assert.doesNotMatch(r.err, /stdin line/);
  const stats = JSON.parse(r.err.trim().split('\n').at(-1)!) as { flows: number; rejected: number };
  assert.equal(stats.flows, 98);
  assert.equal(stats.rejected, 2);
});

test('stream --stdin JSON lines: a line that is not JSON and a bad field are said with their line and field, the others scored', { skip: cicSkip, timeout: 120_000 }, async () => {
  const lines = readFileSync(cic('BENIGN_2500.csv'), 'utf8').split('\n');
  const names = lines[0]!.split(',');
  const json = lines.slice(1, 61).map((l) => {
    const cells = l.split(',');
    return Object.fromEntries(names.map((n, i) => [n, cells[i] !== '' && Number.isFinite(Number(cells[i])) ? Number(cells[i]) : cells[i]]));
  });
  (json[40] as Record<string, unknown>)['Flow Duration'] = 'abc'; // line 42 after the broken line 21
  const text = [...json.slice(0, 20).map((o) => JSON.stringify(o)), '{"Src IP": "10.0.0.1", broken', ...json.slice(20).map((o) => JSON.stringify(o))].join('\n') + '\n';
  const r = await stream(['--stdin', '--baseline', await benignBaseline(), '--store', 'none', '--json'], { stdin: (w) => w.end(text) });
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /stdin line 21: not JSON [^\n]*left out/);
  assert.match(r.err, /stdin line 42, column "Flow Duration": "abc" is not a number[^\n]*left out/);
  const stats = JSON.parse(r.err.trim().split('\n').at(-1)!) as { flows: number; rejected: number };
  assert.equal(stats.flows, 59);
  assert.equal(stats.rejected, 2);
});

test('stream --follow: a baseline of other columns ends the worker with exit 2 instead of leaving it up, silent, polling the file', { skip: cicSkip, timeout: 120_000 }, async () => {
  const other = join(tmp, 'other.csv');
  writeFileSync(other, 'alpha,beta\n' + Array.from({ length: 200 }, (_, i) => `${i % 17},${(i * 7) % 13}`).join('\n') + '\n');
  const baseline = join(tmp, 'other.nsb');
  await saveBaseline(baseline, await fitBaseline(await readDataset([other], { warn: () => undefined }), { detectors: ['isolation-forest'], seed: 7, threads: 1 }));
  const file = join(tmp, 'scan-head.csv');
  writeFileSync(file, readFileSync(cic('Portscan_2500.csv'), 'utf8').split('\n').slice(0, 51).join('\n') + '\n');
  const t0 = performance.now();
  const r = await stream(['--follow', file, '--baseline', baseline, '--store', 'none'], { stopAfterMs: 30_000 });
  assert.equal(r.code, 2, r.err);
  assert.ok(performance.now() - t0 < 25_000, 'ended by itself, not by the SIGTERM');
  assert.match(r.err, /the baseline needs columns "alpha" and "beta", which this input lacks/);
});

test('stream --follow: a headerless NSL-KDD file scores each line once', { skip: kddSkip, timeout: 120_000 }, async () => {
  const lines = readFileSync(sharedPath('datasets', 'nsl-kdd', 'KDDTrain+_20Percent.txt') as string, 'utf8').split('\n');
  const fit = join(tmp, 'kdd-fit.txt');
  writeFileSync(fit, lines.slice(0, 1000).join('\n') + '\n');
  const baseline = join(tmp, 'kdd.nsb');
  await saveBaseline(baseline, await fitBaseline(await readDataset([fit], { warn: () => undefined }), { detectors: ['isolation-forest'], seed: 7, threads: 1 }));
  const file = join(tmp, 'kdd.txt');
  writeFileSync(file, lines.slice(1000, 1500).join('\n') + '\n');
  const r = await stream(['--follow', file, '--baseline', baseline, '--store', 'none', '--batch-rows', '100', '--json'], { stopAfterMs: 6_000 });
  assert.equal(r.code, 0, r.err);
  const stats = JSON.parse(r.err.trim().split('\n').at(-1)!) as { flows: number; messages: number };
  assert.equal(stats.flows, 500);
  assert.equal(stats.messages, 5);
});

test('stream --stdin: a trickle of CSV lines is scored after 2 s without a new line, before the pipe ends', { skip: cicSkip, timeout: 120_000 }, async () => {
  const lines = readFileSync(cic('Portscan_2500.csv'), 'utf8').split('\n');
  const child = spawn(process.execPath, [CLI, 'stream', '--stdin', '--baseline', await benignBaseline(), '--store', 'none'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  let firstAlertAt = 0;
  child.stdout.on('data', () => (firstAlertAt ||= Date.now()));
  // 30 port-scan flows, then nothing for 15 s (tail -F on a quiet file), then the end
  child.stdin.write(lines.slice(0, 31).join('\n') + '\n');
  const wrote = Date.now();
  let endedAt = 0;
  const end = setTimeout(() => {
    endedAt = Date.now();
    child.stdin.end(lines[31] + '\n');
  }, 15_000);
  const code = await new Promise((r) => child.on('close', r));
  clearTimeout(end);
  assert.equal(code, 0, err);
  assert.ok(firstAlertAt > 0, `no alert at all: ${err}`);
  assert.ok(firstAlertAt < endedAt, `the first alert came ${firstAlertAt - wrote} ms after the lines, after the pipe ended (${endedAt - wrote} ms)`);
  assert.ok(firstAlertAt - wrote < 12_000, `the first alert came ${firstAlertAt - wrote} ms after the lines`);
});

test('stream --stdin: SIGTERM with the pipe still open scores what was read, closes the episodes and exits 0', { skip: cicSkip, timeout: 120_000 }, async () => {
  const lines = readFileSync(cic('Portscan_2500.csv'), 'utf8').split('\n');
  const child = spawn(process.execPath, [CLI, 'stream', '--stdin', '--baseline', await benignBaseline(), '--store', 'none', '--json'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  child.stdout.resume();
  // 50 flows, the pipe left open (tail -F), then SIGTERM once they are scored
  child.stdin.write(lines.slice(0, 51).join('\n') + '\n');
  await new Promise((r) => setTimeout(r, 5_000));
  const t0 = performance.now();
  child.kill('SIGTERM');
  const kill = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise((r) => child.on('close', r));
  clearTimeout(kill);
  child.stdin.destroy();
  assert.equal(code, 0, err);
  assert.ok(performance.now() - t0 < 15_000, 'ended at SIGTERM, not when the pipe closed');
  const stats = JSON.parse(err.trim().split('\n').at(-1)!) as { flows: number };
  assert.equal(stats.flows, 50);
});

test('stream --stdin CSV: every other line bad, the good lines of a batch are still scored as one batch (not one per run between bad lines), named by their line', { skip: cicSkip, timeout: 120_000 }, async () => {
  const lines = readFileSync(cic('Portscan_2500.csv'), 'utf8').split('\n');
  const col = lines[0]!.split(',').indexOf('Flow Duration');
  // in time order, as a live feed comes: a stream judges each flow on the flows before it, so the
  // file's shuffled order (a random sample of a day) shows the scan to it only over hours
  const at = lines[0]!.split(',').indexOf('Timestamp');
  const timeOf = (l: string): string => l.split(',')[at]!;
  const body = lines.slice(1, 401).sort((a, b) => (timeOf(a) < timeOf(b) ? -1 : timeOf(a) > timeOf(b) ? 1 : 0)).map((l, i) => {
    if (i % 2 === 0) return l;
    const cells = l.split(',');
    cells[col] = 'abc';
    return cells.join(',');
  });
  const text = [lines[0], ...body].join('\n') + '\n';
  const r = await stream(['--stdin', '--baseline', await benignBaseline(), '--store', 'none', '--batch-rows', '100', '--flow-alerts-per-source', '0', '--json'], { stdin: (w) => w.end(text) });
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /stdin line 3, column "Flow Duration": "abc" is not a number[^\n]*left out/);
  const stats = JSON.parse(r.err.trim().split('\n').at(-1)!) as { flows: number; rejected: number; messages: number };
  assert.equal(stats.rejected, 200);
  assert.equal(stats.flows, 200);
  // 400 lines in batches of 100: 4 batches (they were 200, one per good line between two bad ones)
  assert.equal(stats.messages, 4);
  const sent = text.split('\n');
  const flowAlerts = r.out.trim().split('\n').map((l) => JSON.parse(l) as { src_port: number; dest_port: number; alert: { signature: string }; netsentinel: { line?: number } }).filter((a) => a.alert.signature === 'netsentinel: risky flow');
  assert.ok(flowAlerts.length > 20, `${flowAlerts.length} flow alerts`);
  for (const a of flowAlerts) {
    const row = sent[a.netsentinel.line! - 1]!.split(',');
    assert.deepEqual([Number(row[3]), Number(row[5])], [a.src_port, a.dest_port], `line ${a.netsentinel.line}`);
  }
});
