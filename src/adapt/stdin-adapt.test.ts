/**
 * Adaptation outside the JetStream worker, and a restart's model: `stream --stdin` with --drift and
 * --retrain-every on CIC-IDS2017 flows (benign, then a DoS Hulk flood), in a SQLite store. Asserted:
 * drift is reported (stderr, model_events) on the flood, a baseline is retrained and swapped in,
 * every alert carries a recorded version; then a second run started with the same --baseline
 * resumes with the newest version the first recorded (said on stderr) and stamps its alerts with
 * it; and a run with another --durable (another chain) starts from the --baseline file.
 * `stream --follow` (the same worker, a live input): benign flows, a baseline retrained on them,
 * then a flood appended: the retrained version is swapped in and drift reported.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { readDataset } from '../sources/read-dataset.js';
import { fitBaseline, saveBaseline } from '../risk/baseline.js';
import { openModelVersionStore } from './model-versions.js';
import { versionOfFile } from './stream-adaptation.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const skip = skipWithoutShared('datasets', 'cicids2017-sample', 'DoS_Hulk_2500.csv');
const tmp = mkdtempSync(join(tmpdir(), 'ns-stdin-adapt-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const sample = (f: string): string => sharedPath('datasets', 'cicids2017-sample', f) as string;

/** one CSV of several sample files (one header) */
function joined(files: string[], out: string): string {
  const parts = files.map((f) => readFileSync(sample(f), 'utf8').trimEnd().split('\n'));
  writeFileSync(out, [parts[0][0], ...parts.flatMap((p) => p.slice(1))].join('\n') + '\n');
  return out;
}

function stdinRun(args: string[], input: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, 'stream', '--stdin', ...args, '--json'], { input: readFileSync(input), encoding: 'utf8', maxBuffer: 1 << 28 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const alertsOf = (stdout: string): Record<string, unknown>[] => stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
const statsOf = (stderr: string): { flows: number; adaptation: { version: string; driftReports: number; driftWindows: number; retrains: number; swaps: number } } =>
  JSON.parse(stderr.split('\n').filter((l) => l.startsWith('{')).pop()!) as never;

test('stream --stdin: drift reported, baseline retrained and swapped; a restart resumes with the newest version', { skip, timeout: 400_000 }, async () => {
  const benign = await readDataset([sample('BENIGN_2500.csv')], { warn: () => undefined });
  const baselineFile = join(tmp, 'benign.nsb');
  await saveBaseline(baselineFile, await fitBaseline(benign, { detectors: ['isolation-forest'], seed: 7, threads: 1 }));
  const root = (await versionOfFile(baselineFile)).id;
  const input = joined(['BENIGN_2500.csv', 'DoS_Hulk_2500.csv'], join(tmp, 'benign-hulk.csv'));
  const store = join(tmp, 'adapt.db');
  const common = ['--baseline', baselineFile, '--store', store, '--batch-rows', '100', '--model-dir', join(tmp, 'models')];

  const first = stdinRun([...common, '--durable', 'a', '--drift', '--drift-window', '250', '--retrain-every', '1000', '--reservoir', '1000'], input);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stderr, new RegExp(`scoring with model ${root} \\(--baseline`));
  const s1 = statsOf(first.stderr);
  assert.equal(s1.flows, 5000);
  // one window per 250 flows; a swap drops the partial window it falls in (its reference changed)
  assert.ok(s1.adaptation.driftWindows <= 20 && s1.adaptation.driftWindows >= 20 - s1.adaptation.swaps, JSON.stringify(s1.adaptation));
  assert.ok(s1.adaptation.driftReports >= 1, first.stderr.slice(-3000));
  assert.match(first.stderr, /drift in flows \d+-\d+ .*features moved/);
  // the whole input is read long before a retrain ends, so the new version is recorded (at the end,
  // close() waits for it) but no batch is left to swap it in: the --follow test below swaps
  assert.ok(s1.adaptation.retrains >= 1, JSON.stringify(s1.adaptation));
  const vs = await openModelVersionStore(store);
  const versions = await vs.listVersions();
  const drifts = await vs.listEvents(1000, 'drift');
  await vs.close();
  assert.equal(drifts.length, s1.adaptation.driftReports);
  // the flood is what drifted: no report before the switch at flow 2500
  for (const d of drifts) assert.ok(Number(d.detail.firstFlow) >= 2250, JSON.stringify(d.detail));
  const ids = new Set(versions.map((v) => v.id));
  const a1 = alertsOf(first.stdout);
  assert.ok(a1.length > 0, 'alerts on the flood');
  for (const a of a1) assert.ok(ids.has(String(a.model_version)), String(a.model_version));

  // restart with the same --baseline and --durable: the newest version of chain "a" scores
  const newest = versions.filter((v) => v.worker === 'a' && v.parent !== null).sort((x, y) => (x.created < y.created ? 1 : -1))[0];
  assert.ok(newest && newest.id !== root, 'a retrained version recorded');
  const again = stdinRun([...common, '--durable', 'a', '--drift', '--drift-window', '250'], input);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stderr, new RegExp(`scoring with model ${newest.id} \\(.*\\), the newest version worker a recorded from ${root}`));
  const a2 = alertsOf(again.stdout);
  assert.ok(a2.length > 0, 'alerts on the flood');
  for (const a of a2) assert.equal(a.model_version, newest.id);
  assert.equal(statsOf(again.stderr).adaptation.version, newest.id);

  // another chain (--durable b) has recorded nothing newer: it scores with the file
  const other = stdinRun([...common, '--durable', 'b', '--drift'], input);
  assert.equal(other.status, 0, other.stderr);
  assert.match(other.stderr, new RegExp(`scoring with model ${root} \\(--baseline`));
  const a3 = alertsOf(other.stdout);
  assert.ok(a3.length > 0);
  for (const a of a3) assert.equal(a.model_version, root);
});

test('stream --follow with --drift and --retrain-every: a version retrained on the followed flows is swapped in; drift reported', { skip, timeout: 400_000 }, async () => {
  const benign = await readDataset([sample('BENIGN_2500.csv')], { warn: () => undefined });
  const baselineFile = join(tmp, 'follow.nsb');
  await saveBaseline(baselineFile, await fitBaseline(benign, { detectors: ['isolation-forest'], seed: 7, threads: 1 }));
  const root = (await versionOfFile(baselineFile)).id;
  const all = readFileSync(joined(['BENIGN_2500.csv', 'DoS_Hulk_2500.csv'], join(tmp, 'both.csv')), 'utf8').trimEnd().split('\n');
  const file = join(tmp, 'followed.csv');
  writeFileSync(file, all.slice(0, 2501).join('\n') + '\n'); // the header and the benign flows
  const store = join(tmp, 'follow.db');
  const child = spawn(process.execPath, [CLI, 'stream', '--follow', file, '--baseline', baselineFile, '--store', store, '--drift', '--drift-window', '250', '--retrain-every', '1000', '--reservoir', '1000', '--model-dir', join(tmp, 'follow-models'), '--batch-rows', '250', '--json'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const closed = new Promise<number | null>((r) => child.on('close', (c) => r(c)));
  const until = async (what: string, probe: () => boolean | Promise<boolean>): Promise<void> => {
    const end = Date.now() + 200_000;
    while (!(await probe())) {
      if (child.exitCode !== null || Date.now() > end) throw new Error(`${what}: ${child.exitCode !== null ? 'the worker exited' : 'timed out'}; it said: ${stderr.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  try {
    await until('a retrained version', async () => {
      const vs = await openModelVersionStore(store);
      try {
        return (await vs.listVersions()).length >= 2;
      } finally {
        await vs.close();
      }
    });
    // the flood is appended: scored from its first batch on by the retrained version
    appendFileSync(file, all.slice(2501).join('\n') + '\n');
    await until('the swap and a drift report', () => /swapped in/.test(stderr) && /drift in flows/.test(stderr));
  } finally {
    child.kill('SIGTERM');
  }
  assert.equal(await closed, 0, stderr);
  const s = statsOf(stderr);
  assert.equal(s.flows, 5000);
  assert.ok(s.adaptation.swaps >= 1 && s.adaptation.driftReports >= 1, JSON.stringify(s.adaptation));
  const alerts = alertsOf(stdout);
  assert.ok(alerts.some((a) => a.model_version !== root), 'alerts scored by the retrained version');
  const vs = await openModelVersionStore(store);
  const ids = new Set((await vs.listVersions()).map((v) => v.id));
  assert.equal((await vs.listEvents(100, 'swap')).length, s.adaptation.swaps);
  await vs.close();
  for (const a of alerts) assert.ok(ids.has(String(a.model_version)));
});
