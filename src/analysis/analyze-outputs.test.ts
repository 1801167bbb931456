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
 * The split itself reproduced all eight digests unchanged (commit 69c55d1).
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
  // flows_scored.csv, alerts.jsonl, risky_ips.csv, summary.json, report.html, store changed on purpose (4 Dec):
  // a p below 1 reads 'above 99.99xx % of baseline' (was 'above 100.00 %'), and 'on 1 flow' (was 'on 1 flows');
  // nothing else differs (outputs compared with the build before, text normalised), and every alert key is the same
  'flows_scored.csv': 'aefe5883361af3fc10d0f47142be8636462691016bbb521016e6869b2020f62d',
  'alerts.jsonl': '5e889970a8953cd8854e12325f85f083399200371d9e77d7977ae100c6fd5964',
  // changed on purpose after the split (issue 8 #3): a source's findings grouped by rule in `reasons`
  'risky_ips.csv': '8dce92aaafcd18e482ee46fa52045d66a955d168ee27303293dfc442a0776663',
  'risky_ips.txt': '81754dd576b319e072787af70567802eef9ee371b531948f363292dd066818ee',
  'risk_scores.png': 'f94b59c1fb7ad05f91b91378be8b1a6aebd3b56c25c7e7a109c50c80774d9a4b',
  // changed on purpose after the split (issue 8 #3): findings grouped by rule, each one click away
  'report.html': 'a1ab8cd0df9a49d429537d133407b4268cbf810e209e98791e4fc3548810ba0c',
  'summary.json': '4337f0cd3544decd5bed032cf792a7b05a65fbc9da27773a9b966a688825b370',
  store: '286b6806e3131631605e934e758fb8b7e341945a0d0eb6771563e3884a27f38e',
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
  const { riskChartPng, renderHtmlReport } = await import('../report/analysis-report.js');
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
        charts: riskChartPng,
        report: renderHtmlReport,
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
