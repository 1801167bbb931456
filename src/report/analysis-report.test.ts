/**
 * report.html as a person sees it, in headless Chromium: a scanning source's findings grouped by
 * rule (one line for dozens of scanned hosts) with each finding one click away (<details>), and a
 * screenshot kept under the test's temporary folder (its path is printed). Needs ../shared (the
 * CIC sample's port scans) and /usr/bin/chromium; skips saying why without them (not under CI).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = skipWithoutShared('datasets', 'cicids2017-sample') || (!existsSync(CHROMIUM) && process.env.CI !== 'true' ? `needs ${CHROMIUM} (apt-get install chromium)` : false);

function slice(src: string, dst: string, from: number, to: number): void {
  const lines = readFileSync(src, 'utf8').split('\n');
  writeFileSync(dst, [lines[0], ...lines.slice(from, to + 1)].join('\n') + '\n');
}

test('report.html in Chromium: findings grouped by rule, each finding one click away; screenshot', { skip, timeout: 240_000 }, async () => {
  const { readDataset } = await import('../sources/read-dataset.js');
  const { fitBaseline } = await import('../risk/baseline.js');
  const { runAnalysis } = await import('../analysis/run-analysis.js');
  const { riskChartPng, renderHtmlReport } = await import('./analysis-report.js');
  const { chromium } = await import('playwright-core');
  const cic = sharedPath('datasets', 'cicids2017-sample')!;
  const dir = mkdtempSync(join(tmpdir(), 'ns-report-'));
  mkdirSync(join(dir, 'analyse'));
  slice(join(cic, 'BENIGN_2500.csv'), join(dir, 'baseline.csv'), 1, 1200);
  slice(join(cic, 'BENIGN_2500.csv'), join(dir, 'analyse', 'benign.csv'), 1201, 2500);
  slice(join(cic, 'Infiltration_-_Portscan_2500.csv'), join(dir, 'analyse', 'scan.csv'), 1, 2500);
  const baseline = await fitBaseline(await readDataset([join(dir, 'baseline.csv')]), { seed: 42, threads: 1 });
  const r = await runAnalysis({ inputs: [join(dir, 'analyse')], read: {}, baseline, flowThreshold: 0.999, ipThreshold: 0.99, outDir: join(dir, 'out'), threads: 1, charts: riskChartPng, report: renderHtmlReport });
  // the scanner with the most findings of one rule
  const perRule = new Map<string, number>();
  for (const f of r.findings) if (f.srcIp) perRule.set(`${f.srcIp} ${f.ruleId}`, (perRule.get(`${f.srcIp} ${f.ruleId}`) ?? 0) + 1);
  const [key, n] = [...perRule.entries()].sort((a, b) => b[1] - a[1])[0];
  const [ip, rule] = key.split(' ');
  assert.ok(n >= 5, `the slice should hold a source with many findings of one rule (${key}: ${n})`);

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    await page.goto(pathToFileURL(join(dir, 'out', 'report.html')).href);
    const row = page.locator('tr', { has: page.locator('td.ip', { hasText: new RegExp(`^${ip.replace(/\./g, '\\.')}$`) }) }).first();
    // one line per rule for the source, not one per finding
    const groups = row.locator(`details.finding-group[data-rule="${rule}"]`);
    assert.equal(await groups.count(), 1, `one group for ${rule} in ${ip}'s row`);
    const summary = groups.locator('summary');
    assert.match((await summary.innerText()).trim(), new RegExp(`×${n}: .*hosts?.*ports?.*\\d+ flows$`));
    const items = groups.locator('li');
    assert.equal(await items.count(), n, 'every finding is inside the group');
    assert.equal(await items.first().isVisible(), false, 'the detail starts folded');
    // the Rule findings table: one row for the group too
    const findingRows = page.locator('table', { has: page.locator('th', { hasText: 'findings' }) }).locator('tbody tr', { has: page.locator('td.ip', { hasText: ip }) });
    assert.ok((await findingRows.count()) <= new Set(r.findings.filter((f) => f.srcIp === ip).map((f) => f.ruleId)).size, 'one row per rule of the source');
    // one click opens it
    await summary.click();
    assert.equal(await items.first().isVisible(), true, 'a click shows each finding');
    assert.match(await items.first().innerText(), new RegExp(`${ip.replace(/\./g, '\\.')} probed \\d+ distinct ports`));
    const shot = join(dir, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    assert.ok(statSync(shot).size > 20_000, 'the screenshot has content');
    process.stdout.write(`# screenshot of report.html (group ${rule} of ${ip} opened): ${shot}\n`);
  } finally {
    await browser.close();
  }
});
