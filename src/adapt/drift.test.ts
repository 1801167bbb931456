/**
 * Drift detection: the population stability index itself, and the target on real data — a stream
 * of CIC-IDS2017 flows that switches from Monday's traffic to Wednesday's (its benign flows and the
 * DoS attacks of that day, in time order) is reported as drifted within 450 flows of the switch,
 * through the `drift` verb a user runs; the same stream without the switch (Monday, then the
 * benign flows of the other days) is not. On this sample the benign flows of different days are
 * statistically alike (a random forest tells two days apart with ROC-AUC 0.51–0.60), so a switch
 * between benign days alone is, rightly, not drift.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { numericColumn, categoricalFrom, type FlowTable } from '../flows/table.js';
import { driftReference, windowPsi } from './psi.js';
import { DriftMonitor } from './drift-monitor.js';
import { skipWithoutShared } from '../testing/shared-data.js';
import { writeDayFiles, type DayFiles } from '../testing/cicids-days.js';
import { readDataset } from '../sources/read-dataset.js';
import { fitBaseline, saveBaseline } from '../risk/baseline.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'ns-drift-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function table(n: number, shift: number, seed: number): FlowTable {
  let s = seed;
  const rnd = (): number => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const proto: string[] = [];
  for (let i = 0; i < n; i++) {
    a[i] = rnd() * 100 + shift;
    b[i] = rnd() * 10;
    proto.push(rnd() < 0.6 ? 'tcp' : 'udp');
  }
  return { rowCount: n, format: 'csv', columns: [numericColumn('bytes', 'feature', a), numericColumn('packets', 'feature', b), categoricalFrom('proto', 'feature', proto)] };
}

test('PSI: near zero for the same distribution, large for a shifted feature, which is named first', () => {
  const ref = driftReference(table(2000, 0, 1));
  const same = windowPsi(ref, table(2000, 0, 2)).features;
  for (const f of same) assert.ok(f.psi - f.noise < 0.05, `${f.feature} ${f.psi}`);
  const moved = windowPsi(ref, table(500, 60, 3));
  assert.equal(moved.features[0].feature, 'bytes');
  assert.ok(moved.features[0].psi > 1, String(moved.features[0].psi));
  assert.ok(moved.features[1].psi < 0.1);
  assert.deepEqual(windowPsi(ref, { ...table(10, 0, 4), columns: table(10, 0, 4).columns.slice(1) }).missing, ['bytes']);
});

test('PSI: an unseen category and missing cells have bins of their own', () => {
  const ref = driftReference(table(1000, 0, 1));
  const w = table(300, 0, 5);
  const proto = categoricalFrom('proto', 'feature', Array.from({ length: 300 }, () => 'icmp'));
  const bytes = numericColumn('bytes', 'feature', new Float64Array(300).fill(NaN));
  const r = windowPsi(ref, { ...w, columns: [bytes, w.columns[1], proto] });
  assert.ok(r.features.find((f) => f.feature === 'proto')!.psi > 2);
  assert.ok(r.features.find((f) => f.feature === 'bytes')!.psi > 2);
});

test('the monitor cuts batches into windows of a fixed number of flows, across batch edges', () => {
  const m = new DriftMonitor(driftReference(table(1000, 0, 1)), { window: 120, threshold: 0.25, minFeatures: 1 });
  const out = [...m.push(table(100, 0, 2), new Float64Array(100)), ...m.push(table(140, 0, 3), new Float64Array(140)), ...m.push(table(160, 60, 4), new Float64Array(160))];
  assert.deepEqual(out.map((w) => [w.firstFlow, w.flows]), [[0, 120], [120, 120], [240, 120]]);
  assert.deepEqual(out.map((w) => w.drifted), [false, false, true]);
  assert.equal(out[2].features[0].feature, 'bytes');
  assert.equal(m.flowsSeen(), 400);
});

const dataSkip = skipWithoutShared('datasets', 'cicids2017-sample', 'DoS_Hulk_2500.csv');
const WINDOW = 150;
/** the stated target: drift reported within this many flows of the switch */
const WITHIN = 450;

let files: DayFiles | undefined;
let baselineFile = '';
async function prepare(): Promise<DayFiles> {
  if (files) return files;
  files = writeDayFiles(tmp);
  const monday = await readDataset([files.mondayFit], { warn: () => undefined });
  baselineFile = join(tmp, 'monday.nsb');
  await saveBaseline(baselineFile, await fitBaseline(monday, { detectors: ['isolation-forest'], calibrationShare: 0.8, seed: 3, threads: 1 }));
  return files;
}

interface DriftJson {
  windows: { index: number; firstFlow: number; flows: number; drifted: boolean; moved: number; features: { feature: string; psi: number; moved: boolean }[] }[];
}

function driftCli(inputs: string[]): { code: number | null; out: DriftJson } {
  const r = spawnSync(process.execPath, [CLI, 'drift', baselineFile, ...inputs, '--window', String(WINDOW), '--json', '-q'], { encoding: 'utf8' });
  assert.ok(r.status === 0 || r.status === 1, r.stderr);
  return { code: r.status, out: JSON.parse(r.stdout) as DriftJson };
}

test(`drift target: Monday's traffic switching to Wednesday's is reported within ${WITHIN} flows, naming the features that moved`, { skip: dataSkip, timeout: 120_000 }, async () => {
  const f = await prepare();
  const { code, out } = driftCli([f.mondayRest, f.wednesday]);
  assert.equal(code, 1, 'exit status 1: drift found');
  const switchAt = f.mondayRestFlows;
  const before = out.windows.filter((w) => w.firstFlow + w.flows <= switchAt);
  assert.ok(before.length >= 1);
  assert.ok(before.every((w) => !w.drifted), 'no drift reported on Monday before the switch');
  const first = out.windows.find((w) => w.drifted)!;
  assert.ok(first.firstFlow + first.flows <= switchAt + WITHIN, `first drifted window ends at flow ${first.firstFlow + first.flows}, switch at ${switchAt}`);
  assert.ok(first.moved >= 3);
  const top = first.features[0];
  assert.ok(top.moved && top.psi > 0.5, JSON.stringify(top));
});

test('drift target: the same stream without the switch (Monday, then the benign flows of the other days) is never reported', { skip: dataSkip, timeout: 120_000 }, async () => {
  const f = await prepare();
  const { code, out } = driftCli([f.mondayRest, f.otherBenignDays]);
  assert.ok(out.windows.length >= 12, `${out.windows.length} windows judged`);
  assert.deepEqual(out.windows.filter((w) => w.drifted).map((w) => w.index), []);
  assert.equal(code, 0);
});

test('drift verb: -b BASELINE as analyze takes it; fewer flows than the smallest window are shown, not called drift', async () => {
  const b = await fitBaseline(await readDataset([join('samples', 'loopback', 'normal.csv')]), { seed: 1, threads: 1, log: false });
  const nsb = join(tmp, 'tiny-check.nsb');
  await saveBaseline(nsb, b, 'baseline');
  const few = join(tmp, 'few.csv');
  const lines = readFileSync(join('samples', 'loopback', 'traffic.csv'), 'utf8').split('\n');
  // the port-scan flows of the sample: far from the reference, but only three of them
  writeFileSync(few, [lines[0], ...lines.slice(-4).filter(Boolean)].join('\n') + '\n');
  const r = spawnSync(process.execPath, [CLI, 'drift', '-b', nsb, few, '-q'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /only 3 flows: drift is judged on at least 50/);
  assert.doesNotMatch(r.stdout, /DRIFT/);
  assert.match(r.stdout, /^3 flows against/);
  const missing = spawnSync(process.execPath, [CLI, 'drift', '-b', nsb, '-q'], { encoding: 'utf8' });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^netsentinel: drift: missing FLOWS/);
});
