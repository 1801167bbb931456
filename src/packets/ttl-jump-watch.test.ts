import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipFrame, TCP, tcpSegment } from '../testing/frame-builder.js';
import { framesFindings } from '../testing/packet-findings.js';

const T0 = 1_700_000_000_000_000;

/** One established connection 10.0.0.7:41000 → 93.184.216.34:80; the server's segments arrive with `serverTtls`. */
function connection(serverTtls: number[], lastFlags: number = TCP.ACK) {
  const c = { src: '10.0.0.7', dst: '93.184.216.34' };
  const frames = [
    { ts: T0, frame: ipFrame({ ...c, ttl: 64, proto: 6, payload: tcpSegment(41000, 80, TCP.SYN, 1) }) },
    { ts: T0 + 10_000, frame: ipFrame({ src: c.dst, dst: c.src, ttl: serverTtls[0], proto: 6, payload: tcpSegment(80, 41000, TCP.SYN | TCP.ACK, 500, 2) }) },
    { ts: T0 + 20_000, frame: ipFrame({ ...c, ttl: 64, proto: 6, payload: tcpSegment(41000, 80, TCP.ACK, 2, 501) }) },
  ];
  serverTtls.forEach((ttl, i) => {
    const last = i === serverTtls.length - 1;
    frames.push({ ts: T0 + 30_000 + i * 1000, frame: ipFrame({ src: c.dst, dst: c.src, ttl, proto: 6, payload: tcpSegment(80, 41000, last ? lastFlags : TCP.ACK | TCP.PSH, 501 + i * 100, 2, new Uint8Array(100)) }) });
  });
  return frames;
}

test('a RST injected into a connection with another initial TTL class is a TTL jump', async () => {
  const { findings } = await framesFindings(connection([52, 52, 52, 116], TCP.RST | TCP.ACK));
  assert.deepEqual(findings.map((f) => `${f.ruleId} ${f.srcIp}`), ['packet.ttl-jump 93.184.216.34']);
  const f = findings[0];
  assert.equal(f.evidence.initialTtlClassChanged, true);
  assert.equal(f.evidence.resets, 1);
  assert.deepEqual(f.evidence.ttlsSeen, [52, 116]);
  assert.deepEqual(f.targets.ips, ['10.0.0.7']);
});

test('within one class: more than maxHopChange hops is a jump, a one-hop wobble is not', async () => {
  assert.deepEqual((await framesFindings(connection([52, 51, 52, 53]))).findings, []);
  const jump = await framesFindings(connection([52, 52, 60]));
  assert.equal(jump.findings.length, 1);
  assert.equal(jump.findings[0].evidence.maxHopChange, 8);
  assert.deepEqual((await framesFindings(connection([52, 52, 60]), { ttlJump: { maxHopChange: 8 } })).findings, []);
});

test('SYNs with random TTLs (nmap) and the same TTL variety across different connections are not jumps', async () => {
  const frames = [];
  for (let i = 0; i < 20; i++) {
    frames.push({ ts: T0 + i * 1000, frame: ipFrame({ src: '10.0.0.66', dst: '10.0.0.10', ttl: 37 + i, proto: 6, payload: tcpSegment(36050, 1000 + i, TCP.SYN) }) });
    // separate connections of one host, each at its own TTL
    frames.push({ ts: T0 + i * 1000 + 500, frame: ipFrame({ src: '10.0.0.8', dst: '10.0.0.10', ttl: 40 + 4 * i, proto: 6, payload: tcpSegment(30000 + i, 443, TCP.ACK, 5, 5) }) });
  }
  const { findings } = await framesFindings(frames);
  assert.deepEqual(findings.filter((f) => f.ruleId === 'packet.ttl-jump'), []);
});

test('a full direction table drops the oldest direction: its jump is not seen, a kept one\'s is (and the drops are counted)', async () => {
  const server = { src: '93.184.216.34', dst: '10.0.0.7' };
  const frames = [];
  // 150 connections' server directions, one segment each, oldest first; the table keeps 100
  for (let i = 0; i < 150; i++) frames.push({ ts: T0 + i * 1000, frame: ipFrame({ ...server, ttl: 52, proto: 6, payload: tcpSegment(80, 40000 + i, TCP.ACK, 1, 1) }) });
  // another machine's segments (initial TTL 128) in the first (dropped) and the last (kept) connection
  frames.push({ ts: T0 + 200_000, frame: ipFrame({ ...server, ttl: 116, proto: 6, payload: tcpSegment(80, 40000, TCP.ACK | TCP.RST, 2, 1) }) });
  frames.push({ ts: T0 + 201_000, frame: ipFrame({ ...server, ttl: 116, proto: 6, payload: tcpSegment(80, 40149, TCP.ACK | TCP.RST, 2, 1) }) });
  const { findings, warnings } = await framesFindings(frames, { limits: { maxGroupsPerRule: 100 } });
  const jumps = findings.filter((f) => f.ruleId === 'packet.ttl-jump');
  assert.equal(jumps.length, 1);
  assert.equal(jumps[0].evidence.connections, 1);
  assert.match(String(jumps[0].evidence.example), /:80 → 10\.0\.0\.7:40149: TTL 52 then 116/);
  // 50 dropped by the first 150, one more when the first connection came back
  assert.ok(warnings.some((w) => w.includes('51 entries dropped')), warnings.join(' | '));
});

test('a direction dropped from a full table and seen again starts afresh, and does not take the place of the one that took its entry', async () => {
  // (a dropped direction's table entry is handed on to the next new one: the dropped direction must
  // not be found in it, nor displace the direction now holding it)
  let i = 0;
  const seg = (server: string, ttl: number, port = 40000) => ({ ts: T0 + i++ * 1000, frame: ipFrame({ src: server, dst: '10.0.0.7', ttl, proto: 6, payload: tcpSegment(80, port, TCP.ACK, i, 1) }) });
  const [a, b, c] = ['93.184.216.1', '93.184.216.2', '93.184.216.3'];
  const frames = [seg(a, 52), seg(b, 52)];
  // the table keeps 100: 98 more fill it, then c drops a, and a (afresh, at 116) drops b; c's own jump is seen
  for (let k = 0; k < 98; k++) frames.push(seg('93.184.216.9', 52, 41000 + k));
  frames.push(seg(a, 52), seg(c, 52), seg(a, 116), seg(c, 116), seg(a, 116));
  const { findings } = await framesFindings(frames, { limits: { maxGroupsPerRule: 100 } });
  assert.deepEqual(findings.filter((f) => f.ruleId === 'packet.ttl-jump').map((f) => f.srcIp), [c]);
});

test('nmap -O\'s bare ACK probes from one port, each refused by a RST, are no connection and no jump; an injected RST still is one', async () => {
  // what tcpdump showed of nmap 7.93 -O against an open port 80: the same source port, a random TTL
  // on each ACK probe, the target's RST (no ACK: no such connection) after each
  const frames = [45, 58, 51, 56, 38].flatMap((ttl, i) => [
    { ts: T0 + i * 100_000, frame: ipFrame({ src: '10.88.0.66', dst: '10.88.0.1', ttl, proto: 6, payload: tcpSegment(38401, 80, TCP.ACK, 1000 + i, 2000) }) },
    { ts: T0 + i * 100_000 + 50, frame: ipFrame({ src: '10.88.0.1', dst: '10.88.0.66', ttl: 64, proto: 6, payload: tcpSegment(80, 38401, TCP.RST, 2000) }) },
  ]);
  assert.deepEqual((await framesFindings(frames)).findings.filter((f) => f.ruleId === 'packet.ttl-jump'), []);
  // a RST ends what is judged only after it is judged itself
  const injected = await framesFindings(connection([52, 52, 116], TCP.RST | TCP.ACK));
  assert.deepEqual(injected.findings.map((f) => `${f.ruleId} ${f.srcIp}`), ['packet.ttl-jump 93.184.216.34']);
});
