import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipFrame, neighborAdvertisementV6 } from '../testing/frame-builder.js';
import { captureFindings, framesFindings } from '../testing/packet-findings.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';

const T0 = 1_700_000_000_000_000;
const na = (ts: number, mac: string, claimed: string) => ({ ts, frame: ipFrame({ srcMac: mac, src: 'fe80::1', dst: 'fe80::20', ttl: 255, proto: 58, payload: neighborAdvertisementV6(claimed, mac) }) });

test('one IPv6 address advertised by two MACs is a duplicate (ndp.ip-conflict); repeated advertisements from one MAC are not', async () => {
  assert.deepEqual((await framesFindings([na(T0, '02:00:00:00:00:01', '2001:db8::1'), na(T0 + 1e6, '02:00:00:00:00:01', '2001:db8::1')])).findings, []);
  const { findings } = await framesFindings([na(T0, '02:00:00:00:00:01', '2001:db8::1'), na(T0 + 1e6, '02:aa:bb:cc:dd:ee', '2001:db8::1')]);
  // the later MAC is the suspect; it has no address of its own here (both sent from fe80::1), so no source: never the address taken
  assert.deepEqual(findings.map((f) => `${f.ruleId} ${f.srcIp}`), ['ndp.ip-conflict null']);
  assert.deepEqual(findings[0].evidence.macs, ['02:00:00:00:00:01', '02:aa:bb:cc:dd:ee']);
  assert.equal(findings[0].evidence.spooferMac, '02:aa:bb:cc:dd:ee');
});

test("parasite6: the gateway's address advertised later from the attacker's MAC names the attacker (its own link-local), never the gateway", async () => {
  // seen in the tools-l2 lab (6 December 2026): atk6-parasite6 answered the victim's solicitations for
  // the gateway fd66::1 with its own MAC; the finding's source was fd66::1, the gateway
  const GW = '02:00:00:00:00:01';
  const EVIL = '02:aa:bb:cc:dd:ee';
  const gwNa = { ts: T0, frame: ipFrame({ srcMac: GW, src: 'fd66::1', dst: 'fd66::11', ttl: 255, proto: 58, payload: neighborAdvertisementV6('fd66::1', GW) }) };
  // the attacker's kernel speaks from its own link-local (a router solicitation, an MLD report)
  const evilOwn = { ts: T0 + 1e5, frame: ipFrame({ srcMac: EVIL, src: 'fe80::aa:bbff:fecc:ddee', dst: 'ff02::2', ttl: 255, proto: 58, payload: new Uint8Array([133, 0, 0, 0, 0, 0, 0, 0]) }) };
  const spoofed = [1, 2, 3].map((i) => ({ ts: T0 + i * 1e6, frame: ipFrame({ srcMac: EVIL, src: 'fd66::1', dst: 'fd66::11', ttl: 255, proto: 58, payload: neighborAdvertisementV6('fd66::1', EVIL) }) }));
  const { findings } = await framesFindings([gwNa, evilOwn, ...spoofed]);
  assert.deepEqual(findings.map((f) => `${f.ruleId} ${f.srcIp}`), ['ndp.ip-conflict fe80::aa:bbff:fecc:ddee']);
  assert.deepEqual(findings[0].targets.ips, ['fd66::1']);
  assert.match(findings[0].reason, /02:aa:bb:cc:dd:ee \(fe80::aa:bbff:fecc:ddee's MAC\) sent 3 advertisements of it, the first after 02:00:00:00:00:01 had advertised it: NDP spoofing of fd66::1 by fe80::aa:bbff:fecc:ddee/);
  // without an address of its own: no source at all (the reason names its MAC)
  const bare = await framesFindings([gwNa, ...spoofed]);
  assert.deepEqual(bare.findings.map((f) => `${f.ruleId} ${f.srcIp}`), ['ndp.ip-conflict null']);
  assert.match(bare.findings[0].reason, /NDP spoofing of fd66::1 by 02:aa:bb:cc:dd:ee/);
});

test('ipv6_fragments.pcapng: its neighbor advertisement is read and raises nothing', { skip: skipWithoutShared('pcaps', 'ipv6_fragments.pcapng') }, async () => {
  assert.deepEqual((await captureFindings(sharedPath('pcaps', 'ipv6_fragments.pcapng') as string)).findings, []);
});
