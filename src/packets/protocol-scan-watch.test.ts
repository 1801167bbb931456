/**
 * `packet.protocol-scan`: packets of many IP protocols other than TCP, UDP and ICMP from one source
 * to one host (nmap -sO), which no rule saw (they have no ports). The real nmap -sO is in
 * src/cli/verbs/attack-tools-live.test.ts; here the threshold, the "protocol unreachable" answers
 * counted, IPv6, and hosts that speak a few such protocols (a tunnel, a router) left alone.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { icmpMessage, ipFrame, TCP, tcpSegment, udpDatagram } from '../testing/frame-builder.js';
import { framesFindings } from '../testing/packet-findings.js';

const T0 = 1_700_000_000_000_000;
/** protocol numbers nmap -sO tries first, none of them TCP, UDP, ICMP or ICMPv6 */
const OTHER = [2, 3, 4, 5, 8, 9, 12, 18, 27, 31, 36, 41, 47, 50, 51, 89, 103, 112, 132, 255];

/** one empty packet of each protocol from `src` to `dst`; the host answers "unreachable" for those in `refused` */
function probes(src: string, dst: string, protocols: readonly number[], refused: readonly number[] = []) {
  const v6 = src.includes(':');
  const frames: { ts: number; frame: Uint8Array }[] = [];
  protocols.forEach((proto, i) => {
    const at = T0 + i * 5000;
    const packet = ipFrame({ src, dst, proto, payload: new Uint8Array(0) });
    frames.push({ ts: at, frame: packet });
    if (!refused.includes(proto)) return;
    // the answer quotes the probe's IP header (ICMPv6: parameter problem, unrecognized next header, pointing at it)
    const quoted = packet.subarray(14);
    const rest = Buffer.concat([Buffer.from(v6 ? [0, 0, 0, 6] : [0, 0, 0, 0]), quoted]);
    frames.push({ ts: at + 30, frame: ipFrame({ src: dst, dst: src, proto: v6 ? 58 : 1, payload: v6 ? icmpMessage(4, 1, rest) : icmpMessage(3, 2, rest) }) });
  });
  return frames;
}

const scans = async (frames: Parameters<typeof framesFindings>[0]) => (await framesFindings(frames)).findings.filter((f) => f.ruleId === 'packet.protocol-scan');

test('packets of 20 IP protocols to one host are a protocol scan, naming prober, host, protocols and the host\'s answers', async () => {
  const found = await scans(probes('10.88.0.66', '10.88.0.1', OTHER, [2, 3, 4, 5, 8, 9]));
  assert.equal(found.length, 1);
  const f = found[0];
  assert.equal(f.srcIp, '10.88.0.66');
  assert.deepEqual(f.targets.ips, ['10.88.0.1']);
  assert.equal(f.category, 'reconnaissance');
  assert.equal(f.evidence.protocols, 20);
  assert.equal(f.evidence.unreachable, 6);
  assert.deepEqual((f.evidence.protocolsSample as number[]).slice(0, 3), [2, 3, 4]);
  assert.match(f.reason, /^10\.88\.0\.66 sent packets of 20 IP protocols other than TCP, UDP and ICMP \(2, 3, 4, .*\) to 10\.88\.0\.1 in 0\.1 s; it answered "protocol unreachable" 6 times: an IP protocol scan \(nmap -sO\)/);
  // the host's answers make it no one's scanner
  assert.ok(!(await framesFindings(probes('10.88.0.66', '10.88.0.1', OTHER, OTHER))).findings.some((x) => x.srcIp === '10.88.0.1'));
});

test('more than 5 protocols is the threshold; IPv6 next headers count the same, answered by parameter problems', async () => {
  assert.deepEqual(await scans(probes('10.88.0.66', '10.88.0.1', OTHER.slice(0, 5))), []);
  assert.equal((await scans(probes('10.88.0.66', '10.88.0.1', OTHER.slice(0, 6)))).length, 1);
  // (not 51: after an IPv6 header, AH is an extension header, and one with no bytes is malformed)
  const v6 = await scans(probes('2001:db8::66', '2001:db8::1', [2, 4, 41, 47, 50, 89, 103, 112, 132], [2, 4]));
  assert.equal(v6.length, 1);
  assert.equal(v6[0].srcIp, '2001:db8::66');
  assert.equal(v6[0].evidence.protocols, 9);
  assert.equal(v6[0].evidence.unreachable, 2);
});

test('a tunnel and a router (GRE, ESP, AH, IGMP, OSPF, VRRP, PIM towards several hosts) and ordinary TCP and UDP are no protocol scan', async () => {
  const frames: { ts: number; frame: Uint8Array }[] = [];
  for (let i = 0; i < 50; i++) {
    const at = T0 + i * 100_000;
    for (const [proto, dst] of [[47, '10.88.0.2'], [50, '10.88.0.2'], [51, '10.88.0.2'], [2, '224.0.0.22'], [89, '224.0.0.5'], [112, '224.0.0.18'], [103, '224.0.0.13']] as const) {
      frames.push({ ts: at + proto, frame: ipFrame({ src: '10.88.0.1', dst, proto, payload: new Uint8Array(24) }) });
    }
    frames.push({ ts: at + 500, frame: ipFrame({ src: '10.88.0.1', dst: '10.88.0.2', proto: 6, payload: tcpSegment(40000 + i, 443, TCP.SYN) }) });
    frames.push({ ts: at + 600, frame: ipFrame({ src: '10.88.0.1', dst: '10.88.0.2', proto: 17, payload: udpDatagram(50000 + i, 53, new Uint8Array(30)) }) });
  }
  assert.deepEqual(await scans(frames), []);
});
