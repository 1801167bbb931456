/**
 * The dashboard in headless Chromium (Debian's, driven by playwright-core): every page loads from
 * the service alone, a click leads from the top sources to an IP's page, a new alert inserted
 * through the API appears live, the model card shows its confusion matrix and ROC, and the
 * classify form answers seed 004's example. Screenshots are kept in the test's temporary folder
 * (their paths are printed). Skips, saying why, without /usr/bin/chromium, unless CI=true.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService, type RunningService } from './service.js';
import { DEFAULT_SERVER_CONFIG } from './server-config.js';
import { seedGbdtFile } from '../testing/service-model.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { loadTrainedModel, saveTrainedModel } from '../models/trained-model.js';
import { readDataset } from '../sources/read-dataset.js';
import { evaluateModel } from '../evaluate/evaluate-model.js';
import { takeTableRows } from '../flows/table.js';

const CHROMIUM = '/usr/bin/chromium';
const skip =
  skipWithoutShared('datasets', 'nsl-kdd', 'KDDTest+.txt') ||
  (!existsSync(CHROMIUM) ? (process.env.CI === 'true' ? false : `needs Debian chromium at ${CHROMIUM} (apt-get install chromium)`) : false);
const dir = mkdtempSync(join(tmpdir(), 'ns-dashboard-'));
let svc: RunningService;

async function postAlerts(alerts: object[]): Promise<void> {
  const r = await fetch(svc.url + '/v1/alerts', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ alerts }) });
  assert.equal(r.status, 200, await r.text());
}

before(async () => {
  if (skip) return;
  // a model file carrying its held-out evaluation, as `train --test` writes it
  const base = await loadTrainedModel((await seedGbdtFile(dir))!);
  const test = await readDataset([sharedPath('datasets', 'nsl-kdd', 'KDDTest+.txt')!], { warn: () => {} });
  const slice = takeTableRows(test, Int32Array.from({ length: 4000 }, (_, i) => i * 5));
  const ev = evaluateModel(base, slice, { how: 'KDDTest+ (every 5th row)' });
  const file = join(dir, 'gbdt-card.nsm');
  await saveTrainedModel(file, { ...base, training: { ...base.training, validation: { heldOut: { how: ev.how, ...ev.summary, classes: ev.classes, confusion: ev.confusion, roc: ev.roc } } } });
  // a baseline of the shipped loopback sample, so the Analyses page has an analysis and its charts
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));
  const b = spawnSync(process.execPath, [main, 'baseline', join(root, 'samples/loopback/normal.csv'), '-o', join(dir, 'lo.nsb'), '-q'], { encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  svc = await startService({ config: { ...DEFAULT_SERVER_CONFIG, port: 0, accessLog: 'off', watchModels: false }, modelFiles: [file], baselineFile: join(dir, 'lo.nsb'), store: join(dir, 'ns.db'), pollMs: 200 });
  const up = await fetch(svc.url + '/v1/analyze?name=traffic.csv', { method: 'POST', body: readFileSync(join(root, 'samples/loopback/traffic.csv')), headers: { 'Content-Type': 'text/csv' } });
  assert.equal(up.status, 200, await up.text());
  await postAlerts([
    { timestamp: '2026-12-03T06:10:00Z', signature: 'netsentinel: vertical port scan', severity: 1, srcIp: '192.0.2.7', destIp: '10.0.0.2', destPort: 22, risk: 0.99991, reasons: ['port-scan: 120 ports in 3 s'] },
    { timestamp: '2026-12-03T07:20:00Z', signature: 'netsentinel: brute force', severity: 2, srcIp: '198.51.100.4', destIp: '10.0.0.3', destPort: 22, risk: 0.9981, reasons: ['brute-force: 40 failed logins'] },
  ]);
  // a ban on the scanner, for its IP page
  const ban = await fetch(svc.url + '/v1/decisions', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ip: '192.0.2.7', duration: '1d', reason: 'vertical scan of 10.0.0.2' }) });
  assert.equal(ban.status, 201, await ban.text());
});
after(async () => {
  await svc?.close();
});

test('dashboard pages in headless Chromium: click to an IP, a live alert, model card, classify form', { skip, timeout: 180_000 }, async () => {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'ns-chromium-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
  const shots: string[] = [];
  const offsite: string[] = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    // everything must come from the service itself
    page.on('request', (req) => {
      if (!req.url().startsWith(svc.url) && !req.url().startsWith('data:') && !req.url().startsWith('blob:' + svc.url)) offsite.push(req.url());
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // what the browser's console shows a person (a failed request, e.g. /favicon.ico, is one)
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${page.url()}: ${m.text()}`);
    });
    const shot = async (name: string) => {
      const p = join(dir, `${name}.png`);
      await page.screenshot({ path: p, fullPage: true });
      shots.push(p);
    };

    await page.goto(svc.url + '/dashboard/');
    await page.waitForSelector('body[data-ready="true"]');
    const before0 = await page.locator('#alerts tbody tr').count();
    assert.ok(before0 >= 2);
    await page.waitForSelector('#live:not(.off)');
    await shot('overview');

    // a new alert, inserted through the API, arrives live
    await postAlerts([{ timestamp: '2026-12-03T08:00:00Z', signature: 'netsentinel: SYN flood', severity: 1, srcIp: '203.0.113.9', destIp: '10.0.0.2', destPort: 80, risk: 0.99999, reasons: ['flood: 9000 SYN/s'] }]);
    await page.waitForSelector('#alerts tbody tr.new >> text=flood: 9000 SYN/s', { timeout: 15_000 });
    assert.equal(await page.locator('#alerts tbody tr').count(), Math.min(before0, 20) + 1);
    await shot('live-alert');

    // the feed drops (the service ends its streams): an alert stored while the page reconnects
    // still shows, as the page asks for what came after the last alert it saw
    svc.ctx.live.stop();
    await page.waitForSelector('#live.off');
    await postAlerts([{ timestamp: '2026-12-03T08:05:00Z', signature: 'netsentinel: brute force', severity: 2, srcIp: '203.0.113.10', destIp: '10.0.0.3', destPort: 22, risk: 0.9991, reasons: ['stored while the feed was down'] }]);
    await svc.ctx.live.start();
    await page.waitForSelector('#alerts tbody tr.new >> text=stored while the feed was down', { timeout: 15_000 });
    assert.equal(await page.locator('#alerts tbody tr').count(), Math.min(before0, 20) + 2);

    // click through to an IP from the top sources
    await page.click('section:has(h2:text("Top sources")) a:text("192.0.2.7")');
    await page.waitForURL(/\/dashboard\/ip\/192\.0\.2\.7$/);
    await page.waitForSelector('body[data-ready="true"]');
    assert.match(await page.locator('main').innerText(), /port-scan: 120 ports in 3 s/);
    assert.match(await page.locator('main').innerText(), /1 alerts, highest risk 0\.9999/);
    // its decisions and its threat intelligence
    assert.match(await page.locator('#decisions').innerText(), /ban\s+high\s+192\.0\.2\.7\s+\S+\s+active\s+api\s+vertical scan of 10\.0\.0\.2/);
    assert.match(await page.locator('#intel').innerText(), /threat score 0, severity none/);
    await shot('ip');

    await page.goto(svc.url + '/dashboard/models');
    await page.waitForSelector('body[data-ready="true"]');
    const card = await page.locator('.model-card').innerText();
    assert.match(card, /Model gbdt-card \(gradient-boosting, classifier\)/);
    assert.match(card, /Confusion matrix/);
    assert.equal(await page.locator('table.confusion tbody tr').count(), 5);
    assert.equal(await page.locator('.model-card svg polyline').count(), 1, 'ROC curve drawn');
    await shot('models');

    await page.goto(svc.url + '/dashboard/runs');
    await page.waitForSelector('body[data-ready="true"]');
    assert.match(await page.locator('main').innerText(), /POST \/v1\/alerts|api/);
    // the analyze report's chart of the uploaded analysis, and its files
    assert.match(await page.locator('section.analysis').first().innerText(), /Analysis of upload:traffic\.csv[\s\S]*report\.html/);
    await page.waitForFunction("(() => { const i = document.querySelector('section.analysis img'); return !!i && i.complete && i.naturalWidth > 0; })()");
    await shot('runs');

    await page.goto(svc.url + '/dashboard/classify');
    await page.waitForSelector('body[data-ready="true"]');
    await page.click('#classify button');
    await page.waitForSelector('#answer:text("Attack Type: Probe")');
    // every page so far loaded without one console error (the refused classify below logs its 400)
    assert.deepEqual(consoleErrors, []);
    await page.fill('#classify input[name="service"]', 'no_such_service');
    await page.click('#classify button');
    await page.waitForSelector('#answer.error:text("never seen in training")');
    await shot('classify');

    await page.goto(svc.url + '/docs');
    await page.waitForSelector('text=/classify', { timeout: 20_000 });
    await shot('api-docs');

    assert.deepEqual(errors, []);
    assert.deepEqual(offsite, [], 'no request leaves the service');
  } finally {
    await context.close();
    for (const p of shots) process.stdout.write(`screenshot: ${p}\n`);
  }
});
