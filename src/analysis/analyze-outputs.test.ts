/**
 * Guards the pipeline split (issue 8 #5): analyze must write the same outputs as the one-function
 * runAnalysis did, on a slice of the shared CIC-IDS2017 sample, with a baseline.
 *
 * How the digests were made: this test was written and run FIRST against the unsplit
 * src/analysis/run-analysis.ts (commit db4bb8c); with NETSENTINEL_PRINT_DIGESTS=1 it prints the
 * SHA-256 of every normalised output, and those printed values were pasted into EXPECTED below
 * before any line of the split was written. Normalising removes only what differs from run to run:
 * the temporary folder's path (→ <DIR>; the test runs in that folder with relative paths, since
 * alert keys hash the input file's name), the start/finish times and the duration (in summary.json
 * and report.html). Everything else (every row, every alert, the PNG's bytes, the alerts in the
 * SQLite store) is compared byte for byte.
 *
 * When an output changes ON PURPOSE (a new summary field, a new report section), update that
 * file's digest here and say why in the commit; the other digests must stay.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';

const CIC = ['datasets', 'cicids2017-sample'] as const;

/** the slice: [file, first data line, last data line] (1-based, header excluded) */
const BASELINE_SLICE: [string, number, number] = ['BENIGN_2500.csv', 1, 1200];
const ANALYSE_SLICES: [string, number, number][] = [
  ['BENIGN_2500.csv', 1201, 2500],
  ['Portscan_2500.csv', 1, 2500],
  ['Infiltration_-_Portscan_2500.csv', 1, 2500],
  ['SSH-Patator_2500.csv', 1, 2500],
  ['FTP-Patator_2500.csv', 1, 1000],
  ['DDoS_2500.csv', 1, 600],
  ['Botnet_736.csv', 1, 736],
  ['Web_Attack_-_Brute_Force_73.csv', 1, 73],
];

const EXPECTED: Record<string, string> = {
  'flows_scored.csv': '7a965a4cc6da5ec9033ca07f446f31f86cc848f571c789266bed07565c679d41',
  'alerts.jsonl': 'ef8ef7195cb25f1e52876d525541585b821c220c1bb2c1b8f5f0b7f00f7b5032',
  'risky_ips.csv': '8bd517f26b691021a2f6cf609df33e366b88ae5a1f71f48829180c638ecb9981',
  'risky_ips.txt': '81754dd576b319e072787af70567802eef9ee371b531948f363292dd066818ee',
  'risk_scores.png': 'f94b59c1fb7ad05f91b91378be8b1a6aebd3b56c25c7e7a109c50c80774d9a4b',
  'report.html': '6d8f63dfb1952ffd0f3f0b6a2ff8627ef784cce31923ed03b93b7c861b417778',
  'summary.json': '8d3ed94b25caf9124b1a5cf61c114dd61bdec8d353cfaf695d0f492828579f3b',
  store: 'b8ba659cc422fdcad3bb531e0b4f93a67c229a10fcb3a8a0054f60063b2f23ad',
};

function slice(src: string, dst: string, from: number, to: number): void {
  const lines = readFileSync(src, 'utf8').split('\n');
  writeFileSync(dst, [lines[0], ...lines.slice(from, to + 1)].join('\n') + '\n');
}

const sha = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');

test('analyze writes the same outputs as before the pipeline split (CIC slice, baseline)', { skip: skipWithoutShared(...CIC), timeout: 300_000 }, async () => {
  const { readDataset } = await import('../sources/read-dataset.js');
  const { fitBaseline } = await import('../risk/baseline.js');
  const { runAnalysis } = await import('./run-analysis.js');
  const { renderRiskChart, writeHtmlReport } = await import('../report/analysis-report.js');
  const { openStore } = await import('../store/open-store.js');
  const cic = sharedPath(...CIC)!;
  const dir = mkdtempSync(join(tmpdir(), 'ns-golden-'));
  try {
    mkdirSync(join(dir, 'analyse'));
    slice(join(cic, BASELINE_SLICE[0]), join(dir, 'baseline.csv'), BASELINE_SLICE[1], BASELINE_SLICE[2]);
    for (const [f, a, b] of ANALYSE_SLICES) slice(join(cic, f), join(dir, 'analyse', f), a, b);
    const baseline = await fitBaseline(await readDataset([join(dir, 'baseline.csv')]), { seed: 42, threads: 1 });
    // relative paths: alert keys include the input file's name, which must not depend on the temp folder
    const cwd = process.cwd();
    process.chdir(dir);
    const store = await openStore('alerts.db');
    const out = join(dir, 'out');
    let r;
    try {
      r = await runAnalysis({
        inputs: ['analyse'],
        read: {},
        baseline,
        baselineFile: 'golden.nsb',
        flowThreshold: 0.999,
        ipThreshold: 0.99,
        verdictThreshold: 0.95,
        outDir: 'out',
        store,
        batchRows: 1000,
        seed: 42,
        threads: 1,
        charts: renderRiskChart,
        report: writeHtmlReport,
      });
    } finally {
      // the store's alerts, in key order, are part of what must not change
      const alerts = await store.listAlerts({ limit: 1_000_000 });
      writeFileSync(join(dir, 'store.json'), JSON.stringify(alerts.map((a) => ({ ...a })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))));
      await store.close();
      process.chdir(cwd);
    }
    assert.ok(r.flows > 4000 && r.findings.length > 0 && r.riskyIps.length > 0, `the slice exercises rules, flow and source alerts: ${r.flows} flows, ${r.findings.length} findings, ${r.riskyIps.length} risky sources`);
    const norm = (s: string): string => s.split(dir).join('<DIR>');
    const got: Record<string, string> = {};
    for (const f of ['flows_scored.csv', 'alerts.jsonl', 'risky_ips.csv', 'risky_ips.txt']) got[f] = sha(norm(readFileSync(join(out, f), 'utf8')));
    got['risk_scores.png'] = sha(readFileSync(join(out, 'risk_scores.png')));
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, unknown>;
    delete summary.startedAt;
    delete summary.finishedAt;
    delete summary.seconds;
    got['summary.json'] = sha(norm(JSON.stringify(summary)));
    const html = readFileSync(join(out, 'report.html'), 'utf8').split(r.startedAt).join('<T>').replace(/ · [0-9.]+ s</, ' · <S> s<');
    got['report.html'] = sha(norm(html));
    got.store = sha(norm(readFileSync(join(dir, 'store.json'), 'utf8')));
    if (process.env.NETSENTINEL_PRINT_DIGESTS) process.stderr.write(JSON.stringify(got, null, 2) + '\n');
    for (const k of Object.keys(EXPECTED)) assert.equal(got[k], EXPECTED[k], `${k} differs from the output of the unsplit runAnalysis`);
    assert.ok(!existsSync(join(out, 'nothing-else')));
  } finally {
    if (process.env.NETSENTINEL_KEEP_DIR) process.stderr.write(`kept ${dir}\n`);
    else rmSync(dir, { recursive: true, force: true });
  }
});
