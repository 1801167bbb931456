/**
 * What the readers warn about the input during `analyze` reaches its outputs, not only stderr:
 * summary.json's `readerNotes`, `analyze --json`, report.html's "Notes on the input" (and, in
 * src/server/analyze-route-reader-notes.test.ts, POST /v1/analyze's answer). Before, a run in
 * automation or a reader of the report never learned that addresses were read as decimal, text
 * cells as missing, or that a capture's packets were skipped and its tail cut off.
 *
 * The inputs are real: the shipped loopback sample with padded addresses, `n/a` durations and an
 * all-empty line written into it, and a real capture (http_google.pcapng) with a second interface
 * of a link type we do not decode and its last block cut short, in a folder beside a README the
 * reader passes over. Each through the reading thread (with a baseline) and the main thread
 * (self-fitted, and a capture handed back by the thread).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sharedPath, skipWithoutShared } from '../../testing/shared-data.js';
import { readPackets, writePcapng } from '../../testing/capture-writer.js';

const main = fileURLToPath(new URL('../main.js', import.meta.url));
const root = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const dir = mkdtempSync(join(tmpdir(), 'ns-reader-notes-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  /** the warnings stderr said, without their prefix, in order */
  warnings: string[];
  err: string;
}

function cli(args: string[]): Run {
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const warnings = r.stderr
    .split('\n')
    .filter((l) => l.startsWith('netsentinel: warning: '))
    .map((l) => l.slice('netsentinel: warning: '.length));
  return { code: r.status ?? -1, stdout: r.stdout, warnings, err: r.stderr };
}

const unescape = (html: string): string => html.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The report's "Notes on the input" items, as text. */
function reportNotes(out: string): string[] {
  const html = readFileSync(join(out, 'report.html'), 'utf8');
  const at = html.indexOf('<h2>Notes on the input</h2>');
  assert.ok(at >= 0, 'the report has a "Notes on the input" section');
  const section = html.slice(at, html.indexOf('<footer', at));
  return [...section.matchAll(/<li>(.*?)<\/li>/g)].map((m) => unescape(m[1]));
}

/** Asserts the run's outputs carry exactly the input warnings stderr said, in order, each once. */
function assertNotesEverywhere(r: Run, out: string): string[] {
  assert.equal(r.code, 0, r.err);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  const json = JSON.parse(r.stdout);
  // stderr's warnings about the input (the self-fitted mode's is about the models, not the input)
  const said = [...new Set(r.warnings.filter((w) => !w.startsWith('NO BASELINE')))];
  assert.deepEqual(summary.readerNotes, said, 'summary.json: the warnings stderr said, in order, each once');
  assert.deepEqual(json.readerNotes, summary.readerNotes, 'analyze --json says the same');
  assert.ok(Array.isArray(summary.inputNotes), 'inputNotes is still there, an array, for its readers');
  assert.equal(summary.readerNotesLeftOut, undefined);
  for (const n of summary.readerNotes) assert.ok(reportNotes(out).includes(n), `report.html: ${n}`);
  return summary.readerNotes;
}

// the shipped sample with 8 addresses written zero-padded, 10 durations "n/a" and one all-empty line
const padded = join(dir, 'padded.csv');
const baseline = join(dir, 'lo.nsb');
before(() => {
  const lines = readFileSync(join(root, 'samples/loopback/traffic.csv'), 'utf8').trim().split('\n');
  const head = lines[0].split(',');
  const rows = lines.slice(1).map((l, i) => {
    const f = l.split(',');
    if (i % 50 === 3) f[head.indexOf('id.orig_h')] = f[head.indexOf('id.orig_h')].split('.').map((p) => p.padStart(3, '0')).join('.');
    if (i % 40 === 5) f[head.indexOf('duration')] = 'n/a';
    return f.join(',');
  });
  rows.splice(100, 0, ','.repeat(head.length - 1));
  writeFileSync(padded, [lines[0], ...rows].join('\n') + '\n');
  const b = cli(['baseline', join(root, 'samples/loopback/normal.csv'), '-o', baseline, '-q', '--threads', '1']);
  assert.equal(b.code, 0, b.err);
});

const csvNotes = [
  /padded\.csv: 8 addresses written with leading zeros read as decimal.*line 5, "id\.orig_h": "127\.000\.000\.0\d\d" read as 127\.0\.0\.\d+;/,
  /padded\.csv: column "duration" holds numbers, but 10 cells are text \(the first: line 7, "n\/a"\): read as missing/,
  /padded\.csv: skipped 1 empty line/,
  /^column "duration": 10 missing \(empty or NaN\) imputed with the training median/,
];

test('a CSV read on the reading thread (with a baseline): padded addresses, n/a cells and a skipped line are in summary.json, --json and the report', () => {
  const out = join(dir, 'csv-threaded');
  const notes = assertNotesEverywhere(cli(['analyze', padded, '-b', baseline, '-o', out, '--store', 'none', '-q', '--json', '--threads', '1']), out);
  assert.equal(notes.length, csvNotes.length, notes.join('\n'));
  for (const re of csvNotes) assert.ok(notes.some((n) => re.test(n)), `${re} among ${notes.join('\n')}`);
});

test('the same CSV read whole on the main thread (self-fitted): the same notes', () => {
  const out = join(dir, 'csv-self');
  const notes = assertNotesEverywhere(cli(['analyze', padded, '-o', out, '--store', 'none', '-q', '--json', '--threads', '1']), out);
  for (const re of csvNotes) assert.ok(notes.some((n) => re.test(n)), `${re} among ${notes.join('\n')}`);
});

const pcaps = sharedPath('pcaps') ?? '';
const skipPcaps = skipWithoutShared('pcaps', 'http_google.pcapng');

/**
 * http_google.pcapng's packets on an Ethernet interface, three of them again on an interface of
 * link type 147 (USER0, which we do not decode), and the last block cut short by 10 bytes.
 */
async function damagedCapture(): Promise<Buffer> {
  const packets = await readPackets(join(pcaps, 'http_google.pcapng'));
  const whole = writePcapng([
    {
      interfaces: [{ linkType: 1 }, { linkType: 147 }],
      packets: [...packets.map((p) => ({ iface: 0, p })), ...packets.slice(0, 3).map((p) => ({ iface: 1, p }))],
    },
  ]);
  return whole.subarray(0, whole.length - 10);
}

test('a capture with an unsupported link type and a cut tail: the notes reach summary.json, --json and the report (self-fitted, read on the main thread)', { skip: skipPcaps }, async () => {
  const file = join(dir, 'damaged.pcapng');
  writeFileSync(file, await damagedCapture());
  const out = join(dir, 'cap-self');
  const notes = assertNotesEverywhere(cli(['analyze', file, '-o', out, '--store', 'none', '-q', '--json', '--allow-truncated', '--threads', '1']), out);
  assert.ok(notes.some((n) => /damaged\.pcapng: link type 147 is not supported/.test(n)), notes.join('\n'));
  assert.ok(notes.some((n) => /cut short.*--allow-truncated/.test(n)), notes.join('\n'));
});

test('the capture in a folder beside a README (the reading thread hands it back): the skipped file and the capture notes, once each', { skip: skipPcaps }, async () => {
  const folder = join(dir, 'captures');
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'damaged.pcapng'), await damagedCapture());
  writeFileSync(join(folder, 'README.txt'), 'captures of the lab, Tuesday\n');
  // a baseline fitted on other captures, so the reading thread starts and hands the capture back
  const capBaseline = join(dir, 'cap.nsb');
  const b = cli(['baseline', ...['dns_query_response.pcapng', 'tcp_handshake.pcapng', 'http_ip4and6.pcapng', 'dns_tcp.pcapng'].map((f) => join(pcaps, f)), '-o', capBaseline, '-q', '--threads', '1']);
  assert.equal(b.code, 0, b.err);
  const out = join(dir, 'cap-folder');
  const notes = assertNotesEverywhere(cli(['analyze', folder, '-b', capBaseline, '-o', out, '--store', 'none', '-q', '--json', '--allow-truncated', '--threads', '1']), out);
  assert.ok(notes.some((n) => /^skipped .*README\.txt/.test(n)), notes.join('\n'));
  assert.ok(notes.some((n) => /link type 147 is not supported/.test(n)), notes.join('\n'));
  assert.ok(notes.some((n) => /cut short.*--allow-truncated/.test(n)), notes.join('\n'));
});

test('an input the readers say nothing about has empty readerNotes and no reader notes in the report', () => {
  const out = join(dir, 'clean');
  const r = cli(['analyze', join(root, 'samples/loopback/traffic.csv'), '-b', baseline, '-o', out, '--store', 'none', '-q', '--json', '--threads', '1']);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).readerNotes, []);
  assert.doesNotMatch(readFileSync(join(out, 'report.html'), 'utf8'), /What the readers said/);
});

test('past 100 notes the rest are counted, not kept: summary.json says how many and the report says so', () => {
  // a folder of 130 empty files beside the sample: a warning each, all said on stderr
  const folder = join(dir, 'many');
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'traffic.csv'), readFileSync(padded));
  for (let i = 0; i < 130; i++) writeFileSync(join(folder, `empty-${String(i).padStart(3, '0')}.csv`), '');
  const out = join(dir, 'many-out');
  const r = cli(['analyze', folder, '-b', baseline, '-o', out, '--store', 'none', '-q', '--json', '--threads', '1']);
  assert.equal(r.code, 0, r.err);
  const said = [...new Set(r.warnings)];
  assert.ok(said.length > 130, `stderr said every one: ${said.length}`);
  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
  assert.deepEqual(summary.readerNotes, said.slice(0, 100), 'the first 100, in order');
  assert.equal(summary.readerNotesLeftOut, said.length - 100);
  assert.deepEqual(JSON.parse(r.stdout).readerNotesLeftOut, summary.readerNotesLeftOut);
  assert.ok(reportNotes(out).includes(`… and ${said.length - 100} more, not kept (the run's stderr said them)`), reportNotes(out).slice(-2).join('\n'));
});
