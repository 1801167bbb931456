/**
 * POST /v1/analyze against `netsentinel analyze` on the shipped loopback sample: the upload goes
 * through the pipeline's stages (a new source, analyze's sinks) and gives the same figures, the
 * same risky sources and the same output files (analyze's per-source flow-alert limit included); alerts land in the store and the live feed; a
 * file no reader knows is a 400 naming it; without a baseline the answer is 409.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startService, type RunningService } from './service.js';
import { DEFAULT_SERVER_CONFIG } from './server-config.js';

const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const dir = mkdtempSync(join(tmpdir(), 'ns-analyze-route-'));
const normal = join(root, 'samples/loopback/normal.csv');
const traffic = join(root, 'samples/loopback/traffic.csv');
let svc: RunningService;
let cli: Record<string, any>;

before(async () => {
  const b = spawnSync(process.execPath, [main, 'baseline', normal, '-o', join(dir, 'lo.nsb'), '-q'], { encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  const a = spawnSync(process.execPath, [main, 'analyze', traffic, '-b', join(dir, 'lo.nsb'), '-o', join(dir, 'cli-out'), '--store', join(dir, 'cli.db'), '-q', '--json'], { encoding: 'utf8' });
  assert.equal(a.status, 0, a.stderr);
  cli = JSON.parse(a.stdout);
  svc = await startService({ config: { ...DEFAULT_SERVER_CONFIG, port: 0, accessLog: 'off', watchModels: false }, baselineFile: join(dir, 'lo.nsb'), store: join(dir, 'svc.db'), pollMs: 100 });
});
after(async () => {
  await svc?.close();
});

test('an uploaded flow file gets the outputs and figures of netsentinel analyze', async () => {
  const r = await fetch(svc.url + '/v1/analyze?name=traffic.csv', { method: 'POST', body: readFileSync(traffic), headers: { 'Content-Type': 'text/csv' } });
  const body: any = await r.json();
  assert.equal(r.status, 200, JSON.stringify(body));
  const s = body.summary;
  assert.equal(s.flows, cli.flows);
  assert.deepEqual(s.inputs, ['upload:traffic.csv']);
  assert.deepEqual(
    s.riskyIps.map((x: any) => [x.ip, x.risk]),
    cli.riskyIps.map((x: any) => [x.ip, x.risk]),
  );
  assert.equal(s.riskyFlows, cli.riskyFlows);
  for (const f of ['flows_scored.csv', 'alerts.jsonl', 'risky_ips.csv', 'risky_ips.txt', 'report.html', 'summary.json', 'risk_scores.png']) assert.ok(body.files[f], `${f} is among the outputs`);
  const csv = await (await fetch(svc.url + body.files['flows_scored.csv'])).text();
  assert.equal(csv.trim().split('\n').length, readFileSync(join(dir, 'cli-out', 'flows_scored.csv'), 'utf8').trim().split('\n').length);
  const alerts = await (await fetch(svc.url + body.files['alerts.jsonl'])).text();
  assert.equal(alerts.trim().split('\n').length, readFileSync(join(dir, 'cli-out', 'alerts.jsonl'), 'utf8').trim().split('\n').length);
  const page: any = await (await fetch(svc.url + '/v1/alerts?limit=1000')).json();
  assert.equal(page.alerts.length, alerts.trim().split('\n').length, 'the alerts are in the store');
  assert.equal((await fetch(svc.url + `/v1/analyses/${body.id}/files/nope.csv`)).status, 404);
});

test('an upload gets the per-source flow-alert limit of analyze by default; flow_alerts_per_source=0 turns it off', async () => {
  const post = async (query: string): Promise<any> => {
    const r = await fetch(svc.url + `/v1/analyze?name=traffic.csv&store=false${query}`, { method: 'POST', body: readFileSync(traffic), headers: { 'Content-Type': 'text/csv' } });
    const body: any = await r.json();
    assert.equal(r.status, 200, JSON.stringify(body));
    return body.summary;
  };
  const limited = await post('');
  assert.deepEqual(limited.alerts.flowAlertsSuppressed, cli.alerts.flowAlertsSuppressed);
  assert.equal(limited.alerts.flowAlertsPerSource, 10);
  assert.ok(limited.alerts.flowAlertsSuppressed > 0, 'the sample has a scan: some flows folded');
  assert.equal(limited.alerts.flowAlerts + limited.alerts.flowAlertsSuppressed, limited.riskyFlows);
  const three = await post('&flow_alerts_per_source=3&flow_alert_window=0');
  assert.equal(three.alerts.flowAlertsPerSource, 3);
  assert.equal(three.alerts.flowAlertWindowSeconds, 0);
  assert.ok(three.alerts.flowAlerts < limited.alerts.flowAlerts);
  const off = await post('&flow_alerts_per_source=0');
  assert.equal(off.alerts.flowAlertsPerSource, undefined);
  assert.equal(off.alerts.written, off.riskyFlows + off.findings + off.riskyIps.length, 'one alert per risky flow');
  // the per-target limit alone (a flood from forged sources is the case for it; the sample's scan is one target too)
  const perTarget = await post('&flow_alerts_per_source=0&flow_alerts_per_target=5');
  assert.equal(perTarget.alerts.flowAlertsPerTarget, 5);
  assert.ok(perTarget.alerts.flowAlertsSuppressedByTarget > 0, JSON.stringify(perTarget.alerts));
  assert.equal(perTarget.alerts.flowAlerts + perTarget.alerts.flowAlertsSuppressed, perTarget.riskyFlows);
  const bad = await fetch(svc.url + '/v1/analyze?name=traffic.csv&flow_alerts_per_source=-1', { method: 'POST', body: readFileSync(traffic), headers: { 'Content-Type': 'text/csv' } });
  assert.equal(bad.status, 400);
});

test('an upload no reader understands is a 400 naming it', async () => {
  const r = await fetch(svc.url + '/v1/analyze?name=junk.bin', { method: 'POST', body: Buffer.from([0, 1, 2, 3, 0, 0, 0, 255, 254]), headers: { 'Content-Type': 'application/octet-stream' } });
  const body: any = await r.json();
  assert.equal(r.status, 400, JSON.stringify(body));
  assert.match(body.error, /upload:junk\.bin|binary|not a/i);
});

test('JSON flows uploaded here are told, in API terms, where JSON flows go (the CLI message named `netsentinel score --flow-file`)', async () => {
  const jsonl = '{"duration": 0.3, "orig_bytes": 50}\n{"duration": 1.2, "orig_bytes": 900}\n';
  for (const type of ['text/plain', 'application/octet-stream', 'text/csv']) {
    const r = await fetch(svc.url + '/v1/analyze?name=flows.jsonl', { method: 'POST', body: jsonl, headers: { 'Content-Type': type } });
    const body: any = await r.json();
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(
      body.error,
      'upload:flows.jsonl: JSON lines, not a table of flows: this route reads flow files (CSV flow exports such as NSL-KDD, CICFlowMeter, UNSW-NB15 or any CSV with a header; Zeek conn.log) and packet captures (pcap, pcapng); send JSON flows to POST /v1/risk/flows as {"flows": [...]} (risk with reasons, by this baseline) or to POST /v1/predict as JSON lines or a JSON array (scored by a model)',
    );
    assert.doesNotMatch(body.error, /netsentinel |--flow-file|-o flows\.csv/, 'no CLI verb or flag');
  }
  // the service's own baseline file uploaded as traffic: no `netsentinel inspect`, no --baseline
  const model = await fetch(svc.url + '/v1/analyze?name=lo.nsb', { method: 'POST', body: readFileSync(join(dir, 'lo.nsb')), headers: { 'Content-Type': 'application/octet-stream' } });
  const m: any = await model.json();
  assert.equal(model.status, 400, JSON.stringify(m));
  assert.equal(m.error, "upload:lo.nsb: this is a netsentinel model or baseline file, not traffic; upload flow files or packet captures here (the service's own baseline and models are loaded when it starts)");
  // labelled as JSON: the 415 lists the upload types and says where JSON flows go
  const labelled = await fetch(svc.url + '/v1/analyze', { method: 'POST', body: '[{"duration": 0.3}]', headers: { 'Content-Type': 'application/json' } });
  const b: any = await labelled.json();
  assert.equal(labelled.status, 415);
  assert.match(b.error, /^Content-Type "application\/json" is not an upload this route reads; send one of text\/csv, .*; send JSON flows to POST \/v1\/risk\/flows as \{"flows": \[\.\.\.\]\}/);
});

test('the output folders live as long as the service: a failed upload leaves none, and closing removes them all', async () => {
  // the service makes its folder under the temp folder: a private one here, to see what is left
  const tmp = mkdtempSync(join(tmpdir(), 'ns-analyze-tmp-'));
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = tmp;
  let s2: RunningService;
  try {
    s2 = await startService({ config: { ...DEFAULT_SERVER_CONFIG, port: 0, accessLog: 'off', watchModels: false }, baselineFile: join(dir, 'lo.nsb'), store: join(dir, 'svc2.db'), pollMs: 100 });
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
  const folders = () => readdirSync(tmp).filter((f) => f.startsWith('netsentinel-analyses-'));
  try {
    assert.equal(folders().length, 1);
    const root = join(tmp, folders()[0]);
    const ok = await fetch(s2.url + '/v1/analyze?name=traffic.csv', { method: 'POST', body: readFileSync(traffic), headers: { 'Content-Type': 'text/csv' } });
    const body: any = await ok.json();
    assert.equal(ok.status, 200, JSON.stringify(body));
    assert.deepEqual(readdirSync(root), [body.id]);
    const bad = await fetch(s2.url + '/v1/analyze?name=junk.bin', { method: 'POST', body: Buffer.from([0, 1, 2, 3, 0, 0, 0, 255, 254]), headers: { 'Content-Type': 'application/octet-stream' } });
    assert.equal(bad.status, 400);
    assert.deepEqual(readdirSync(root), [body.id], 'the failed analysis left no folder');
  } finally {
    await s2.close();
  }
  assert.deepEqual(folders(), [], 'closing the service removed its output folders');
});

test('timezone= reads an upload’s offset-less times in that zone, as analyze --timezone does; a zone no one knows is a 400 naming the parameter', async () => {
  // the sample without its Z: times without an offset
  const naive = readFileSync(traffic, 'utf8').replace(/Z,/g, ',');
  const post = async (query: string): Promise<{ status: number; body: any }> => {
    const r = await fetch(svc.url + `/v1/analyze?name=naive.csv&store=false${query}`, { method: 'POST', body: naive, headers: { 'Content-Type': 'text/csv' } });
    return { status: r.status, body: await r.json() };
  };
  const firstTime = async (body: any): Promise<string> => (await (await fetch(svc.url + body.files['flows_scored.csv'])).text()).split('\n')[1].split(',')[2];
  const utc = await post('');
  assert.equal(utc.status, 200, JSON.stringify(utc.body));
  assert.ok(utc.body.summary.inputNotes.some((n: string) => /without a UTC offset; they are read as UTC/.test(n)), utc.body.summary.inputNotes.join(' | '));
  const zoned = await post('&timezone=-03:00');
  assert.equal(zoned.status, 200, JSON.stringify(zoned.body));
  assert.ok(zoned.body.summary.inputNotes.some((n: string) => /without a UTC offset; they are read as -03:00 time/.test(n)), zoned.body.summary.inputNotes.join(' | '));
  // 06:57:53.619 at UTC-3 is 09:57:53.619 UTC
  assert.equal(Date.parse(await firstTime(zoned.body)) - Date.parse(await firstTime(utc.body)), 3 * 3600 * 1000);
  const bad = await post('&timezone=Mars/Olympus');
  assert.equal(bad.status, 400);
  assert.match(bad.body.error, /^querystring\.timezone: "Mars\/Olympus" is neither an IANA time zone/);
});

test('an upload’s addresses written with leading zeros are read as decimal, and the answer’s warnings say how many and where (as analyze’s stderr does)', async () => {
  const text = readFileSync(traffic, 'utf8');
  const n = (text.match(/,127\.0\.0\.10,/g) ?? []).length;
  assert.ok(n > 0);
  const padded = text.replace(/,127\.0\.0\.10,/g, ',127.000.000.010,');
  const r = await fetch(svc.url + '/v1/analyze?name=padded.csv&store=false', { method: 'POST', body: padded, headers: { 'Content-Type': 'text/csv' } });
  const body: any = await r.json();
  assert.equal(r.status, 200, JSON.stringify(body));
  assert.deepEqual(
    body.warnings.filter((w: string) => w.includes('leading zeros')),
    [`upload:padded.csv: ${n.toLocaleString('en-US')} addresses written with leading zeros read as decimal, in canonical form (the first: line 2, "id.orig_h": "127.000.000.010" read as 127.0.0.10; no flow exporter writes octal)`],
  );
  assert.deepEqual(body.summary.riskyIps.map((x: any) => x.ip), cli.riskyIps.map((x: any) => x.ip));
});
