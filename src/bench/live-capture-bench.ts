/**
 * `netsentinel capture` live: packets per CPU second through the whole command (tcpdump on a pipe →
 * reader → decoder → flow meter → packet detectors → the analysis), against tcpdump alone writing
 * to /dev/null, both capturing the same traffic at the same time. The traffic: UDP datagrams in
 * 1,000 flows (1,000 source ports) blasted by our own sender (no tcpreplay needed) on the loopback
 * of a network namespace this bench creates (unique name with its pid), to a socket that discards
 * them. CPU seconds come from /usr/bin/time (user + system, children included: our tcpdump child is
 * counted against us); wall time swings on a shared machine. Needs root.
 *
 *   node dist/bench/live-capture-bench.js ../shared [packets]
 * One JSON line: packets each captured, CPU s and ns per packet, kernel drops, the sender's rate.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));

const SENDER = `
import dgram from 'node:dgram';
const total = Number(process.argv[2]);
const sink = dgram.createSocket('udp4');
sink.on('message', () => {});
await new Promise((r) => sink.bind(9, '127.0.0.1', r));
const socks = [];
for (let i = 0; i < 1000; i++) {
  const s = dgram.createSocket('udp4');
  await new Promise((r) => s.bind(0, '127.0.0.1', r));
  socks.push(s);
}
console.log('ready');
await new Promise((r) => process.stdin.once('data', r));
const payload = Buffer.alloc(64, 7);
const t0 = performance.now();
let sent = 0;
while (sent < total) {
  // a few hundred at a time, then let the event loop drain the sends
  const n = Math.min(256, total - sent);
  await Promise.all(Array.from({ length: n }, (_, k) => new Promise((r) => socks[(sent + k) % 1000].send(payload, 9, '127.0.0.1', r))));
  sent += n;
}
const seconds = (performance.now() - t0) / 1000;
for (const s of socks) s.close();
sink.close();
// stdin is still open: exit once the figures are written (a pipe's write is asynchronous)
process.stdout.write(JSON.stringify({ sent, seconds }) + '\\n', () => process.exit(0));
`;

interface Timed {
  code: number | null;
  out: string;
  err: string;
  cpu: number;
  wall: number;
}

/** Run argv under /usr/bin/time in the namespace; resolves when it exits. `ready` when its stderr matches. */
function timed(ns: string, argv: string[], ready: RegExp): { started: Promise<void>; done: Promise<Timed>; interrupt(): void } {
  const child = spawn('ip', ['netns', 'exec', ns, '/usr/bin/time', '-f', 'TIME %U %S %e', ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let markReady!: () => void;
  const started = new Promise<void>((r) => (markReady = r));
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => {
    err += s;
    if (ready.test(err)) markReady();
  });
  const done = new Promise<Timed>((res) =>
    child.on('close', (code) => {
      markReady();
      const m = /TIME (\S+) (\S+) (\S+)/.exec(err);
      res({ code, out, err, cpu: m ? Number(m[1]) + Number(m[2]) : NaN, wall: m ? Number(m[3]) : NaN });
    }),
  );
  return {
    started,
    done,
    // GNU time ignores SIGINT while it waits: the signal goes to the program it runs, by its pid
    interrupt() {
      try {
        const kids = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
        for (const k of kids) process.kill(Number(k), 'SIGINT');
      } catch {
        // already gone
      }
    },
  };
}

export async function liveCaptureCost(shared: string, packets = 300_000): Promise<Record<string, number | string>> {
  if (process.getuid?.() !== 0) return { error: 'needs root (a network namespace and packet capture)' };
  const dir = mkdtempSync(join(tmpdir(), 'ns-livebench-'));
  const ns = `pgbench${process.pid}`;
  try {
    const baseline = join(dir, 'office.nsb');
    const b = spawnSync(process.execPath, [main, 'baseline', join(shared, 'datasets/cicids2017-sample/BENIGN_2500.csv'), '-o', baseline, '-q', '--threads', '1'], { encoding: 'utf8' });
    if (b.status !== 0) return { error: `baseline: ${b.stderr.trim()}` };
    const sender = join(dir, 'sender.mjs');
    writeFileSync(sender, SENDER);
    spawnSync('ip', ['netns', 'add', ns]);
    spawnSync('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    const send = spawn('ip', ['netns', 'exec', ns, process.execPath, sender, String(packets)], { stdio: ['pipe', 'pipe', 'inherit'] });
    let sendOut = '';
    send.stdout.setEncoding('utf8').on('data', (s: string) => (sendOut += s));
    await new Promise<void>((r, j) => {
      const tick = setInterval(() => {
        if (sendOut.includes('ready') || send.exitCode !== null) clearInterval(tick);
        if (sendOut.includes('ready')) r();
        else if (send.exitCode !== null) j(new Error(`the sender exited (${send.exitCode}) before it was ready`));
      }, 50);
    });
    const filter = 'udp and dst port 9';
    const ourRun = timed(ns, [process.execPath, main, 'capture', '-i', 'lo', '-f', filter, '-b', baseline, '--store', 'none', '--json'], /listening on/);
    const peerRun = timed(ns, ['tcpdump', '-i', 'lo', '-n', '-w', '/dev/null', filter], /listening on/);
    await Promise.all([ourRun.started, peerRun.started]);
    send.stdin.write('go\n');
    await new Promise((r) => send.once('close', r));
    // what is still in the pipes is read, then both stop (SIGINT, as a user would)
    await new Promise((r) => setTimeout(r, 2000));
    ourRun.interrupt();
    peerRun.interrupt();
    const [o, p] = await Promise.all([ourRun.done, peerRun.done]);
    const s = JSON.parse(sendOut.trim().split('\n').pop() ?? '{}') as { sent: number; seconds: number };
    const summary = JSON.parse(o.out.trim().split('\n').pop() ?? '{}') as { capture?: { packets: number; flows: number; program: { droppedByKernel?: number } } };
    if (o.code !== 0 || !summary.capture) return { error: `capture: ${o.err.trim().split('\n').slice(-2).join(' | ')}` };
    const peerPackets = Number(/(\d+) packets? captured/.exec(p.err)?.[1] ?? NaN);
    const peerDropped = Number(/(\d+) packets? dropped by kernel/.exec(p.err)?.[1] ?? NaN);
    return {
      packets: summary.capture.packets,
      flows: summary.capture.flows,
      ours_cpu_s: o.cpu,
      ours_wall_s: o.wall,
      ours_ns_per_packet: (o.cpu / summary.capture.packets) * 1e9,
      ours_packets_per_cpu_s: summary.capture.packets / o.cpu,
      ours_kernel_drops: summary.capture.program.droppedByKernel ?? 0,
      peer_packets: peerPackets,
      peer_cpu_s: p.cpu,
      peer_ns_per_packet: (p.cpu / peerPackets) * 1e9,
      peer_packets_per_cpu_s: peerPackets / p.cpu,
      peer_kernel_drops: peerDropped,
      sender_packets_per_s: s.sent / s.seconds,
    };
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await liveCaptureCost(process.argv[2] ?? '../shared', process.argv[3] ? Number(process.argv[3]) : undefined);
  process.stdout.write(JSON.stringify(r) + '\n');
}
