/**
 * `netsentinel capture` for real: tcpdump on a veth pair between two network namespaces this test
 * creates, ordinary traffic and a TCP port scan made from one namespace, the capture stopped by
 * SIGINT; the flows, the scan finding naming the scanner, the outputs and the rotated pcap files
 * are checked. Also: `tcpdump -i any` captures (Linux cooked v1 and v2) of loopback traffic the
 * test makes, read by `netsentinel flows`, against `tshark -q -z conv,tcp` on the same files; and
 * the error paths (no program on PATH, no such interface, a bad filter, no permission).
 *
 * Needs root (namespaces, capturing) and tcpdump/tshark/ip: skipped, saying why, without them,
 * except under CI=true where they must be there.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer, connect, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { run } from '../../testing/programs.js';
import { Background, namespacePair, sleep } from '../../testing/live-namespaces.js';
import { sharedPath } from '../../testing/shared-data.js';
import { liveCaptureTest, stopJsonCapture } from '../../testing/live-capture-test.js';

const { main, dir, baselineFile, skip } = liveCaptureTest('ns-capture-');
const skipLive = (...programs: string[]): string | false => skip(programs, 'tcpdump, tshark, iproute2');
const benign = sharedPath('datasets', 'cicids2017-sample', 'BENIGN_2500.csv');

function cli(args: string[], env?: NodeJS.ProcessEnv): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [main, ...args], { encoding: 'utf8', cwd: dir, env: env ?? process.env, maxBuffer: 1 << 26, timeout: 120000 });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

test('capture on a veth between two namespaces: flows, the port scan and its scanner, outputs, rotated files', { skip: skipLive('tcpdump', 'ip') || (benign ? false : 'needs ../shared/datasets/cicids2017-sample') }, async () => {
  const net = namespacePair('nsc', dir);
  const { nsA, vethA, ipA, ipB, inNs, fromB } = net;
  let server: Background | undefined;
  let cap: Background | undefined;
  try {
    server = await net.serve();

    const out = join(dir, 'live-out');
    const pcaps = join(dir, 'pcaps');
    cap = new Background(
      spawn('ip', inNs(nsA, process.execPath, main, 'capture', '--interface', vethA, '-b', baselineFile, '--json', '--print-flows', '--batch-seconds', '1', '-o', out, '--store', 'none', '--no-report', '--write', pcaps, '--rotate-mb', '0.01', '--compress', 'gzip')),
    );
    await cap.waitFor('err', /listening on/, 30000);

    fromB('talk', ipA, '8080', '5');
    fromB('udp', ipA, '5353', '3');
    fromB('scan', ipA, '1', '150');
    // the analysis runs while capturing: the scan's flows (closed by RST) are scored and printed
    // before the capture is stopped
    await cap.waitFor('out', new RegExp(`"src_ip":"${ipB.replace(/\./g, '\\.')}"`), 30000);
    await sleep(1500);
    const { lines, summary } = await stopJsonCapture(cap);
    assert.equal(summary.capture.stoppedBy, 'SIGINT');
    // 5 TCP exchanges, 3 UDP exchanges, 150 probed ports: one flow each, nothing else (IPv6 off; ARP makes no flow)
    assert.equal(summary.capture.flows, 158, JSON.stringify(summary.capture));
    assert.equal(summary.analysis.flows, 158);
    assert.ok(summary.capture.arpPackets >= 2, 'the ARP exchange was seen');
    const scan = lines.find((l) => l.event_type === 'alert' && /port scan/i.test(l.alert.signature));
    assert.ok(scan, `a port-scan finding was printed; stdout: ${cap.out.slice(0, 3000)}`);
    assert.equal(scan.src_ip, ipB, 'the finding names the scanning address');
    assert.equal(scan.dest_ip, ipA);
    // the 150 probed ports and the two the ordinary traffic used (8080/tcp, 5353/udp), within one window
    assert.match(scan.netsentinel.reasons[0], /^10\.77\.0\.2 probed 152 distinct ports on 10\.77\.0\.1 /);
    assert.ok(lines.some((l) => l.event_type === 'alert' && l.src_ip === ipB && /risky source/.test(l.alert.signature)), 'the scanner is a risky source');
    // analyze's per-source flow-alert limit: at most 10 printed flow alerts per source and minute, every risky flow accounted for
    const a = summary.analysis.alerts;
    assert.equal(a.flowAlertsPerSource, 10);
    assert.equal(a.flowAlerts + a.flowAlertsSuppressed + (a.flowAlertsLeftOut ?? 0), summary.analysis.riskyFlows);
    const perMinute = new Map<string, number>();
    for (const l of lines) if (l.event_type === 'alert' && /risky flow/.test(l.alert.signature)) perMinute.set(`${l.src_ip} ${String(l.timestamp).slice(0, 16)}`, (perMinute.get(`${l.src_ip} ${String(l.timestamp).slice(0, 16)}`) ?? 0) + 1);
    assert.equal([...perMinute.values()].reduce((x, y) => x + y, 0), a.flowAlerts, 'every flow alert printed (--print-flows)');
    for (const [k, n] of perMinute) assert.ok(n <= 10, `${k}: ${n} flow alerts`);

    // the outputs analyze writes, with every flow
    const scored = readFileSync(join(out, 'flows_scored.csv'), 'utf8').trim().split('\n');
    assert.equal(scored.length - 1, 158);
    assert.ok(readFileSync(join(out, 'alerts.jsonl'), 'utf8').includes('port-scan.vertical'));
    // summary.json says what became of the packets, as the capture's own summary counted them
    const acc = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).capture;
    assert.deepEqual(
      [acc.packetsRead, acc.ipPackets, acc.arpPackets, acc.flows, acc.packetsDecoded + acc.packetsSkipped],
      [summary.capture.packets, summary.capture.ipPackets, summary.capture.arpPackets, 158, summary.capture.packets],
    );

    // rotated files, gzip-compressed as written: whole files only, several of them, holding every
    // packet (tshark reads them as they are); read together they give the same flows
    const files = readdirSync(pcaps).sort();
    assert.ok(files.length > 1, `rotated into several files: ${files.join(', ')}`);
    assert.ok(files.every((f) => /^v\d+a-\d{8}T\d{6}Z-\d{4}\.pcap\.gz$/.test(f)), `no temporaries left: ${files.join(', ')}`);
    assert.ok(files.every((f) => readFileSync(join(pcaps, f)).readUInt16BE(0) === 0x1f8b), 'each file is gzip');
    let frames = 0;
    for (const f of files) frames += run('tshark', ['-r', join(pcaps, f), '-T', 'fields', '-e', 'frame.number']).toString().trim().split('\n').filter(Boolean).length;
    assert.equal(frames, summary.capture.packets);
    const again = cli(['flows', ...files.map((f) => join(pcaps, f)), '--output-format', 'jsonl', '-q']);
    assert.equal(again.code, 0, again.err);
    const flows = again.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    assert.equal(flows.length, 158);
    const between = (f: Record<string, any>, port: number, proto: string): boolean => f['Src IP'] === ipB && f['Dst IP'] === ipA && f['Dst Port'] === port && String(f.Protocol) === proto;
    assert.equal(flows.filter((f) => between(f, 8080, '6')).length, 5);
    assert.equal(flows.filter((f) => between(f, 5353, '17')).length, 3);
    for (let p = 1; p <= 150; p++) assert.equal(flows.filter((f) => between(f, p, '6')).length, 1, `one flow to port ${p}`);
  } finally {
    cap?.child.kill('SIGKILL');
    server?.child.kill('SIGKILL');
    await server?.exited;
    net.remove();
  }
});

for (const [linkName, linkType, extra] of [['Linux cooked v2', 276, []], ['Linux cooked v1', 113, ['-y', 'LINUX_SLL']]] as const) {
  test(`tcpdump -i any (${linkName}) of loopback traffic: netsentinel flows agrees with tshark conv,tcp`, { skip: skipLive('tcpdump', 'tshark') }, async () => {
    const server = createServer((s) => s.on('data', (d) => s.end(d)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const file = join(dir, `any-${linkType}.pcap`);
    const dump = new Background(spawn('tcpdump', ['-i', 'any', ...extra, '-U', '-n', '-w', file, `tcp port ${port} and host 127.0.0.1`]));
    try {
      await dump.waitFor('err', /listening on/, 20000);
      const connections = 7;
      for (let i = 0; i < connections; i++) {
        await new Promise<void>((res, rej) => {
          const s = connect({ host: '127.0.0.1', port }, () => s.write(Buffer.alloc(100 + i * 50, i)));
          s.on('data', () => s.end());
          s.on('close', () => res());
          s.on('error', rej);
        });
      }
      await sleep(1500);
    } finally {
      dump.child.kill('SIGTERM');
      await dump.exited;
      server.close();
    }
    const head = readFileSync(file).subarray(0, 24);
    assert.equal(head.readUInt32LE(20), linkType, 'tcpdump wrote the cooked link type asked for');

    const text = run('tshark', ['-r', file, '-q', '-z', 'conv,tcp']).toString();
    // "A:port <-> B:port  frames bytes-text  frames bytes-text  total-frames ..."
    const convs = text.split('\n').filter((l) => /<->/.test(l));
    const tsharkFrames = convs.reduce((n, l) => n + Number(/<->\s+\S+\s+\d+\s+[\d,]+\s+\S+\s+\d+\s+[\d,]+\s+\S+\s+(\d+)/.exec(l)?.[1] ?? NaN), 0);
    const r = cli(['flows', file, '--output-format', 'jsonl', '-q']);
    assert.equal(r.code, 0, r.err);
    const flows = r.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    assert.equal(convs.length, 7, text);
    assert.equal(flows.length, convs.length, 'one flow per tshark conversation');
    assert.ok(flows.every((f) => f['Dst Port'] === port && f.Protocol === 6 && f['Src IP'] === '127.0.0.1'));
    const ourFrames = flows.reduce((n, f) => n + f['Total Fwd Packet'] + f['Total Bwd packets'], 0);
    assert.equal(ourFrames, tsharkFrames, 'the same packets');
  });
}

test('capture without tcpdump or dumpcap on PATH says which package to install', () => {
  const env = { ...process.env, PATH: join(dir, 'no-programs-here') };
  let r = cli(['capture', '-i', 'lo', '-b', baselineFile], env);
  assert.equal(r.code, 2);
  assert.equal(r.err, 'netsentinel: capture: tcpdump not found (Debian package tcpdump; dumpcap from wireshark-common would do too)\n');
  r = cli(['capture', '-i', 'lo', '-b', baselineFile, '--program', 'dumpcap'], env);
  assert.equal(r.code, 2);
  assert.equal(r.err, 'netsentinel: capture: dumpcap not found (Debian package wireshark-common)\n');
  r = cli(['capture', '-b', baselineFile]);
  assert.equal(r.code, 2);
  assert.match(r.err, /^netsentinel: capture: --interface IF is required/);
  r = cli(['capture', '-i', 'lo', '-b', baselineFile, '--rotate-mb', '5']);
  assert.equal(r.code, 2);
  assert.match(r.err, /--rotate-seconds and --rotate-mb need --write DIR/);
  r = cli(['capture', '-i', 'lo', '-b', baselineFile, '--compress', 'gzip']);
  assert.equal(r.code, 2);
  assert.equal(r.err, 'netsentinel: capture: --compress goes with --write DIR (the files it compresses)\n');
  // zstd is a program: its absence is said before anything is captured (or tcpdump looked for)
  r = cli(['capture', '-i', 'lo', '-b', baselineFile, '--write', join(dir, 'kept'), '--compress', 'zstd'], env);
  assert.equal(r.code, 2);
  assert.equal(r.err, 'netsentinel: capture: --compress zstd needs the zstd program (Debian package zstd); --compress gzip needs nothing more\n');
  // --apply alone did nothing, silently: it acts on --respond's decisions, here and in analyze and stream
  for (const [verb, args] of [['capture', ['-i', 'lo']], ['analyze', [join(dir, 'missing.csv')]], ['stream', ['--stdin']]] as const) {
    r = cli([verb, ...args, '-b', baselineFile, '--apply']);
    assert.equal(r.code, 2, `${verb}: ${r.err}`);
    assert.match(r.err, new RegExp(`^netsentinel: ${verb}: --apply acts on the decisions of --respond; add --respond`));
  }
});

test('capture on an interface that does not exist, or with a filter tcpdump rejects: one line, exit 2', { skip: skipLive('tcpdump') || (benign ? false : 'needs ../shared/datasets/cicids2017-sample') }, () => {
  const bad = `nosuch${process.pid}`.slice(0, 15);
  let r = cli(['capture', '-i', bad, '-b', baselineFile]);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, new RegExp(`^netsentinel: capture: no interface named "${bad}" \\(tcpdump: .*\\); 'ip link' lists the interfaces\\n$`));
  r = cli(['capture', '-i', 'lo', '-f', 'tcp port', '-b', baselineFile]);
  assert.equal(r.code, 2, r.err);
  assert.equal(r.err, 'netsentinel: capture: tcpdump rejected the filter "tcp port": can\'t parse filter expression: syntax error\n');
  // the same with its own store connection left out of the capture (own-connections.ts): the user's filter is named, not the composition
  r = cli(['capture', '-i', 'lo', '-f', 'tcp port', '-b', baselineFile, '--store', 'postgres://127.0.0.1:5999/ns']);
  assert.equal(r.code, 2, r.err);
  assert.equal(r.err, 'netsentinel: capture: tcpdump rejected the filter "tcp port": can\'t parse filter expression: syntax error\n');
});

test('capture without the privilege says how to get it', { skip: skipLive('tcpdump', 'setpriv') || (benign ? false : 'needs ../shared/datasets/cicids2017-sample') }, () => {
  // the same command as an unprivileged user (nobody)
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, main, 'capture', '-i', 'lo', '-b', baselineFile], { encoding: 'utf8', cwd: '/', timeout: 60000 });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^netsentinel: capture: no permission to capture on lo: run as root or give tcpdump CAP_NET_RAW \(setcap cap_net_raw,cap_net_admin=eip \S+tcpdump\)\n$/);
});

test('capture --write --compress zstd stopped by a signal to its whole process group (Ctrl-C, a service manager) keeps its last file whole', { skip: skipLive('tcpdump', 'zstd') || (benign ? false : 'needs ../shared/datasets/cicids2017-sample') }, async () => {
  const kept = join(dir, 'zstd-kept');
  const port = 20000 + ((process.pid * 7) % 20000);
  // in a process group of its own, as a shell's foreground job is: the signal goes to every process in it
  const cap = new Background(spawn(process.execPath, [main, 'capture', '-i', 'lo', '-f', `udp port ${port}`, '-b', baselineFile, '--write', kept, '--compress', 'zstd'], { cwd: dir, detached: true }));
  try {
    await cap.waitFor('err', /Ctrl-C stops/, 30000);
    const { createSocket } = await import('node:dgram');
    const s = createSocket('udp4');
    for (let i = 0; i < 20; i++) await new Promise<void>((r) => s.send(Buffer.alloc(100, i), port, '127.0.0.1', () => r()));
    s.close();
    await sleep(1500);
    process.kill(-(cap.child.pid as number), 'SIGTERM');
    assert.equal(await cap.exited, 0, cap.err);
    assert.doesNotMatch(cap.err, /zstd failed|unfinished output removed/);
    const files = readdirSync(kept);
    assert.equal(files.length, 1, files.join(', '));
    assert.match(files[0], /^lo-\d{8}T\d{6}Z-0001\.pcap\.zst$/);
    const frames = run('tshark', ['-r', join(kept, files[0]), '-T', 'fields', '-e', 'udp.dstport']).toString().trim().split('\n');
    assert.deepEqual(frames, Array(20).fill(String(port)), 'every datagram, in a whole zstd file');
  } finally {
    if (cap.child.exitCode === null) process.kill(-(cap.child.pid as number), 'SIGKILL');
  }
});
