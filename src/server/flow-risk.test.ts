/**
 * POST /v1/risk/flows against a real service with a baseline of the shipped loopback sample: a flow
 * given whole is scored with nothing missing; a flow with a few fields is still scored but the
 * answer lists the feature columns that were imputed and the fields that are no column of the
 * baseline (a misspelt name); a flow with none of the baseline's feature columns is refused, naming
 * the flow and its fields.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService, type RunningService } from './service.js';
import { DEFAULT_SERVER_CONFIG } from './server-config.js';

const dir = mkdtempSync(join(tmpdir(), 'ns-flow-risk-'));
const root = fileURLToPath(new URL('../..', import.meta.url));
let svc: RunningService;

before(async () => {
  const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));
  const b = spawnSync(process.execPath, [main, 'baseline', join(root, 'samples/loopback/normal.csv'), '-o', join(dir, 'lo.nsb'), '-q'], { encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  svc = await startService({ config: { ...DEFAULT_SERVER_CONFIG, port: 0, accessLog: 'off', watchModels: false }, modelFiles: [], baselineFile: join(dir, 'lo.nsb'), store: join(dir, 'ns.db'), pollMs: 200 });
});
after(async () => {
  await svc?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function risk(flows: object[]): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(svc.url + '/v1/risk/flows', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ flows }) });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

test('flow risk says which feature columns a flow left out and which of its fields are unknown; none known is a 400', async () => {
  const [head, first] = readFileSync(join(root, 'samples/loopback/normal.csv'), 'utf8').split('\n');
  const names = head.split(',');
  const whole = Object.fromEntries(first.split(',').map((v, i) => [names[i], Number.isFinite(Number(v)) ? Number(v) : v]));
  const ok = await risk([whole, { duration: 0.3 }, { duration: 0.3, orig_byts: 50 }]);
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  const results = ok.body.results as { risk: number; missing: string[]; unknownFields: string[]; reasons: string[] }[];
  assert.equal(results.length, 3);
  for (const r of results) assert.ok(r.risk >= 0 && r.risk <= 1 && Array.isArray(r.reasons));
  assert.deepEqual(results[0].missing, [], 'a whole flow misses nothing');
  assert.deepEqual(results[0].unknownFields, []);
  assert.ok(results[1].missing.length > 0 && !results[1].missing.includes('duration'), `the fields left out are listed: ${results[1].missing.join(', ')}`);
  assert.ok(results[1].missing.includes('orig_bytes'));
  assert.deepEqual(results[1].unknownFields, []);
  assert.deepEqual(results[2].unknownFields, ['orig_byts'], 'a misspelt field is named');
  assert.deepEqual(results[2].missing, results[1].missing);

  const bad = await risk([whole, { 'Dst Prot': 22 }]);
  assert.equal(bad.status, 400);
  assert.match(String(bad.body.error), /^body\.flows\[1\]: none of the baseline's \d+ feature columns is given .*its fields: "Dst Prot"/);
});

async function riskCsv(csv: string, type = 'text/csv'): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(svc.url + '/v1/risk/flows', { method: 'POST', headers: { 'Content-Type': type }, body: csv });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

test('flow risk takes CSV as /v1/predict does (it answered 415): the same answers as the same flows in JSON, errors naming the line', async () => {
  const lines = readFileSync(join(root, 'samples/loopback/normal.csv'), 'utf8').split('\n');
  const names = lines[0].split(',');
  const rows = lines.slice(1, 6);
  const asJson = await risk(rows.map((l) => Object.fromEntries(l.split(',').map((v, i) => [names[i], Number.isFinite(Number(v)) && v !== '' ? Number(v) : v]))));
  assert.equal(asJson.status, 200, JSON.stringify(asJson.body));
  const asCsv = await riskCsv([lines[0], ...rows].join('\r\n') + '\r\n', 'text/csv; charset=utf-8');
  assert.equal(asCsv.status, 200, JSON.stringify(asCsv.body));
  assert.deepEqual(asCsv.body, asJson.body, 'a flow scores the same sent as CSV or as JSON');

  // a few columns: the rest imputed and listed, as for JSON
  const few = await riskCsv('duration,orig_byts\n0.3,50\n');
  assert.equal(few.status, 200, JSON.stringify(few.body));
  const r = (few.body.results as { missing: string[]; unknownFields: string[] }[])[0];
  assert.ok(r.missing.includes('orig_bytes'));
  assert.deepEqual(r.unknownFields, ['orig_byts']);

  // errors name the CSV line (and column), not body.flows[i]
  const cases: [string, string][] = [
    ['duration,orig_bytes\n0.3,50\n0.4,lots\n', 'body line 3, column "orig_bytes": expected a number, got the string "lots"'],
    ['duration,orig_bytes\n0.3,50\n0.4\n', 'body line 3: 1 fields, the header has 2'],
    ['duration,orig_bytes\n', 'body: a CSV header and no flow under it'],
    ['Dst Prot,x\n22,1\n', 'body line 2: none of the baseline'],
  ];
  for (const [csv, error] of cases) {
    const bad = await riskCsv(csv);
    assert.equal(bad.status, 400, csv);
    assert.ok(String(bad.body.error).startsWith(error), `${csv}: ${bad.body.error}`);
  }
  // another type is a 415 that says what the route takes
  const other = await riskCsv('duration\n0.3\n', 'text/plain');
  assert.equal(other.status, 415);
  assert.equal(other.body.error, 'Content-Type "text/plain" is not accepted here; send application/json ({"flows": [...]}) or text/csv (a header line, one flow per line)');
});
