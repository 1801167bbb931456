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
  // alerts.jsonl, risky_ips.csv, report.html, summary.json and the store changed on purpose (5 Dec):
  // the counts in a source's reasons have thousands separators ('3,607 of 6,713 flows above the flow
  // risk threshold', 'autoencoder on 3,319 flows'); compared with the outputs before (kept by
  // NETSENTINEL_KEEP_DIR), the only differences are those nine counts gaining a comma.
  // every output changed on purpose (5 Dec), by the beaconing rule (c2.beaconing): the slice's five
  // Botnet sources (192.168.10.5, .8, .9, .14, .15) call 205.174.165.73:8080 every ~10.1 s. Their 736
  // flows get the rule's evidence (risk up, 692 verdicts normal -> attack, 43 reasons), five beaconing
  // finding alerts, 43 more flow alerts and a source alert for .9 (now risky) are written, the others'
  // source alerts carry the finding; every other row and alert is byte-identical to the build before
  // (compared with the outputs kept by NETSENTINEL_KEEP_DIR), the chart's PNG moves with the risks.
  // Before (4 Dec): a p below 1 reads 'above 99.99xx % of baseline', 'on 1 flow'; (issue 8 #3): a
  // source's findings grouped by rule in `reasons` and in the report.
  'flows_scored.csv': 'b2b6179b41ea9f25007e5d31b2f80de61daafe4d1151c34aa69175938417d5b8',
  'alerts.jsonl': 'ffcf15086e8eb2dc3caf1f5f35582e50827cac5158902f7e5d10bde7cd7fbad9',
  'risky_ips.csv': 'f2d2eca444ff68bbe295277a22bf4860ce48f9fa55214f1fd74ea0c780f4a739',
  'risky_ips.txt': 'fdb7ea63ee9d3d224b23e74f5327f5cac3b29bdf9fe4a172fc0e05da821d0110',
  'risk_scores.png': 'ca5e6503d879be02d5c594a0b2aba0b36f83d341374e671cb3b33d82c1a1ccc5',
  'report.html': '1a9ff6cae377e46664f4dd5e06ef68f41b2fbf0eaf7239accce51dcc38d9d434',
  'summary.json': '5d33d2f456d4834e9913d7c1a4c25c49172e7a0d6ef98dedff02d5e73ec20357',
  store: '89e5a6b20e214d9e9f3f35a786d1e1584b87d7c3ed6f1260006549144f23608c',
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
