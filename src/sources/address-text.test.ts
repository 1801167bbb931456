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
