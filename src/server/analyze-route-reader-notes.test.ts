/**
 * POST /v1/analyze: what the readers said about the upload (zero-padded addresses read as decimal,
 * `n/a` read as missing, the imputed column) is in the answer's summary (`readerNotes`, as analyze
 * --json has it), named as the upload, and in the analysis' own summary.json and report.html.
 * Before, the summary's notes were the rules' only and the report said nothing of it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startService, type RunningService } from './service.js';
import { DEFAULT_SERVER_CONFIG } from './server-config.js';

const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const dir = mkdtempSync(join(tmpdir(), 'ns-route-reader-notes-'));
let svc: RunningService;

/** the shipped loopback sample with 8 source addresses zero-padded and 10 durations "n/a" */
function paddedSample(): string {
  const lines = readFileSync(join(root, 'samples/loopback/traffic.csv'), 'utf8').trim().split('\n');
  const head = lines[0].split(',');
  const src = head.indexOf('id.orig_h');
  const duration = head.indexOf('duration');
  const rows = lines.slice(1).map((l, i) => {
    const f = l.split(',');
    if (i % 50 === 3) f[src] = f[src].split('.').map((p) => p.padStart(3, '0')).join('.');
    if (i % 40 === 5) f[duration] = 'n/a';
    return f.join(',');
  });
  return [lines[0], ...rows].join('\n') + '\n';
}

before(async () => {
  const b = spawnSync(process.execPath, [main, 'baseline', join(root, 'samples/loopback/normal.csv'), '-o', join(dir, 'lo.nsb'), '-q', '--threads', '1'], { encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  svc = await startService({ config: { ...DEFAULT_SERVER_CONFIG, port: 0, accessLog: 'off', watchModels: false }, baselineFile: join(dir, 'lo.nsb'), store: join(dir, 'svc.db'), pollMs: 100 });
});
after(async () => {
  await svc?.close();
  rmSync(dir, { recursive: true, force: true });
});

test("an upload's reader notes are in the answer's summary, its summary.json and its report", async () => {
  const r = await fetch(svc.url + '/v1/analyze?name=padded.csv&store=false', { method: 'POST', body: paddedSample(), headers: { 'Content-Type': 'text/csv' } });
  const body: any = await r.json();
  assert.equal(r.status, 200, JSON.stringify(body));
  const notes: string[] = body.summary.readerNotes;
  assert.equal(notes.length, 3, notes.join('\n'));
  assert.match(notes[0], /^upload:padded\.csv: 8 addresses written with leading zeros read as decimal/);
  assert.match(notes[1], /^upload:padded\.csv: column "duration" holds numbers, but 10 cells are text \(the first: line 7, "n\/a"\): read as missing/);
  assert.match(notes[2], /^column "duration": 10 missing \(empty or NaN\) imputed with the training median/);
  assert.ok(Array.isArray(body.summary.inputNotes), 'inputNotes is still there');
  // the readers' lines as said, beside it (the answer had them before)
  assert.deepEqual(body.warnings, notes.slice(0, 2));
  const summary: any = await (await fetch(svc.url + body.files['summary.json'])).json();
  assert.deepEqual(summary.readerNotes, notes);
  const html = (await (await fetch(svc.url + body.files['report.html'])).text()).replace(/&quot;/g, '"');
  const section = html.slice(html.indexOf('<h2>Notes on the input</h2>'));
  assert.ok(html.includes('<h2>Notes on the input</h2>'), 'the report has the section');
  for (const n of notes) assert.ok(section.includes(`<li>${n}</li>`), `report.html: ${n}`);
});
