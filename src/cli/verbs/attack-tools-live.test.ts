/**
 * The tools attackers and pentesters use, run for real in two network namespaces this test creates
 * (unique names with its pid; a veth pair): nmap and hping3 against an echo server, judged by
 * `netsentinel capture` live and by `analyze` of a tcpdump capture. Our own scanners made every
 * packet the other tests read; nmap crafts its probes (a random TTL on each, 37 to 59), and that
 * alone made every nmap scan "another machine using the address" (spoofing.ttl-hop-change), and
 * its connect scan "a SYN (half-open) scan"; hping3's ping flood raised nothing. Needs root, nmap, hping3, tcpdump and iproute2:
 * skipped, saying why, without them, except under CI=true where they must be there. About 15 s.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Background, namespacePair, sleep } from '../../testing/live-namespaces.js';
import { liveCaptureTest } from '../../testing/live-capture-test.js';

const { main, dir, baselineFile, skip } = liveCaptureTest('ns-attack-tools-');
const skipLive = (...programs: string[]): string | false => skip(programs, 'nmap, hping3, tcpdump, iproute2; installed by .ci/run');

type Line = Record<string, any>;
const parse = (out: string): Line[] => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line);

/** Run a tool inside a namespace to its end (hping3 exits 1 when nothing answers: not a failure here). */
function tool(argv: string[]): void {
  const r = spawnSync('ip', argv, { encoding: 'utf8', timeout: 60000 });
  if (r.error) throw r.error;
  assert.ok(r.status === 0 || argv.includes('hping3'), `${argv.join(' ')}: ${r.stderr}`);
}

test('live: nmap -sS is a SYN scan, hping3 -S a SYN flood and hping3 -1 a ping flood, each naming the attacker; no TTL "spoofing", the victim never a source', { skip: skipLive('nmap', 'hping3', 'tcpdump', 'ip') }, async () => {
  const net = namespacePair('tl3', dir);
  let server: Background | undefined;
  let cap: Background | undefined;
  try {
    server = await net.serve();
    cap = new Background(spawn('ip', net.inNs(net.nsA, process.execPath, main, 'capture', '-i', net.vethA, '-b', baselineFile, '--json', '--batch-seconds', '1', '--store', 'none')));
    await cap.waitFor('err', /nothing is kept on disk.*\n/, 30000);
    // the attacker's own ordinary traffic first (TTL 64 at 0 hops), then nmap's crafted probes
    net.fromB('talk', net.ipA, '8080', '5');
    net.fromB('udp', net.ipA, '5353', '3');
    tool(net.inNs(net.nsB, 'nmap', '-n', '-Pn', '-sS', '-p', '1-200', '--max-retries', '1', net.ipA));
    await cap.waitFor('out', /"event_type":"finding_opened".*"rule":"packet\.syn-scan"/, 30000);
    // 1,500 SYNs to the open port 8080: answered, then reset by the attacker's kernel (hping3's raw socket is no connection)
    tool(net.inNs(net.nsB, 'hping3', '-q', '-S', '-p', '8080', '-c', '1500', '--faster', net.ipA));
    await cap.waitFor('out', /"event_type":"finding_opened".*"rule":"packet\.syn-flood"/, 30000);
    // a ping flood: 3,000 echo requests in a fraction of a second, one flow (the packet-flood rule wants 10,000 a second for 10 s)
    tool(net.inNs(net.nsB, 'hping3', '-q', '-1', '-c', '3000', '--faster', net.ipA));
    await cap.waitFor('out', /"event_type":"finding_opened".*"rule":"packet\.icmp-flood"/, 30000);
    await sleep(1500);
    cap.child.kill('SIGINT');
    assert.equal(await cap.exited, 0, cap.err);
    const lines = parse(cap.out);
    const alerts = lines.filter((l) => l.event_type === 'alert' && l.netsentinel?.rule);
    const rules = alerts.map((l) => `${l.netsentinel.rule} ${l.src_ip ?? '-'}`);
    const scan = alerts.find((l) => l.netsentinel.rule === 'packet.syn-scan');
    assert.ok(scan, rules.join('; '));
    assert.equal(scan.src_ip, net.ipB);
    assert.equal(scan.netsentinel.evidence.scanKind, 'syn');
    assert.ok(scan.netsentinel.evidence.halfOpenTargets >= 200, JSON.stringify(scan.netsentinel.evidence));
    assert.match(scan.netsentinel.reasons[0], /: a SYN \("half-open"\) scan/);
    const flood = alerts.find((l) => l.netsentinel.rule === 'packet.syn-flood');
    assert.ok(flood, rules.join('; '));
    assert.equal(flood.src_ip, net.ipB);
    assert.deepEqual(flood.netsentinel.targets.ports, [8080]);
    assert.ok(flood.netsentinel.evidence.halfOpen > 500, JSON.stringify(flood.netsentinel.evidence));
    const ping = alerts.find((l) => l.netsentinel.rule === 'packet.icmp-flood');
    assert.ok(ping, rules.join('; '));
    assert.equal(ping.src_ip, net.ipB);
    assert.ok(ping.netsentinel.evidence.requests > 1000, JSON.stringify(ping.netsentinel.evidence));
    // nmap's random TTLs are no second machine behind 10.77.0.2
    assert.ok(!rules.some((r) => r.startsWith('spoofing.ttl-hop-change')), rules.join('; '));
    // nothing names the server as a source
    assert.ok(!alerts.some((l) => l.src_ip === net.ipA), rules.join('; '));
  } finally {
    cap?.child.kill('SIGKILL');
    server?.child.kill('SIGKILL');
    await server?.exited;
    net.remove();
  }
});

test('analyze of tcpdump captures: nmap -sT is a connect scan, nmap -sF a FIN scan, nmap -sS -f a SYN scan in tiny fragments, nmap -sO a protocol scan, nmap -O a SYN scan, none a TTL jump; nmap -sU names the scanner, not its target', { skip: skipLive('nmap', 'tcpdump', 'ip') }, async () => {
  const net = namespacePair('tl3f', dir, { subnet: '10.78.0' });
  let server: Background | undefined;
  try {
    server = await net.serve();
    let dumpErr = '';
    const judge = async (name: string, nmap: string[], ports = '1-200,8080'): Promise<Line> => {
      const pcap = join(dir, `${name}.pcap`);
      const dump = new Background(spawn('ip', net.inNs(net.nsA, 'tcpdump', '-U', '--immediate-mode', '-s', '200', '-B', '16384', '-n', '-Z', 'root', '-i', net.vethA, '-w', pcap)));
      await dump.waitFor('err', /listening on/, 20000);
      net.fromB('talk', net.ipA, '8080', '3');
      // ports in order (-r): the open 8080 comes after the scan's first refusals, so its completed handshake counts in the episode
      tool(net.inNs(net.nsB, 'nmap', '-n', '-Pn', '-r', ...nmap, '-p', ports, '--max-retries', '1', net.ipA));
      // tcpdump may lag behind on a loaded machine, and what it has not read when it stops is lost
      // (a connect scan of 37 ports was left): a last UDP query after the scan, and the stop once
      // tcpdump has written it (it writes in order, so every packet before it is in the file)
      net.fromB('udp', net.ipA, '5353', '1');
      for (const until = Date.now() + 20000; !readFileSync(pcap).includes('query 0') && Date.now() < until; ) await sleep(100);
      dump.child.kill('SIGINT');
      await dump.exited;
      dumpErr = dump.err;
      // the kernel's ring holds the scan even when tcpdump falls behind on a loaded machine: its slots
      // are one snap length each, so at the default 262,144 bytes 2 MB were 8 packets (-s 200, -B 16 MB)
      assert.match(dump.err, /\n0 packets dropped by kernel/, dump.err);
      assert.match(dump.err, /[1-9]\d* packets? captured/, dump.err);
      const r = spawnSync(process.execPath, [main, 'analyze', pcap, '-b', baselineFile, '--store', 'none', '-q', '--no-report', '-o', join(dir, `${name}-out`), '--json'], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout) as Line;
    };
    const connect = await judge('connect', ['-sT']);
    const scanner = (connect.riskyIps as Line[]).find((x) => x.ip === net.ipB);
    assert.ok(scanner, JSON.stringify({ flows: connect.flows, findings: connect.findingsByRule, risky: connect.riskyIps }));
    assert.ok(scanner.rules.includes('packet.syn-scan'), JSON.stringify({ rules: scanner.rules, capture: connect.capture, findings: connect.findingsByRule }));
    assert.ok(!scanner.rules.includes('spoofing.ttl-hop-change'), JSON.stringify(scanner.rules));
    const said = (scanner.reasons as string[]).find((x) => x.includes('(host, port) targets'));
    assert.match(said ?? '', /: a connect scan \(its open ports completed the handshake/, JSON.stringify({ reasons: scanner.reasons, findings: connect.findingsByRule, capture: connect.capture }));
    assert.ok(!(connect.riskyIps as Line[]).some((x) => x.ip === net.ipA && x.rules.length > 0), JSON.stringify(connect.riskyIps));
    const fin = await judge('fin', ['-sF']);
    const finScanner = (fin.riskyIps as Line[]).find((x) => x.ip === net.ipB);
    assert.ok(finScanner, JSON.stringify(fin.riskyIps));
    assert.ok(finScanner.rules.includes('port-scan.vertical'), JSON.stringify(finScanner.rules));
    // and named for what it is: FIN probes no connection sends
    assert.ok(finScanner.rules.includes('packet.stealth-scan'), JSON.stringify({ rules: finScanner.rules, capture: fin.capture, findings: fin.findingsByRule, dump: dumpErr }));
    assert.ok((finScanner.reasons as string[]).some((x) => /^10\.78\.0\.2 sent \d+ TCP segments with none of SYN, ACK and RST \(\d+ FIN\)/.test(x)), JSON.stringify(finScanner.reasons));
    assert.ok(!finScanner.rules.includes('spoofing.ttl-hop-change'), JSON.stringify(finScanner.rules));
    // a SYN scan in 8-byte fragments (its flags in each probe's second fragment): still a SYN scan, and
    // the fragmenting said; its first fragments were refused as malformed and the scan went unseen
    const frag = await judge('frag', ['-sS', '-f']);
    const fragScanner = (frag.riskyIps as Line[]).find((x) => x.ip === net.ipB);
    assert.ok(fragScanner, JSON.stringify({ risky: frag.riskyIps, capture: frag.capture }));
    for (const rule of ['packet.syn-scan', 'packet.tiny-fragment', 'port-scan.vertical']) assert.ok(fragScanner.rules.includes(rule), JSON.stringify({ rule, rules: fragScanner.rules, capture: frag.capture, findings: frag.findingsByRule }));
    assert.ok(!fragScanner.rules.includes('spoofing.ttl-hop-change'), JSON.stringify(fragScanner.rules));
    assert.ok(!(frag.riskyIps as Line[]).some((x) => x.ip === net.ipA && x.rules.length > 0), JSON.stringify(frag.riskyIps));
    assert.equal(frag.capture.skippedByReason.malformed, 0, JSON.stringify(frag.capture));
    // OS detection: its UDP probe and ICMP echoes carry data and one random TTL, and read as "another machine using the address"
    const os = await judge('os', ['-O']);
    const osScanner = (os.riskyIps as Line[]).find((x) => x.ip === net.ipB);
    assert.ok(osScanner, JSON.stringify({ risky: os.riskyIps, findings: os.findingsByRule }));
    assert.ok(osScanner.rules.includes('packet.syn-scan'), JSON.stringify({ rules: osScanner.rules, findings: os.findingsByRule }));
    assert.ok(!osScanner.rules.includes('spoofing.ttl-hop-change'), JSON.stringify({ rules: osScanner.rules, findings: os.findingsByRule }));
    // an IP protocol scan: packets without ports, which no rule saw
    // (protocol numbers: 1-60; the kernel's rate limit on its ICMP answers makes nmap slow down past a few dozen)
    const proto = await judge('proto', ['-sO'], '1-60');
    const protoScanner = (proto.riskyIps as Line[]).find((x) => x.ip === net.ipB);
    assert.ok(protoScanner, JSON.stringify({ risky: proto.riskyIps, findings: proto.findingsByRule }));
    assert.ok(protoScanner.rules.includes('packet.protocol-scan'), JSON.stringify({ rules: protoScanner.rules, findings: proto.findingsByRule }));
    assert.ok((protoScanner.reasons as string[]).some((x) => /^10\.78\.0\.2 sent packets of \d+ IP protocols other than TCP, UDP and ICMP .* to 10\.78\.0\.1 .*: an IP protocol scan/.test(x)), JSON.stringify(protoScanner.reasons));
    // a UDP scan: the target answers closed ports with port unreachables, an ICMP flow of its own
    // that made it a risky source; it answers the scanner, who is the one named
    const udp = await judge('udp', ['-sU', '-T5'], '1-100');
    const udpScanner = (udp.riskyIps as Line[]).find((x) => x.ip === net.ipB);
    assert.ok(udpScanner?.rules.includes('port-scan.vertical'), JSON.stringify({ risky: udp.riskyIps, findings: udp.findingsByRule }));
    assert.ok(!(udp.riskyIps as Line[]).some((x) => x.ip === net.ipA), JSON.stringify(udp.riskyIps));
  } finally {
    server?.child.kill('SIGKILL');
    await server?.exited;
    net.remove();
  }
});
