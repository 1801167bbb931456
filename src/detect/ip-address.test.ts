import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cidrContains, classifyAddress, formatIp, parseCidr, parseIp, parseIpGeneral, parseIpv4, type Cidr } from './ip-address.js';

test('IPv4 parsing is strict', () => {
  assert.equal(parseIpv4('192.168.10.50'), 0xc0a80a32);
  assert.equal(parseIpv4('255.255.255.255'), 0xffffffff);
  for (const bad of ['256.1.1.1', '1.2.3', '1.2.3.4.5', '01.2.3.4', '1..2.3', 'a.b.c.d', '', ' 1.2.3.4']) assert.equal(parseIpv4(bad), -1, bad);
});

test('IPv6 parsing and canonical text (RFC 5952)', () => {
  const cases: [string, string][] = [
    ['2001:0db8:0000:0000:0000:ff00:0042:8329', '2001:db8::ff00:42:8329'],
    ['::1', '::1'],
    ['::', '::'],
    ['fe80::1%eth0', 'fe80::1'],
    ['[2001:db8::1]', '2001:db8::1'],
    // IPv4-mapped: the dotted quad, as RFC 5952 section 5, tshark and inet_ntop write it (was ::ffff:c000:201)
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['::ffff:c000:201', '::ffff:192.0.2.1'],
    ['::ffff:0.0.0.0', '::ffff:0.0.0.0'],
    // not IPv4-mapped: hex as before (IPv4-compatible ::/96 is deprecated; ::ffff:0:0:0/96 is another prefix)
    ['::c000:201', '::c000:201'],
    ['::ffff:0:c000:201', '::ffff:0:c000:201'],
    ['1::ffff:c000:201', '1::ffff:c000:201'],
    ['1:0:0:1:0:0:0:1', '1:0:0:1::1'],
  ];
  for (const [input, canon] of cases) {
    const ip = parseIp(input);
    assert.ok(ip, input);
    assert.equal(formatIp(ip), canon, input);
  }
  for (const bad of ['1::2::3', '12345::', ':::', '1:2:3:4:5:6:7:8:9', 'g::1']) assert.equal(parseIp(bad), null, bad);
});

test('the in-place reader of plain IPv6 text agrees with the general one on every string of hex digits and colons', () => {
  // a seeded generator: random strings of the plain alphabet (mostly invalid), and addresses made
  // of 1 to 9 groups of 1 to 4 digits (now and then 0 or 5) with and without one or two "::" (mostly valid or nearly)
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return Math.floor((seed / 2 ** 32) * n);
  };
  const ALPHA = '0123456789abcdefABCDEF:';
  const HEX = '0123456789abcdefABCDEF';
  const group = (): string => Array.from({ length: rand(10) === 0 ? 5 * rand(2) : 1 + rand(4) }, () => HEX[rand(HEX.length)]).join('');
  const inputs: string[] = ['::', ':', '', '::1', '1::', ':::', '::::', '1:::2', '1::2::3', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', 'ABCD::EF01', '00000::1', '0:0:0:0:0:0:0:0'];
  for (let i = 0; i < 20000; i++) inputs.push(Array.from({ length: rand(24) }, () => ALPHA[rand(ALPHA.length)]).join(''));
  for (let i = 0; i < 20000; i++) {
    const gs = Array.from({ length: 1 + rand(9) }, group);
    const gaps = rand(4) === 0 ? 2 : rand(2);
    for (let k = 0; k < gaps; k++) gs.splice(rand(gs.length + 1), 0, '');
    let text = gs.join(':');
    if (rand(4) === 0) text = '::' + text;
    else if (rand(4) === 0) text = text + '::';
    inputs.push(text);
  }
  let valid = 0;
  for (const text of inputs) {
    const fast = parseIp(text);
    const general = parseIpGeneral(text);
    assert.equal(fast === null, general === null, text);
    if (fast && general) {
      valid++;
      assert.equal(fast.v, 6, text);
      assert.deepEqual([...fast.w], [...general.w], text);
    }
  }
  // both kinds were tried in numbers
  assert.ok(valid > 1000 && valid < inputs.length - 1000, `${valid} valid of ${inputs.length}`);
});

test('CIDR blocks: parsing, host bits cleared, containment across families', () => {
  const c = parseCidr('10.1.2.3/8') as Cidr;
  assert.equal(formatIp({ v: 4, w: c.base }), '10.0.0.0');
  assert.ok(cidrContains(c, parseIp('10.255.0.1')!));
  assert.ok(!cidrContains(c, parseIp('11.0.0.1')!));
  assert.ok(!cidrContains(c, parseIp('::a00:1')!), 'an IPv4 block holds no IPv6 address');
  const all = parseCidr('0.0.0.0/0') as Cidr;
  assert.ok(cidrContains(all, parseIp('203.0.113.1')!));
  const v6 = parseCidr('2001:db8:abcd::/48') as Cidr;
  assert.ok(cidrContains(v6, parseIp('2001:db8:abcd:12::1')!));
  assert.ok(!cidrContains(v6, parseIp('2001:db8:abce::1')!));
  const odd = parseCidr('2001:db8::/33') as Cidr;
  assert.ok(cidrContains(odd, parseIp('2001:db8:7fff::1')!));
  assert.ok(!cidrContains(odd, parseIp('2001:db8:8000::1')!));
  assert.match(parseCidr('10.0.0.0/33') as string, /prefix length "33"; it must be 0 to 32/);
  assert.match(parseCidr('example.com/8') as string, /is not an IPv4 or IPv6 network/);
});

test('address classes for source sanity', () => {
  const kind = (s: string) => classifyAddress(parseIp(s)).kind;
  assert.equal(kind('8.8.8.8'), 'public');
  assert.equal(kind('172.16.0.1'), 'private');
  assert.equal(kind('172.32.0.1'), 'public');
  assert.equal(kind('100.64.0.1'), 'shared');
  assert.equal(kind('169.254.1.1'), 'link-local');
  assert.equal(kind('127.0.0.1'), 'loopback');
  for (const b of ['0.0.0.0', '0.255.1.1', '240.0.0.1', '255.255.255.255', '224.0.0.1', '239.255.255.250', '192.0.2.1', '198.51.100.1', '203.0.113.1', '198.19.0.1']) {
    assert.equal(kind(b), 'bogon', b);
  }
  assert.equal(kind('2606:4700::1111'), 'public');
  assert.equal(kind('fd12::1'), 'private');
  assert.equal(kind('fe80::1'), 'link-local');
  assert.equal(kind('::1'), 'loopback');
  for (const b of ['::', 'ff02::1', '2001:db8::1', '::ffff:10.0.0.1', '4000::1', '100::1']) assert.equal(kind(b), 'bogon', b);
  assert.equal(kind('64:ff9b::808:808'), 'public', 'NAT64 well-known prefix');
  assert.equal(kind('host.example'), 'invalid');
  assert.equal(classifyAddress(parseIp('240.1.2.3')).range, 'reserved (240.0.0.0/4)');
});
