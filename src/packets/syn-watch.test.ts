import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ipFrame, LINUX_SYN_OPTIONS, NMAP_SYN_OPTIONS, TCP, tcpSegment } from '../testing/frame-builder.js';
import { captureFindings, framesFindings } from '../testing/packet-findings.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';

const T0 = 1_700_000_000_000_000;
type Frames = { ts: number; frame: Uint8Array }[];

test('synscan.pcapng: 172.16.0.8 SYN-scans 64.13.134.52 (1,000 ports, none completed)', { skip: skipWithoutShared('pcaps', 'synscan.pcapng') }, async () => {
  const { findings } = await captureFindings(sharedPath('pcaps', 'synscan.pcapng') as string);
  const scans = findings.filter((f) => f.ruleId === 'packet.syn-scan');
  assert.equal(scans.length, 1, JSON.stringify(findings.map((f) => f.ruleId)));
  const s = scans[0];
  assert.equal(s.srcIp, '172.16.0.8');
  assert.deepEqual(s.targets.ips, ['64.13.134.52']);
  assert.equal(s.evidence.halfOpenTargets, 1000);
  assert.match(s.reason, /^172\.16\.0\.8 sent SYNs to 1,000 \(host, port\) targets on 1 host /, 'a count in words has its thousands separator');
  assert.equal(s.evidence.completedHandshakes, 0);
  // the open ports (22, 53, 80) answered SYN-ACK; 25, 70, 113, 31337 refused
  assert.equal(s.evidence.answeredThenNotCompleted, 3);
  assert.ok((s.evidence.refused as number) >= 4);
  // nmap's probes: an MSS option alone, every one of them
  assert.equal(s.evidence.bareSyns, s.evidence.halfOpen);
  assert.match(s.reason, /Every one of those SYNs carried no TCP option but an MSS, as the probes a scanner crafts do \(nmap -sS, masscan, zmap, hping3\)/);
  assert.equal(findings.filter((f) => f.ruleId === 'packet.syn-flood').length, 0);
  // a threshold above what the capture has: no finding
  const high = await captureFindings(sharedPath('pcaps', 'synscan.pcapng') as string, { synScan: { targets: 1000 } });
  assert.equal(high.findings.filter((f) => f.ruleId === 'packet.syn-scan').length, 0);
});

test('a scanner that resets after the SYN-ACK is a SYN scan; completed handshakes to as many ports are not', async () => {
  const frames: Frames = [];
  let t = T0;
  for (let port = 1; port <= 30; port++) {
    frames.push({ ts: (t += 1000), frame: ipFrame({ src: '10.0.0.66', dst: '10.0.0.10', proto: 6, payload: tcpSegment(50000, port, TCP.SYN, 100) }) });
    frames.push({ ts: (t += 1000), frame: ipFrame({ src: '10.0.0.10', dst: '10.0.0.66', proto: 6, payload: tcpSegment(port, 50000, TCP.SYN | TCP.ACK, 900, 101) }) });
    frames.push({ ts: (t += 1000), frame: ipFrame({ src: '10.0.0.66', dst: '10.0.0.10', proto: 6, payload: tcpSegment(50000, port, TCP.RST, 101) }) });
    // an ordinary client completing a handshake to the same port
    frames.push({ ts: (t += 1000), frame: ipFrame({ src: '10.0.0.7', dst: '10.0.0.10', proto: 6, payload: tcpSegment(40000 + port, port, TCP.SYN, 5) }) });
    frames.push({ ts: (t += 1000), frame: ipFrame({ src: '10.0.0.10', dst: '10.0.0.7', proto: 6, payload: tcpSegment(port, 40000 + port, TCP.SYN | TCP.ACK, 9, 6) }) });
    frames.push({ ts: (t += 1000), frame: ipFrame({ src: '10.0.0.7', dst: '10.0.0.10', proto: 6, payload: tcpSegment(40000 + port, port, TCP.ACK, 6, 10) }) });
  }
  const { findings } = await framesFindings(frames);
  assert.deepEqual(findings.map((f) => `${f.ruleId} ${f.srcIp}`), ['packet.syn-scan 10.0.0.66']);
  assert.equal(findings[0].evidence.resetBySource, 30);
  assert.equal(findings[0].evidence.answeredThenNotCompleted, 30);
  assert.equal(findings[0].targets.portCount, 30);
  assert.equal(findings[0].evidence.scanKind, 'syn');
  assert.match(findings[0].reason, /: a SYN \("half-open"\) scan/);
});

test('a connect scan (nmap -sT) is named one, not a SYN "half-open" scan; with no open port the kind is left open, unless the SYNs were crafted', async () => {
  // what nmap -sT -p 1-30 made in a namespace: each closed port refuses (RST-ACK), the open one
  // (port 22 here, probed after the first closed ports) completes the handshake and the scanner
  // closes it; its SYNs are the operating system's (connect()), with a Linux SYN's options
  const scan = (open: number | null, synOptions: Uint8Array = LINUX_SYN_OPTIONS): Frames => {
    const frames: Frames = [];
    let t = T0;
    const at = (src: string, dst: string, sp: number, dp: number, flags: number, seq = 0, ack = 0) => frames.push({ ts: (t += 1000), frame: ipFrame({ src, dst, proto: 6, payload: tcpSegment(sp, dp, flags, seq, ack, new Uint8Array(0), flags === TCP.SYN ? synOptions : new Uint8Array(0)) }) });
    for (let port = 1; port <= 30; port++) {
      const sp = 50000 + port;
      at('10.0.0.66', '10.0.0.10', sp, port, TCP.SYN, 100);
      if (port === open) {
        at('10.0.0.10', '10.0.0.66', port, sp, TCP.SYN | TCP.ACK, 900, 101);
        at('10.0.0.66', '10.0.0.10', sp, port, TCP.ACK, 101, 901);
        at('10.0.0.66', '10.0.0.10', sp, port, TCP.RST | TCP.ACK, 101, 901);
      } else at('10.0.0.10', '10.0.0.66', port, sp, TCP.RST | TCP.ACK, 0, 101);
    }
    return frames;
  };
  const connect = (await framesFindings(scan(22))).findings;
  assert.deepEqual(connect.map((f) => `${f.ruleId} ${f.srcIp}`), ['packet.syn-scan 10.0.0.66']);
  assert.equal(connect[0].evidence.scanKind, 'connect');
  assert.equal(connect[0].evidence.completedHandshakes, 1);
  assert.equal(connect[0].title, 'TCP connect scan (most handshakes refused or unanswered)');
  assert.match(connect[0].reason, /: a connect scan \(its open ports completed the handshake/);
  assert.doesNotMatch(connect[0].reason, /half-open/);
  const closed = (await framesFindings(scan(null))).findings;
  assert.equal(closed[0].evidence.scanKind, 'unknown');
  assert.equal(closed[0].evidence.bareSyns, 0);
  assert.equal(closed[0].title, 'Port scan by SYNs (handshakes refused or unanswered)');
  assert.doesNotMatch(closed[0].reason, /half-open|crafts/);
  // the same closed ports probed by nmap -sS (its probes: an MSS option alone): a SYN scanner's, said why
  const crafted = (await framesFindings(scan(null, NMAP_SYN_OPTIONS))).findings;
  assert.equal(crafted[0].evidence.scanKind, 'syn');
  assert.equal(crafted[0].evidence.bareSyns, 30);
  assert.equal(crafted[0].title, 'SYN scan (handshakes never completed)');
  assert.match(crafted[0].reason, /: a SYN \("half-open"\) scan \(more than 20\)\. Every one of those SYNs carried no TCP option but an MSS/);
});

test('600 half-open handshakes to one port from spoofed sources within 2 s are a SYN flood, not a scan', async () => {
  const frames: Frames = [];
  for (let i = 0; i < 600; i++) {
    const src = `198.51.${(i >> 8) & 255}.${i & 255}`;
    frames.push({ ts: T0 + i * 3000, frame: ipFrame({ src, dst: '203.0.113.5', proto: 6, payload: tcpSegment(1024 + i, 443, TCP.SYN, i) }) });
    frames.push({ ts: T0 + i * 3000 + 100, frame: ipFrame({ src: '203.0.113.5', dst: src, proto: 6, payload: tcpSegment(443, 1024 + i, TCP.SYN | TCP.ACK, 7, i + 1) }) });
  }
  const { findings } = await framesFindings(frames);
  assert.deepEqual(findings.map((f) => f.ruleId), ['packet.syn-flood']);
  const f = findings[0];
  assert.equal(f.srcIp, null);
  assert.deepEqual(f.targets.ips, ['203.0.113.5']);
  assert.deepEqual(f.targets.ports, [443]);
  assert.equal(f.evidence.halfOpen, 600);
  assert.equal(f.evidence.sources, 600);
  // hping3's SYNs: no TCP option at all
  assert.equal(f.evidence.bareSyns, 600);
  assert.match(f.reason, /: a SYN flood\. Every one of those SYNs carried no TCP option but an MSS, as a flood tool crafts them/);
  // an operating system's SYNs (a flash crowd's, a client stack's own flood) are not said to be crafted
  const stacked = frames.map((x, i) => (i % 2 ? x : { ...x, frame: ipFrame({ src: `198.51.${((i / 2) >> 8) & 255}.${(i / 2) & 255}`, dst: '203.0.113.5', proto: 6, payload: tcpSegment(1024 + i / 2, 443, TCP.SYN, i / 2, 0, new Uint8Array(0), LINUX_SYN_OPTIONS) }) }));
  const os = (await framesFindings(stacked)).findings[0];
  assert.equal(os.evidence.halfOpen, 600);
  assert.equal(os.evidence.bareSyns, 0);
  assert.doesNotMatch(os.reason, /crafts/);
  // the same traffic with a higher threshold: nothing
  assert.deepEqual((await framesFindings(frames, { synFlood: { halfOpen: 600 } })).findings, []);
});

test('a full pending table drops its oldest attempts and says so', async () => {
  const frames: Frames = [];
  for (let i = 0; i < 300; i++) frames.push({ ts: T0 + i, frame: ipFrame({ src: `192.0.2.${i % 200}`, dst: '203.0.113.9', proto: 6, payload: tcpSegment(2000 + i, 80, TCP.SYN) }) });
  const { warnings } = await framesFindings(frames, { limits: { maxGroupsPerRule: 100 } });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /entries dropped because a table was full \(rules\.limits\.maxGroupsPerRule 100\)/);
});

test('a full flood-target table drops its oldest target, which reports the flood it saw; the target comes back as new', async () => {
  const frames: Frames = [];
  let t = T0;
  // 600 half-open handshakes to 203.0.113.5:443 from spoofed sources (a flood: more than 500)
  for (let i = 0; i < 600; i++) frames.push({ ts: (t += 1000), frame: ipFrame({ src: `198.51.${(i >> 8) & 255}.${i & 255}`, dst: '203.0.113.5', proto: 6, payload: tcpSegment(1024 + i, 443, TCP.SYN) }) });
  // then 200 other targets, one SYN each from its own source: the 100 pending flood SYNs are evicted
  // as half-open, then the others, and the 100th other target pushes the flood target out
  for (let i = 0; i < 200; i++) frames.push({ ts: (t += 1000), frame: ipFrame({ src: `192.0.2.${i & 255}`, dst: `203.0.113.${100 + (i >> 6)}`, proto: 6, payload: tcpSegment(3000 + i, 1000 + i, TCP.SYN) }) });
  // ten more to the flood target: a new entry, far below the threshold
  for (let i = 0; i < 10; i++) frames.push({ ts: (t += 1000), frame: ipFrame({ src: `198.18.0.${i}`, dst: '203.0.113.5', proto: 6, payload: tcpSegment(5000 + i, 443, TCP.SYN) }) });
  const { findings, warnings } = await framesFindings(frames, { limits: { maxGroupsPerRule: 100 } });
  const floods = findings.filter((f) => f.ruleId === 'packet.syn-flood');
  assert.equal(floods.length, 1, JSON.stringify(findings.map((f) => f.ruleId)));
  // 600, not 610: the later ten went to a new entry after the old one was dropped and reported
  assert.equal(floods[0].evidence.halfOpen, 600);
  assert.equal(floods[0].evidence.sources, 600);
  assert.equal(floods[0].evidence.sourcesCapped, false);
  assert.deepEqual(floods[0].targets.ips, ['203.0.113.5']);
  assert.equal(warnings.length, 1);
});

test('a scan counts its distinct targets up to limits.maxTrackedDistinct, then says "+"; a new episode of the same source counts afresh', async () => {
  const frames: Frames = [];
  let t = T0;
  // episode 1: 40 distinct (host, port) targets, each twice (the repeats are not new targets)
  for (let rep = 0; rep < 2; rep++) for (let i = 0; i < 40; i++) frames.push({ ts: (t += 1000), frame: ipFrame({ src: '10.9.9.9', dst: `10.1.0.${1 + (i & 3)}`, proto: 6, payload: tcpSegment(40000 + rep * 100 + i, 100 + i, TCP.SYN) }) });
  // 2 minutes later (more than the 60 s window): episode 2, 25 of the same targets
  t += 120e6;
  for (let i = 0; i < 25; i++) frames.push({ ts: (t += 1000), frame: ipFrame({ src: '10.9.9.9', dst: `10.1.0.${1 + (i & 3)}`, proto: 6, payload: tcpSegment(50000 + i, 100 + i, TCP.SYN) }) });
  const exact = (await framesFindings(frames)).findings.filter((f) => f.ruleId === 'packet.syn-scan');
  assert.deepEqual(exact.map((f) => f.evidence.halfOpenTargets), [40, 25]);
  assert.deepEqual(exact.map((f) => f.evidence.halfOpen), [80, 25]);
  assert.doesNotMatch(exact[0].reason, /40\+/);
  const capped = (await framesFindings(frames, { synScan: { targets: 10 }, limits: { maxTrackedDistinct: 16 } })).findings.filter((f) => f.ruleId === 'packet.syn-scan');
  assert.deepEqual(capped.map((f) => f.evidence.halfOpenTargets), [16, 16]);
  assert.match(capped[0].reason, /sent SYNs to 16\+ \(host, port\) targets/);
});
