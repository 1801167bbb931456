/**
 * The CIDR index against the obvious definition (scan every block, keep those containing the
 * address) on random nested, duplicate and disjoint IPv4 and IPv6 blocks; and the feed formats
 * (FireHOL .netset, Spamhaus DROP text and JSON, CSV) with their notes, lines and errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { CidrIndexBuilder } from './cidr-index.js';
import { loadFeeds } from './feed-set.js';
import { cidrContains, parseCidr, parseIp, type Cidr } from '../detect/ip-address.js';

function brute(blocks: readonly Cidr[], ip: string): number[] {
  const a = parseIp(ip)!;
  const mapped = a.v === 6 && a.w[0] === 0 && a.w[1] === 0 && a.w[2] === 0xffff ? { v: 4 as const, w: Uint32Array.of(0, 0, 0, a.w[3]) } : a;
  return blocks.map((b, i) => (cidrContains(b, mapped) ? i : -1)).filter((i) => i >= 0).sort((x, y) => x - y);
}

const v4 = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 }));
const v4Block = fc.tuple(v4, fc.integer({ min: 0, max: 32 })).map(([[a, b, c, d], p]) => `${a === 3 ? 255 : 10 + a}.${b & 3}.${c}.${d}/${p % 33 < 6 ? p + 6 : p}`);
const v4Addr = v4.map(([a, b, c, d]) => `${a === 3 ? 255 : 10 + a}.${b & 3}.${c}.${d}`);
const v6Block = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 128 })).map(([a, b, p]) => `2001:db8:${a}:${b.toString(16)}::${(b & 7).toString(16)}/${p < 16 ? p + 16 : p}`);
const v6Addr = fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 7 })).map(([a, b, c]) => `2001:db8:${a}:${b.toString(16)}::${c.toString(16)}`);

test('the index finds exactly the blocks that contain an address (IPv4 and IPv6, nested and duplicated)', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(v4Block, v6Block), { minLength: 0, maxLength: 60 }), fc.array(fc.oneof(v4Addr, v6Addr, v4Addr.map((a) => `::ffff:${a}`)), { minLength: 1, maxLength: 40 }), (texts, ips) => {
      const blocks = texts.map((t) => parseCidr(t) as Cidr);
      const all = [...blocks, ...blocks.slice(0, 5)]; // some listed twice
      const b = new CidrIndexBuilder();
      all.forEach((c, i) => (c.v === 4 ? b.add4(c.base[3], c.prefix, i) : b.add6(c.base, c.prefix, i)));
      const index = b.build();
      for (const ip of ips) {
        const a = parseIp(ip)!;
        const first = a.v === 4 ? index.lookup4(a.w[3]) : index.lookup6(a.w);
        const got = index.allIds(first).sort((x, y) => x - y);
        assert.deepEqual(got, brute(all, ip), `${ip} in ${texts.join(' ')}`);
      }
    }),
    { numRuns: 300, seed: 11 },
  );
});

test('edges: 0.0.0.0/0, the last address, ::/0, host bits cleared, networks printed', () => {
  const b = new CidrIndexBuilder();
  for (const [i, t] of ['0.0.0.0/0', '255.255.255.255/32', '10.1.2.3/8', '::/0', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128', '2001:db8::1/32'].entries()) {
    const c = parseCidr(t) as Cidr;
    if (c.v === 4) b.add4(c.base[3], c.prefix, i);
    else b.add6(c.base, c.prefix, i);
  }
  const x = b.build();
  assert.deepEqual(x.allIds(x.lookup4(0xffffffff)), [1, 0]);
  assert.deepEqual(x.allIds(x.lookup4(0x0a000001)), [2, 0]);
  assert.equal(x.networkOf(x.lookup4(0x0a000001)), '10.0.0.0/8');
  const top = parseIp('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff')!;
  assert.deepEqual(x.allIds(x.lookup6(top.w)), [4, 3]);
  const doc = x.lookup6(parseIp('2001:db8:ffff::9')!.w);
  assert.equal(x.networkOf(doc), '2001:db8::/32');
  assert.deepEqual(x.allIds(doc), [5, 3]);
  assert.deepEqual(x.allIds(x.lookup6(parseIp('2002::')!.w)), [3]);
  const empty = new CidrIndexBuilder().build();
  assert.equal(empty.lookup4(1), -1);
  assert.equal(empty.lookup6(parseIp('::1')!.w), -1);
});

const dir = mkdtempSync(join(tmpdir(), 'ns-feeds-'));

test('feeds: FireHOL netset, Spamhaus DROP (text and JSON), CSV, with feed, line and note', () => {
  const netset = join(dir, 'firehol_level1.netset');
  writeFileSync(netset, '#\n# firehol_level1\n#\n0.0.0.0/8\n1.10.16.0/20\n192.0.2.7\n2001:db8:bad::/48\n');
  const drop = join(dir, 'drop.txt');
  writeFileSync(drop, '; Spamhaus DROP List 2026/12/01\n; Last-Modified: Tue, 01 Dec 2026\n1.10.16.0/20 ; SBL256894\n203.0.113.0/24 ; SBL1\n');
  const dropJson = join(dir, 'drop_v4.json');
  writeFileSync(dropJson, '{"cidr":"198.51.100.0/24","sblid":"SBL99","rir":"arin"}\n{"type":"metadata","timestamp":1,"size":1}\n');
  const csv = join(dir, 'local.csv');
  writeFileSync(csv, '# our own list\nip,category,score\n192.0.2.7,c2 server,90\n\n"198.51.100.9",scanner,\n');
  const set = loadFeeds([netset, drop, dropJson, csv]);
  assert.equal(set.entries, 4 + 2 + 1 + 2);
  assert.deepEqual(set.feeds.map((f) => [f.name, f.format, f.entries]), [
    ['firehol_level1.netset', 'list', 4], ['drop.txt', 'list', 2], ['drop_v4.json', 'spamhaus-json', 1], ['local.csv', 'csv', 2],
  ]);
  const m = set.match('1.10.20.30')!;
  assert.deepEqual(m.map((x) => [x.feed, x.network, x.line, x.note]).sort(), [
    ['drop.txt', '1.10.16.0/20', 3, 'SBL256894'], ['firehol_level1.netset', '1.10.16.0/20', 5, undefined],
  ]);
  assert.deepEqual(set.match('192.0.2.7')!.map((x) => [x.feed, x.line, x.note, x.score]).sort(), [['firehol_level1.netset', 6, undefined, undefined], ['local.csv', 3, 'c2 server', 90]]);
  assert.deepEqual(set.match('198.51.100.9')!.map((x) => [x.feed, x.line, x.note]).sort(), [['drop_v4.json', 1, 'SBL99'], ['local.csv', 5, 'scanner']]);
  assert.deepEqual(set.match('2001:db8:bad:1::5')!.map((x) => x.network), ['2001:db8:bad::/48']);
  assert.deepEqual(set.match('8.8.8.8'), []);
  assert.equal(set.match('not-an-ip'), null);
  assert.equal(set.count('1.10.16.1'), 2);
});

test('feeds: a bad line is an error naming file and line', () => {
  const bad = join(dir, 'bad.netset');
  writeFileSync(bad, '# x\n10.0.0.0/8\n10.0.0.0/33\n');
  assert.throws(() => loadFeeds([bad]), /bad\.netset line 3: "10\.0\.0\.0\/33" is not an IP address or CIDR network/);
  writeFileSync(bad, '10.0.0.0/8 junk here\n');
  assert.throws(() => loadFeeds([bad]), /bad\.netset line 1: expected one IP or CIDR per line/);
  const badCsv = join(dir, 'bad.csv');
  writeFileSync(badCsv, 'network,score\n10.0.0.0/8,50\n\n10.0.0.x,1\n');
  assert.throws(() => loadFeeds([badCsv]), /bad\.csv line 4, column "network": "10\.0\.0\.x"/);
  writeFileSync(badCsv, 'network,score\n10.0.0.0/8,500\n');
  assert.throws(() => loadFeeds([badCsv]), /bad\.csv line 2, column "score": "500" is not a score/);
  assert.throws(() => loadFeeds([join(dir, 'missing.netset')]), /cannot read the feed .*missing\.netset: no such file/);
});
