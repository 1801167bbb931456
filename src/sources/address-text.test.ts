/**
 * A flow file's addresses in the one form outputs write: spellings of one host (upper case, leading
 * zeros, IPv4-mapped in hex) are one source for analyze, and its alerts name it as a capture would.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { cellText, getColumn } from '../flows/table.js';
import { readDataset } from './read-dataset.js';

const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ns-address-text-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const SPELLINGS = ['2001:DB8::7', '2001:0db8:0000::7', '2001:db8::7'];
const MAPPED = ['::FFFF:C000:0201', '::ffff:c000:201', '::ffff:192.0.2.1'];

/** a generic CSV of flows: the same two hosts spelt three ways each, plus a host name and a zoned address */
function flowsCsv(): string {
  const lines = ['src_ip,dst_ip,dst_port,proto,duration,bytes'];
  for (let i = 0; i < 60; i++) lines.push(`${SPELLINGS[i % 3]},${MAPPED[(i + 1) % 3]},${1000 + i},tcp,${(i % 5) * 0.1},${40 + i}`);
  lines.push('gateway.local,fe80::1%eth0,53,udp,0.1,80', 'GATEWAY.LOCAL,FE80::1%eth0,53,udp,0.1,80');
  return lines.join('\n') + '\n';
}

test('reading a flow file writes its source and destination addresses in canonical form; names and zoned addresses stay as read', async () => {
  const file = join(dir, 'flows.csv');
  writeFileSync(file, flowsCsv());
  const t = await readDataset([file], { warn: () => {} });
  const src = getColumn(t, 'src_ip')!;
  const dst = getColumn(t, 'dst_ip')!;
  const texts = (c: typeof src) => [...new Set(Array.from({ length: t.rowCount }, (_, r) => cellText(c, r)))];
  assert.deepEqual(texts(src), ['2001:db8::7', 'gateway.local', 'GATEWAY.LOCAL']);
  assert.deepEqual(texts(dst), ['::ffff:192.0.2.1', 'fe80::1%eth0', 'FE80::1%eth0']);
  assert.equal(src.kind === 'categorical' && src.dictionary.length, 3, 'one dictionary entry per address');
});

test('analyze counts one host spelt three ways as one source, and its alerts name it in canonical form', () => {
  const file = join(dir, 'analyze.csv');
  writeFileSync(file, flowsCsv());
  const out = join(dir, 'out');
  const r = spawnSync(process.execPath, [main, 'analyze', file, '-o', out, '--store', 'none', '--no-report', '--json', '-q'], { encoding: 'utf8', cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  const summary = JSON.parse(r.stdout);
  // the IPv6 host once (was three), and the host name's two spellings (names are not addresses: as read)
  assert.equal(summary.sources, 3);
  const alerts = readFileSync(join(out, 'alerts.jsonl'), 'utf8').trim().split('\n').filter((l) => l).map((l) => JSON.parse(l));
  for (const a of alerts) {
    if (a.src_ip !== undefined && a.src_ip !== null && /:/.test(a.src_ip)) assert.equal(a.src_ip, '2001:db8::7');
    if (a.dest_ip !== undefined && a.dest_ip !== null && /ffff/i.test(a.dest_ip)) assert.equal(a.dest_ip, '::ffff:192.0.2.1');
  }
  const risky = readFileSync(join(out, 'flows_scored.csv'), 'utf8');
  for (const s of ['2001:DB8::7', '2001:0db8', '::FFFF:C000:0201', '::ffff:c000:201']) assert.ok(!risky.includes(s), s);
});

/**
 * Zero-padded IPv4 (`010.000.000.001`, as exporters that pad each part to three digits write it):
 * read as the decimal address, in canonical text, one source with its unpadded spelling, and said
 * once per file with the count and the first cell's file, line and column. Before, it stayed as
 * written: `010.000.000.001` and `10.0.0.1` were two sources, and the alerts named an address the
 * HTTP API refuses.
 */
test('a flow file’s IPv4 addresses written with leading zeros are read as decimal, counted and said once per file (CSV and Zeek conn.log)', async () => {
  const csv = join(dir, 'padded.csv');
  const rows = ['src_ip,dst_ip,dst_port,proto,duration,bytes', '10.0.0.1,192.168.10.50,80,tcp,0.1,40'];
  for (let i = 0; i < 30; i++) rows.push(`${i % 2 ? '010.000.000.001' : '10.0.0.1'},${i % 3 ? '192.168.010.050' : '192.168.10.50'},${80 + i},tcp,0.1,${40 + i}`);
  rows.push('::ffff:010.0.0.9,gateway.local,53,udp,0.1,80');
  writeFileSync(csv, rows.join('\n') + '\n');
  const warnings: string[] = [];
  const t = await readDataset([csv], { warn: (m) => warnings.push(m), batchRows: 7 });
  const texts = (name: string) => [...new Set(Array.from({ length: t.rowCount }, (_, r) => cellText(getColumn(t, name)!, r)))];
  assert.deepEqual(texts('src_ip'), ['10.0.0.1', '::ffff:10.0.0.9']);
  assert.deepEqual(texts('dst_ip'), ['192.168.10.50', 'gateway.local']);
  // 15 padded sources, 20 padded destinations, the mapped one: 36 cells, said once for the file (5 batches)
  assert.deepEqual(warnings, [`${csv}: 36 addresses written with leading zeros read as decimal, in canonical form (the first: line 4, "src_ip": "010.000.000.001" read as 10.0.0.1; no flow exporter writes octal)`]);

  const zeek = join(dir, 'padded-conn.log');
  writeFileSync(
    zeek,
    [
      '#separator \\x09',
      '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto',
      '#types\ttime\tstring\taddr\tport\taddr\tport\tenum',
      '1704067200.1\tC1\t10.0.0.5\t51000\t10.0.0.1\t22\ttcp',
      '1704067201.1\tC2\t010.000.000.005\t51001\t10.0.0.1\t23\ttcp',
    ].join('\n') + '\n',
  );
  const zw: string[] = [];
  const z = await readDataset([zeek], { warn: (m) => zw.push(m) });
  assert.equal(z.format, 'zeek-conn');
  assert.deepEqual([cellText(getColumn(z, 'id.orig_h')!, 0), cellText(getColumn(z, 'id.orig_h')!, 1)], ['10.0.0.5', '10.0.0.5']);
  assert.deepEqual(zw, [`${zeek}: 1 address written with leading zeros read as decimal, in canonical form (the first: line 5, "id.orig_h": "010.000.000.005" read as 10.0.0.5; no flow exporter writes octal)`]);
});

test('a part above 255 once its zeros are dropped (0256) is no address: kept as read, not counted', async () => {
  const csv = join(dir, 'not-padded.csv');
  writeFileSync(csv, 'src_ip,dst_ip,dst_port,proto,duration,bytes\n10.0.0.0256,10.0.0.1,80,tcp,0.1,40\n10.0.0.2,10.0.0.1,80,tcp,0.1,40\n');
  const warnings: string[] = [];
  const t = await readDataset([csv], { warn: (m) => warnings.push(m) });
  assert.equal(cellText(getColumn(t, 'src_ip')!, 0), '10.0.0.0256');
  assert.deepEqual(warnings, []);
});
