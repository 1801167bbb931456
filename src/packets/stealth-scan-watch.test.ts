/**
 * `packet.stealth-scan`: TCP segments with none of SYN, ACK and RST (nmap -sF, -sN, -sX), which no
 * connection sends. The real nmap -sF is in src/cli/verbs/attack-tools-live.test.ts; here the kinds,
 * the threshold, and ordinary connections (every segment after the SYN carries an ACK) left alone.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipFrame, TCP, tcpSegment } from '../testing/frame-builder.js';
import { framesFindings } from '../testing/packet-findings.js';

const T0 = 1_700_000_000_000_000;
const FIN = TCP.FIN;
const PSH = TCP.PSH;
const URG = 0x20;

/** `flags` probes from 10.88.0.66 to ports 1..n of 10.88.0.1, each closed port answering RST-ACK */
function probes(flags: number, n: number) {
  const frames = [];
  for (let port = 1; port <= n; port++) {
    frames.push({ ts: T0 + port * 1000, frame: ipFrame({ src: '10.88.0.66', dst: '10.88.0.1', proto: 6, payload: tcpSegment(40000, port, flags, 7) }) });
    frames.push({ ts: T0 + port * 1000 + 20, frame: ipFrame({ src: '10.88.0.1', dst: '10.88.0.66', proto: 6, payload: tcpSegment(port, 40000, TCP.RST | TCP.ACK, 0, 8) }) });
  }
  return frames;
}

const stealth = async (frames: Parameters<typeof framesFindings>[0]) => (await framesFindings(frames)).findings.filter((f) => f.ruleId === 'packet.stealth-scan');

test('FIN, NULL and Xmas probes to more than 20 targets are a stealth scan naming the prober and the kind', async () => {
  for (const [flags, kind] of [[FIN, 'fin'], [0, 'null'], [FIN | PSH | URG, 'xmas']] as const) {
    const found = await stealth(probes(flags, 21));
    assert.equal(found.length, 1, kind);
    assert.equal(found[0].srcIp, '10.88.0.66');
    assert.equal(found[0].evidence.targets, 21);
    assert.equal(found[0].evidence[kind], 21, kind);
    assert.equal(found[0].targets.portCount, 21);
    assert.match(found[0].reason, /^10\.88\.0\.66 sent 21 TCP segments with none of SYN, ACK and RST .*: a FIN\/NULL\/Xmas scan/);
    assert.deepEqual(await stealth(probes(flags, 20)), [], `${kind}: 20 targets are not more than 20`);
  }
});

test('ordinary connections, their FINs and RSTs included, are no stealth scan', async () => {
  const frames: { ts: number; frame: Uint8Array }[] = [];
  for (let i = 0; i < 40; i++) {
    const [c, s, cp] = ['10.88.0.20', '10.88.0.1', 41000 + i];
    const at = (src: string, dst: string, sp: number, dp: number, flags: number) => frames.push({ ts: T0 + frames.length * 100, frame: ipFrame({ src, dst, proto: 6, payload: tcpSegment(sp, dp, flags, 1, 1) }) });
    at(c, s, cp, 80, TCP.SYN);
    at(s, c, 80, cp, TCP.SYN | TCP.ACK);
    at(c, s, cp, 80, TCP.ACK);
    at(c, s, cp, 80, TCP.ACK | PSH);
    at(s, c, 80, cp, TCP.FIN | TCP.ACK);
    at(c, s, cp, 80, i % 2 ? TCP.RST : TCP.FIN | TCP.ACK);
  }
  assert.deepEqual(await stealth(frames), []);
});
