/**
 * `stream` says what it assumed in reading its flows, as analyze does in its summary and report:
 * times without a UTC offset read as UTC (every alert's time hangs on it), IPv4-mapped addresses of
 * a flow file read as IPv4. Once each, however many batches. Before, a worker said nothing.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDataset } from '../sources/read-dataset.js';
import { fitBaseline, saveBaseline } from '../risk/baseline.js';

const CLI = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'ns-stream-notes-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function flows(n: number, mapped: boolean): string {
  const rows = Array.from({ length: n }, (_, i) => {
    const client = mapped && i % 2 ? `::ffff:198.51.${i % 7}.${10 + (i % 50)}` : `10.0.${i % 7}.${10 + (i % 50)}`;
    const second = String(i % 60).padStart(2, '0');
    return `2017-07-07 13:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${second},${client},10.0.0.1,${40000 + i},443,6,${1000 + ((i * 37) % 900)},${3 + (i % 5)},${2 + (i % 4)}`;
  });
  return 'timestamp,src_ip,dst_ip,src_port,dst_port,protocol,duration_us,fwd_packets,bwd_packets\n' + rows.join('\n') + '\n';
}

test('stream --stdin says each input note once: offset-less times read as UTC, IPv4-mapped clients read as IPv4', async () => {
  const normal = join(tmp, 'normal.csv');
  writeFileSync(normal, flows(400, false));
  const baseline = join(tmp, 'normal.nsb');
  await saveBaseline(baseline, await fitBaseline(await readDataset([normal], { warn: () => undefined }), { detectors: ['isolation-forest'], seed: 7, threads: 1 }));
  const r = spawnSync(process.execPath, [CLI, 'stream', '--stdin', '--baseline', baseline, '--store', 'none', '--batch-rows', '100'], { input: flows(350, true), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const notes = r.stderr.split('\n').filter((l) => l.startsWith('netsentinel: stream: input: '));
  assert.deepEqual(
    notes.filter((l) => l.includes('UTC')),
    ['netsentinel: stream: input: "timestamp" has times without a UTC offset; they are read as UTC'],
    r.stderr,
  );
  assert.equal(notes.filter((l) => l.includes('IPv4-mapped')).length, 1, r.stderr);
});

test('--timezone: analyze and stream read offset-less times in the zone given, and say so', async () => {
  const input = join(tmp, 'tz.csv');
  writeFileSync(input, flows(120, false));
  const baseline = join(tmp, 'tz.nsb');
  await saveBaseline(baseline, await fitBaseline(await readDataset([input], { warn: () => undefined }), { detectors: ['isolation-forest'], seed: 7, threads: 1 }));
  const a = spawnSync(process.execPath, [CLI, 'analyze', input, '-b', baseline, '-o', join(tmp, 'tz-out'), '--store', 'none', '--no-report', '--json', '-q', '--timezone', 'America/Moncton'], { encoding: 'utf8' });
  assert.equal(a.status, 0, a.stderr);
  const summary = JSON.parse(a.stdout);
  assert.ok(summary.inputNotes.includes('"timestamp" has times without a UTC offset; they are read as America/Moncton time (--timezone)'), summary.inputNotes.join(' | '));
  // 13:00 in New Brunswick in July is 16:00 UTC
  const first = readFileSync(join(tmp, 'tz-out', 'flows_scored.csv'), 'utf8').split('\n')[1].split(',');
  assert.equal(first[2], '2017-07-07T16:00:00.000Z');
  const s = spawnSync(process.execPath, [CLI, 'stream', '--stdin', '--baseline', baseline, '--store', 'none', '--timezone', '-03:00'], { input: flows(50, false), encoding: 'utf8' });
  assert.equal(s.status, 0, s.stderr);
  assert.match(s.stderr, /^netsentinel: stream: input: "timestamp" has times without a UTC offset; they are read as -03:00 time \(--timezone\)$/m);
  const bad = spawnSync(process.execPath, [CLI, 'stream', '--stdin', '--baseline', baseline, '--store', 'none', '--timezone', 'Mars/Olympus'], { input: '', encoding: 'utf8' });
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /--timezone: "Mars\/Olympus" is neither an IANA time zone/);
});

/** flows() as JSON lines (one object per flow, as another program writes them) */
function jsonFlows(n: number, client: (i: number) => string = (i) => `10.0.${i % 7}.${10 + (i % 50)}`): string {
  return (
    flows(n, false)
      .trim()
      .split('\n')
      .slice(1)
      .map((l, i) => {
        const [timestamp, , dst_ip, src_port, dst_port, protocol, duration_us, fwd_packets, bwd_packets] = l.split(',');
        return JSON.stringify({ timestamp, src_ip: client(i), dst_ip, src_port: +src_port, dst_port: +dst_port, protocol: +protocol, duration_us: +duration_us, fwd_packets: +fwd_packets, bwd_packets: +bwd_packets });
      })
      .join('\n') + '\n'
  );
}

test('stream --stdin --timezone reads JSON lines’ offset-less times in the zone given, as it reads a CSV’s', async () => {
  const input = join(tmp, 'tz-json.csv');
  writeFileSync(input, flows(120, false));
  const baseline = join(tmp, 'tz-json.nsb');
  await saveBaseline(baseline, await fitBaseline(await readDataset([input], { warn: () => undefined }), { detectors: ['isolation-forest'], seed: 7, threads: 1 }));
  const s = spawnSync(process.execPath, [CLI, 'stream', '--stdin', '--baseline', baseline, '--store', 'none', '--timezone', '-03:00'], { input: jsonFlows(50), encoding: 'utf8' });
  assert.equal(s.status, 0, s.stderr);
  assert.match(s.stderr, /^netsentinel: stream: input: "timestamp" has times without a UTC offset; they are read as -03:00 time \(--timezone\)$/m);
  assert.doesNotMatch(s.stderr, /read as UTC/);
});

test('stream --stdin reads IPv4 addresses written with leading zeros as decimal (CSV and JSON lines): said when first met and with the total at the end', async () => {
  const input = join(tmp, 'pad.csv');
  writeFileSync(input, flows(200, false));
  const baseline = join(tmp, 'pad.nsb');
  await saveBaseline(baseline, await fitBaseline(await readDataset([input], { warn: () => undefined }), { detectors: ['isolation-forest'], seed: 7, threads: 1 }));
  // every fifth flow's source padded: 10.0.3.13 as 010.000.003.013
  const pad = (ip: string) => ip.split('.').map((p) => p.padStart(3, '0')).join('.');
  const csvLines = flows(250, false).split('\n');
  const csvInput = csvLines.map((l, i) => (i > 0 && i % 5 === 1 && l ? l.replace(/,(10\.[\d.]+),/, (_, ip: string) => `,${pad(ip)},`) : l)).join('\n');
  const json = jsonFlows(250, (i) => (i % 5 === 0 ? pad(`10.0.${i % 7}.${10 + (i % 50)}`) : `10.0.${i % 7}.${10 + (i % 50)}`));
  for (const [kind, text] of [['CSV', csvInput], ['JSON lines', json]] as const) {
    const s = spawnSync(process.execPath, [CLI, 'stream', '--stdin', '--baseline', baseline, '--store', 'none', '--batch-rows', '100', '--flow-alerts-per-source', '0', '--flow-threshold', '0.01'], { input: text, encoding: 'utf8' });
    assert.equal(s.status, 0, `${kind}: ${s.stderr}`);
    const notes = s.stderr.split('\n').filter((l) => l.includes('leading zeros'));
    const first = kind === 'CSV' ? 'line 2' : 'line 1';
    assert.deepEqual(
      notes,
      [
        `netsentinel: stream: input: stdin: 20 addresses written with leading zeros read as decimal, in canonical form (the first: ${first}, "src_ip": "010.000.000.010" read as 10.0.0.10; no flow exporter writes octal)`,
        `netsentinel: stream: input: stdin: 50 addresses written with leading zeros read as decimal, in canonical form (the first: ${first}, "src_ip": "010.000.000.010" read as 10.0.0.10; no flow exporter writes octal)`,
      ],
      `${kind}: ${s.stderr}`,
    );
    // the alerts name the address as written without its zeros
    const alerts = s.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    assert.ok(alerts.length > 0, `${kind}: no alerts to look at`);
    for (const a of alerts) if (a.src_ip) assert.doesNotMatch(a.src_ip, /(^|\.)0\d/, `${kind}: ${a.src_ip}`);
  }
});

test('a JetStream worker refuses --timezone (publish read the flows, and their zone travels with them), in one line before connecting', async () => {
  const input = join(tmp, 'js.csv');
  writeFileSync(input, flows(120, false));
  const baseline = join(tmp, 'js.nsb');
  await saveBaseline(baseline, await fitBaseline(await readDataset([input], { warn: () => undefined }), { detectors: ['isolation-forest'], seed: 7, threads: 1 }));
  const r = spawnSync(process.execPath, [CLI, 'stream', '--baseline', baseline, '--store', join(tmp, 'w.db'), '--nats', 'nats://127.0.0.1:1', '--timezone', '-03:00'], { encoding: 'utf8' });
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr.trim(), 'netsentinel: stream: --timezone applies to what this worker reads itself (--stdin, --follow FILE); flows from NATS were read by publish: give --timezone to netsentinel publish');
});

test('stream --stdin reads every batch of a CSV with its first batch’s column types: a batch of one line with "-" in a number column is scored, the cell missing and said', async () => {
  const input = join(tmp, 'types.csv');
  writeFileSync(input, flows(200, false));
  const baseline = join(tmp, 'types.nsb');
  await saveBaseline(baseline, await fitBaseline(await readDataset([input], { warn: () => undefined }), { detectors: ['isolation-forest'], seed: 7, threads: 1 }));
  // 101 flows in batches of 100: the second batch is the last line alone, its duration "-"
  const lines = flows(101, false).trimEnd().split('\n');
  lines[101] = lines[101].replace(/,6,\d+,/, ',6,-,');
  const s = spawnSync(process.execPath, [CLI, 'stream', '--stdin', '--baseline', baseline, '--store', 'none', '--batch-rows', '100'], { input: lines.join('\n') + '\n', encoding: 'utf8' });
  assert.equal(s.status, 0, s.stderr);
  assert.doesNotMatch(s.stderr, /left out/, s.stderr);
  assert.match(s.stderr, /^netsentinel: stream: input: stdin: column "duration_us" holds numbers, but 1 cell is text \(the first: line 102, "-"\): read as missing/m);
  assert.match(s.stderr, /101 flows in 2 messages scored/, s.stderr);
});

test('stream --stdin: a batch with a bad line is read again to find it; its odd cells are counted once', async () => {
  const input = join(tmp, 'again.csv');
  writeFileSync(input, flows(200, false));
  const baseline = join(tmp, 'again.nsb');
  await saveBaseline(baseline, await fitBaseline(await readDataset([input], { warn: () => undefined }), { detectors: ['isolation-forest'], seed: 7, threads: 1 }));
  const lines = flows(100, false).trimEnd().split('\n');
  for (const k of [10, 50, 90]) lines[k] = lines[k].replace(/,6,\d+,/, ',6,-,');
  lines[70] = lines[70].split(',').slice(0, 4).join(','); // too few fields: rejected
  const s = spawnSync(process.execPath, [CLI, 'stream', '--stdin', '--baseline', baseline, '--store', 'none', '--batch-rows', '500'], { input: lines.join('\n') + '\n', encoding: 'utf8' });
  assert.equal(s.status, 0, s.stderr);
  assert.match(s.stderr, /stdin line 71: expected 9 fields, found 4[^\n]*left out/, s.stderr);
  const notes = s.stderr.split('\n').filter((l) => l.includes('holds numbers'));
  assert.deepEqual(notes, ['netsentinel: stream: input: stdin: column "duration_us" holds numbers, but 3 cells are text (the first: line 11, "-"): read as missing, imputed as other missing cells are (--categorical "duration_us" reads the column as categories)'], s.stderr);
  assert.match(s.stderr, /99 flows in 1 message scored/, s.stderr);
});
