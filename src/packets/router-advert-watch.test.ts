// IPv6 router takeover from router advertisements: a new router for a prefix another advertised
// (ndp.router-takeover), a known router's address from another MAC with lifetime 0
// (ndp.router-impostor), the rules.routerAdvert.routers list; crafted captures written by our own
// writer. The shared captures' advertisements raise nothing (packet-detectors.test.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipFrame, routerAdvertisementV6 } from '../testing/frame-builder.js';
import { framesFindings } from '../testing/packet-findings.js';

const T0 = 1_700_000_000_000_000;
const REAL = '02:00:00:00:00:01';
const ROGUE = '02:66:66:66:66:66';
const ra = (i: number, mac: string, src: string, lifetime: number, prefixes: string[]) => ({
  ts: T0 + i * 1_000_000,
  frame: ipFrame({ srcMac: mac, dstMac: '33:33:00:00:00:01', src, dst: 'ff02::1', ttl: 255, proto: 58, payload: routerAdvertisementV6(lifetime, prefixes, mac) }),
});
const ids = (fs: { ruleId: string; srcIp: string | null }[]) => fs.map((f) => `${f.ruleId} ${f.srcIp}`);

test('one router advertising its prefixes again and again raises nothing', async () => {
  const frames = [0, 1, 2, 3].map((i) => ra(i, REAL, 'fe80::1', 1800, ['2001:db8:1::/64', '2001:db8:2::/64']));
  assert.deepEqual(ids((await framesFindings(frames)).findings), []);
});

test('a new router advertising a prefix another router advertised is a takeover (ndp.router-takeover)', async () => {
  const frames = [ra(0, REAL, 'fe80::1', 1800, ['2001:db8:1::/64']), ra(1, ROGUE, 'fe80::666', 9000, ['2001:db8:1::/64', '2001:db8:bad::/64']), ra(2, REAL, 'fe80::1', 1800, ['2001:db8:1::/64'])];
  const { findings } = await framesFindings(frames);
  assert.deepEqual(ids(findings), ['ndp.router-takeover fe80::666']);
  const f = findings[0];
  assert.equal(f.severity, 1);
  assert.deepEqual(f.targets.ips, ['fe80::1']);
  assert.deepEqual(f.evidence.takenPrefixes, ['2001:db8:1::/64']);
  assert.equal(f.evidence.mac, ROGUE);
  assert.match(f.reason, /^fe80::666 \(02:66:66:66:66:66\) advertised 2001:db8:1::\/64, which fe80::1 \(02:00:00:00:00:01\) advertised first: a second router/);
  // both routers listed as yours: nothing; only the real one listed: the other is rogue
  assert.deepEqual(ids((await framesFindings(frames, { routerAdvert: { routers: ['fe80::1', 'fe80::666'] } })).findings), []);
  assert.deepEqual(ids((await framesFindings(frames, { routerAdvert: { routers: ['fe80::1'] } })).findings), ['ndp.router-takeover fe80::666']);
  assert.deepEqual(ids((await framesFindings(frames, { routerAdvert: { enabled: false } })).findings), []);
});

test('router lifetime 0 under the real router\'s address from another MAC is an impostor (ndp.router-impostor)', async () => {
  const frames = [ra(0, REAL, 'fe80::1', 1800, ['2001:db8:1::/64']), ra(1, ROGUE, 'fe80::1', 0, []), ra(2, ROGUE, 'fe80::1', 0, [])];
  const { findings } = await framesFindings(frames);
  assert.deepEqual(ids(findings), ['ndp.router-impostor fe80::1']);
  assert.equal(findings[0].evidence.zeroLifetime, 2);
  assert.equal(findings[0].evidence.realRouterMac, REAL);
  assert.match(findings[0].reason, /^02:66:66:66:66:66 sent 2 router advertisements with router lifetime 0 from fe80::1, the address of the router at 02:00:00:00:00:01: hosts drop their default router/);
  // a lifetime of 0 from the router itself (it stops being a default router) is its own business
  assert.deepEqual(ids((await framesFindings([ra(0, REAL, 'fe80::1', 1800, ['2001:db8:1::/64']), ra(1, REAL, 'fe80::1', 0, ['2001:db8:1::/64'])])).findings), []);
});

test('a second default router with prefixes of its own is a second router without a list (one severity lower); with rules.routerAdvert.routers it is rogue', async () => {
  // seen in the tools-l2 lab (6 December 2026): atk6-fake_router6 eth0 2001:db8:bad::/64 beside the
  // gateway's fd66::/64 made every host add the attacker as a default router, and nothing was
  // reported (before, a second router had to advertise a prefix already advertised)
  const frames = [ra(0, REAL, 'fe80::1', 1800, ['2001:db8:1::/64']), ra(1, ROGUE, 'fe80::2', 1800, ['2001:db8:2::/64'])];
  const second = (await framesFindings(frames)).findings;
  assert.deepEqual(ids(second), ['ndp.router-takeover fe80::2']);
  assert.equal(second[0].severity, 2);
  assert.deepEqual(second[0].targets.ips, ['fe80::1']);
  assert.match(second[0].reason, /as a default router for 2001:db8:2::\/64, while fe80::1 \(.*\) was the link's router first: hosts add it as a default router/);
  assert.deepEqual(ids((await framesFindings(frames, { routerAdvert: { routers: ['fe80::1'] } })).findings), ['ndp.router-takeover fe80::2']);
  // one that only announces prefixes (router lifetime 0: not a default router) is not a second router
  assert.deepEqual(ids((await framesFindings([frames[0], ra(1, ROGUE, 'fe80::2', 0, ['2001:db8:2::/64'])])).findings), []);
});
