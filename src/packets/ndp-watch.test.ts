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
  assert.deepEqual(findings.map((f) => `${f.ruleId} ${f.srcIp}`), ['ndp.ip-conflict 2001:db8::1']);
  assert.deepEqual(findings[0].evidence.macs, ['02:00:00:00:00:01', '02:aa:bb:cc:dd:ee']);
});

test('ipv6_fragments.pcapng: its neighbor advertisement is read and raises nothing', { skip: skipWithoutShared('pcaps', 'ipv6_fragments.pcapng') }, async () => {
  assert.deepEqual((await captureFindings(sharedPath('pcaps', 'ipv6_fragments.pcapng') as string)).findings, []);
});
