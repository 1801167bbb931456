/**
 * `publish --interface IF`: a sensor feeding the streaming workers from a live capture. In two
 * network namespaces this test creates (a veth pair), with a NATS JetStream server of its own inside
 * namespace A (so the machine's is never touched): publish captures A's side of the link while B
 * talks to A and then spoofs ARP. While publish still runs, the stream already holds B's flows and
 * the ARP finding naming B (sent within a batch or two, not at the end); SIGTERM publishes the open
 * flows and exits 0 with the capture's totals; a worker then consuming the stream scores every flow
 * published and raises the ARP finding once, naming B. A second publish run on the same stream adds
 * its messages, none taken for a retry of the first run's. Before, publish read files only.
 * Needs root, tcpdump, ip, python3 and nats-server: skipped, saying why, without them, except under
 * CI=true where they must be there.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { Background, namespacePair, killAll, sleep, type NamespacePair } from '../../testing/live-namespaces.js';
import { liveCaptureTest } from '../../testing/live-capture-test.js';
import { rawFramesScript } from '../../testing/raw-frames.js';
import { NATS_SERVER } from '../../testing/nats-server.js';
import { openStore } from '../../store/open-store.js';

const live = liveCaptureTest('ns-publish-live-');
const { main, dir, baselineFile } = live;
const skip = live.skip(['tcpdump', 'ip', 'python3', NATS_SERVER], 'tcpdump, iproute2, python3, nats-server');

const STREAM = 'PUBLIVE';
const NATS = 'nats://127.0.0.1:4222';

type Line = Record<string, any>;

/** What the stream holds, read inside namespace A by the product's own NATS client and decoder. */
const LOOK = `
import { openBus } from '${fileURLToPath(new URL('../../stream/nats-bus.js', import.meta.url))}';
import { decodeColumns } from '${fileURLToPath(new URL('../../stream/flow-columns.js', import.meta.url))}';
import { SCHEMA_HEADER } from '${fileURLToPath(new URL('../../stream/flow-codec.js', import.meta.url))}';
import { findingsOfMessage } from '${fileURLToPath(new URL('../../stream/finding-messages.js', import.meta.url))}';
const [url, stream, ip, durable] = process.argv.slice(2);
const bus = await openBus(url, 'look');
const info = await bus.jsm.streams.info(stream);
const res = { messages: info.state.messages, flows: 0, flowsWith: 0, findings: [], pending: -1, ports: {} };
if (durable) {
  const c = await bus.jsm.consumers.info(stream, durable).catch(() => undefined);
  if (c) res.pending = c.num_pending + c.num_ack_pending;
}
for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
  const m = await bus.jsm.streams.getMessage(stream, { seq });
  const found = findingsOfMessage({ subject: m.subject, seq, headers: m.header, data: m.data });
  if (found) {
    for (const f of found) res.findings.push(f.ruleId + ' ' + (f.srcIp ?? ''));
    continue;
  }
  const t = decodeColumns(m.data, m.subject, JSON.parse(m.header.get(SCHEMA_HEADER)));
  res.flows += t.rowCount;
  const cols = t.columns.filter((c) => c.name === 'Src IP' || c.name === 'Dst IP');
  for (let r = 0; r < t.rowCount; r++) if (cols.some((c) => c.codes[r] >= 0 && c.dictionary[c.codes[r]] === ip)) res.flowsWith++;
  // flows by the server port they name (the lower of the two)
  const sp = t.columns.find((c) => c.name === 'Src Port');
  const dp = t.columns.find((c) => c.name === 'Dst Port');
  for (let r = 0; r < t.rowCount; r++) {
    const port = Math.min(sp.values[r], dp.values[r]);
    res.ports[port] = (res.ports[port] ?? 0) + 1;
  }
}
console.log(JSON.stringify(res));
await bus.close();
`;

interface StreamLook { messages: number; flows: number; flowsWith: number; findings: string[]; pending: number; ports: Record<string, number> }

/**
 * A NATS JetStream server of the test's own inside namespace A (the machine's is never touched),
 * and what a stream there holds (flows naming `ip`, findings, flows by port, a consumer's pending
 * messages), read from inside A by LOOK.
 */
function natsInA(net: NamespacePair, storeDir: string): { start(): Promise<Background>; look(stream: string, ip: string, durable?: string): StreamLook } {
  const look = join(dir, 'look.mjs');
  writeFileSync(look, LOOK);
  return {
    async start() {
      const nats = new Background(spawn('ip', net.inNs(net.nsA, NATS_SERVER, '-js', '-a', '127.0.0.1', '-p', '4222', '-sd', storeDir)));
      await nats.waitFor('err', /Server is ready/, 30_000);
      return nats;
    },
    look(stream, ip, durable = '') {
      const r = spawnSync('ip', net.inNs(net.nsA, process.execPath, look, NATS, stream, ip, durable), { encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
      return JSON.parse(r.stdout) as StreamLook;
    },
  };
}

test('publish --interface: flows and packet findings reach the stream while capturing; SIGTERM publishes the rest; a worker scores them all', { skip, timeout: 300_000 }, async () => {
  const net = namespacePair('pbl', dir, { subnet: '10.84.0' });
  const frames = rawFramesScript(dir);
  const inA = (...a: string[]): string[] => net.inNs(net.nsA, ...a);
  const natsA = natsInA(net, join(dir, 'jetstream'));
  const stream = (durable = ''): StreamLook => natsA.look(STREAM, net.ipB, durable);
  const publish = (...more: string[]): Background => new Background(spawn('ip', inA(process.execPath, main, 'publish', '--interface', net.vethA, '--nats', NATS, '--stream', STREAM, '--partitions', '2', '--batch-seconds', '1', '--json', ...more)));
  let nats: Background | undefined;
  let server: Background | undefined;
  let pub: Background | undefined;
  let worker: Background | undefined;
  try {
    nats = await natsA.start();
    server = await net.serve();
    // an interface that is not there: said under publish's name, exit 2 (before, "capture: ...")
    const none = spawnSync('ip', inA(process.execPath, main, 'publish', '--interface', 'nosuch0', '--nats', NATS, '--stream', STREAM), { encoding: 'utf8', timeout: 60_000 });
    assert.equal(none.status, 2, none.stderr);
    assert.match(none.stderr, /^netsentinel: publish: no interface named "nosuch0"/m);
    pub = publish();
    await pub.waitFor('err', /publishing its flows as they finish/, 30_000);

    // B talks to A (TCP and UDP), then says "A's address is-at B's MAC" to A, unasked, while A goes on answering from its own MAC
    net.fromB('talk', net.ipA, '8080', '5');
    net.fromB('udp', net.ipA, '5353', '5');
    const macA = spawnSync('ip', inA('cat', `/sys/class/net/${net.vethA}/address`), { encoding: 'utf8' }).stdout.trim();
    const py = spawnSync('ip', net.inNs(net.nsB, 'python3', frames, 'spoof', net.vethB, net.ipA, net.ipA, macA, '5'), { encoding: 'utf8', timeout: 60_000 });
    assert.equal(py.status, 0, py.stderr);
    net.fromB('udp', net.ipA, '5353', '3');

    // within a few batches, while publish still runs: B's finished flows and the finding naming B are in the stream
    let seen = stream();
    for (const until = Date.now() + 30_000; Date.now() < until && !(seen.flowsWith >= 5 && seen.findings.some((f) => f.startsWith('arp.'))); seen = stream()) await sleep(500);
    assert.equal(pub.child.exitCode, null, `published while capturing: ${pub.err}`);
    assert.ok(seen.flowsWith >= 5, `B's flows in the stream while capturing: ${JSON.stringify(seen)}`);
    assert.ok(seen.findings.includes(`arp.ip-conflict ${net.ipB}`), `the spoofing, naming B, in the stream while capturing: ${JSON.stringify(seen)}`);
    assert.ok(!seen.findings.some((f) => f.endsWith(` ${net.ipA}`)), `no finding names the spoofed host: ${seen.findings.join(', ')}`);

    pub.child.kill('SIGTERM');
    assert.equal(await pub.exited, 0, pub.err);
    assert.doesNotMatch(pub.err, /\n\s+at /, 'no stack trace');
    const r = JSON.parse(pub.out) as Line;
    assert.equal(r.capture.interface, net.vethA);
    assert.equal(r.capture.stoppedBy, 'SIGTERM');
    assert.ok(r.capture.packets > 20, JSON.stringify(r));
    assert.equal(r.duplicates, 0, JSON.stringify(r));
    const after = stream();
    assert.equal(after.flows, r.flows, `every flow publish counted is in the stream: ${JSON.stringify({ after, r })}`);
    assert.ok(after.flowsWith >= 13, `B's 5 TCP and 8 UDP exchanges: ${JSON.stringify(after)}`);
    assert.equal(after.findings.filter((f) => f === `arp.ip-conflict ${net.ipB}`).length, 1, `the finding sent once: ${after.findings.join(', ')}`);
    assert.equal(after.messages, r.messages);

    // a worker consuming the stream scores every published flow and raises the finding once
    const store = join(dir, 'worker.db');
    worker = new Background(spawn('ip', inA(process.execPath, main, 'stream', '--nats', NATS, '--stream', STREAM, '-b', baselineFile, '--store', store, '--durable', 'pl', '--json')));
    await worker.waitFor('err', /consuming/, 60_000);
    for (const until = Date.now() + 60_000; Date.now() < until && stream('pl').pending !== 0; ) await sleep(500);
    worker.child.kill('SIGTERM');
    assert.equal(await worker.exited, 0, worker.err);
    // (the JetStream worker's closing stats: stdout, one JSON document)
    const stats = JSON.parse(worker.out) as { flows: number };
    assert.equal(stats.flows, r.flows, `the worker scored every published flow: ${worker.err.slice(-800)}`);
    const s = await openStore(store);
    try {
      const arp = (await s.listAlerts({ limit: 10_000 })).map((a) => a.record as Line).filter((a) => a.netsentinel?.rule === 'arp.ip-conflict');
      assert.deepEqual(arp.map((a) => a.src_ip), [net.ipB], `raised once, naming B: ${JSON.stringify(arp)}`);
    } finally {
      await s.close();
    }

    // publish started again, for 4 s (--duration: it stops on its own, as at SIGTERM): its messages are
    // new ones (before, ids of file, line and counts alone could repeat the last run's)
    pub = publish('--duration', '4');
    await pub.waitFor('err', /publishing its flows as they finish/, 30_000);
    net.fromB('udp', net.ipA, '5353', '3');
    assert.equal(await pub.exited, 0, pub.err);
    const again = JSON.parse(pub.out) as Line;
    assert.equal(again.capture.stoppedBy, 'duration');
    assert.ok(again.flows >= 3 && again.duplicates === 0, JSON.stringify(again));
    assert.equal(stream().messages, after.messages + again.messages, 'every message of the second run stored');
  } finally {
    await killAll(pub, worker, server, nats);
    net.remove();
  }
});

test('publish --interface on the interface it reaches NATS through leaves its own connection out of the capture', { skip, timeout: 180_000 }, async () => {
  const net = namespacePair('pbo', dir, { subnet: '10.85.0' });
  const inA = (...a: string[]): string[] => net.inNs(net.nsA, ...a);
  const natsA = natsInA(net, join(dir, 'jetstream-own'));
  let nats: Background | undefined;
  let server: Background | undefined;
  let pub: Background | undefined;
  try {
    nats = await natsA.start();
    server = await net.serve();
    // A's loopback carries both publish's messages to NATS and A's own connections to its address
    pub = new Background(spawn('ip', inA(process.execPath, main, 'publish', '--interface', 'lo', '--nats', NATS, '--stream', 'PUBOWN', '--batch-seconds', '1', '--json')));
    await pub.waitFor('err', /its own connection to NATS left out/, 30_000);
    for (let i = 0; i < 3; i++) {
      const r = spawnSync('ip', inA(process.execPath, join(dir, 'traffic.mjs'), 'talk', net.ipA, '8080', '2'), { encoding: 'utf8', timeout: 60_000 });
      assert.equal(r.status, 0, r.stderr);
      await sleep(1200);
    }
    pub.child.kill('SIGTERM');
    assert.equal(await pub.exited, 0, pub.err);
    const r = JSON.parse(pub.out) as Line;
    const got = natsA.look('PUBOWN', net.ipB);
    assert.equal(got.flows, r.flows);
    assert.equal(got.ports['8080'], 6, `A's six connections to its own address: ${JSON.stringify(got.ports)}`);
    // before, the publisher's connection to NATS (and each message it sent over it) were captured and published
    assert.equal(got.ports['4222'], undefined, `no flow of publish's own NATS connection: ${JSON.stringify(got.ports)}`);
  } finally {
    await killAll(pub, server, nats);
    net.remove();
  }
});

test('publish: files or --interface, one of them, said before connecting to NATS', () => {
  const run = (...a: string[]): { status: number | null; stderr: string } => spawnSync(process.execPath, [main, 'publish', ...a, '--nats', 'nats://127.0.0.1:1'], { encoding: 'utf8' });
  const none = run();
  assert.equal(none.status, 2, none.stderr);
  assert.match(none.stderr, /give the flows to publish .* or --interface IF/);
  const both = run('flows.csv', '--interface', 'lo');
  assert.equal(both.status, 2, both.stderr);
  assert.match(both.stderr, /not both/);
  const filter = run('flows.csv', '--filter', 'port 53');
  assert.equal(filter.status, 2, filter.stderr);
  assert.match(filter.stderr, /--filter goes with --interface IF/);
  const duration = run('flows.csv', '--duration', '60');
  assert.equal(duration.status, 2, duration.stderr);
  assert.match(duration.stderr, /--duration goes with --interface IF/);
  for (const r of [none, both, filter, duration]) assert.doesNotMatch(r.stderr, /NATS|nats:|\n\s+at /, 'a usage mistake, not a connection error or a stack trace');
  // the same for stream: --duration and --count are a live capture's
  const stream = spawnSync(process.execPath, [main, 'stream', '--baseline', join(dir, 'absent.nsb'), '--count', '100', '--stdin'], { encoding: 'utf8', input: '' });
  assert.equal(stream.status, 2, stream.stderr);
  assert.match(stream.stderr, /^netsentinel: stream: --count goes with --interface IF$/m);
});
