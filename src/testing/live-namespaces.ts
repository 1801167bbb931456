/**
 * For live-capture tests: two network namespaces joined by a veth pair (unique names with the
 * test's pid), a traffic maker run inside them (an echo server, TCP and UDP clients, a TCP port
 * scanner), and a background program whose output is gathered as it comes. Needs root and iproute2.
 * Never used by the product.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './programs.js';

/** A program run in the background, its output gathered; `waitFor` resolves when a stream matches. */
export class Background {
  out = '';
  err = '';
  readonly exited: Promise<number | null>;
  constructor(readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8').on('data', (s: string) => (this.out += s));
    child.stderr?.setEncoding('utf8').on('data', (s: string) => (this.err += s));
    this.exited = new Promise((res) => child.on('close', (code) => res(code)));
  }
  async waitFor(stream: 'out' | 'err', re: RegExp, ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (!re.test(this[stream])) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${re} on std${stream}; stdout: ${this.out.slice(-2000)} stderr: ${this.err.slice(-2000)}`);
      if (this.child.exitCode !== null) throw new Error(`exited (${this.child.exitCode}) before ${re}; stderr: ${this.err}`);
      await sleep(50);
    }
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A test's programs still running at its end, killed (SIGKILL) and waited for. */
export async function killAll(...programs: (Background | undefined)[]): Promise<void> {
  for (const p of programs) {
    if (!p || p.child.exitCode !== null || p.child.signalCode !== null) continue;
    p.child.kill('SIGKILL');
    await p.exited;
  }
}

// the traffic maker run inside a namespace: an echo server (TCP and UDP), a client, a scanner
export const TRAFFIC = `
import net from 'node:net';
import dgram from 'node:dgram';
const [mode, host, a, b] = process.argv.slice(2);
if (mode === 'serve') {
  // a client that resets (nmap -sT closes each connection so) must not take the server down
  net.createServer((s) => s.on('data', (d) => s.end(d)).on('error', () => {})).listen(Number(a), host, () => console.log('ready'));
  const u = dgram.createSocket('udp4');
  u.on('message', (m, r) => u.send(m, r.port, r.address));
  u.bind(Number(b), host);
} else if (mode === 'talk') {
  for (let i = 0; i < Number(b); i++) {
    await new Promise((res, rej) => {
      const s = net.connect({ host, port: Number(a) }, () => s.write('hello ' + i));
      s.on('data', () => s.end());
      s.on('close', res);
      s.on('error', rej);
    });
  }
} else if (mode === 'udp') {
  for (let i = 0; i < Number(b); i++) {
    await new Promise((res, rej) => {
      const u = dgram.createSocket('udp4');
      u.on('message', () => { u.close(); res(); });
      u.on('error', rej);
      u.send('query ' + i, Number(a), host);
    });
  }
} else if (mode === 'scan') {
  const ports = [];
  for (let p = Number(a); p <= Number(b); p++) ports.push(p);
  await Promise.all(ports.map((port) => new Promise((res) => {
    const s = net.connect({ host, port });
    const end = () => { s.destroy(); res(); };
    s.on('connect', end); s.on('error', end); s.setTimeout(3000, end);
  })));
}
`;

export interface NamespacePair {
  readonly nsA: string;
  readonly nsB: string;
  readonly vethA: string;
  readonly vethB: string;
  readonly ipA: string;
  readonly ipB: string;
  /** argv for `ip` running a command inside a namespace */
  inNs(ns: string, ...a: string[]): string[];
  /** run the traffic maker (TRAFFIC) in B, to completion */
  fromB(...a: string[]): void;
  /** the echo server in A (TCP 8080, UDP 5353), started and ready */
  serve(): Promise<Background>;
  remove(): void;
}

/**
 * Namespaces `${lane}${pid}a` / `...b`, `${subnet}.1` and `.2` (subnet 10.77.0 unless given; B
 * also holds `moreB`, addresses in the same /24) on a veth pair, IPv6 off (its neighbour discovery
 * would add flows the test did not make).
 */
export function namespacePair(lane: string, dir: string, o: { subnet?: string; moreB?: string[] } = {}): NamespacePair {
  const tag = `${lane}${process.pid}`;
  const [nsA, nsB] = [`${tag}a`, `${tag}b`];
  const [vethA, vethB] = [`v${process.pid}a`.slice(0, 15), `v${process.pid}b`.slice(0, 15)];
  const subnet = o.subnet ?? '10.77.0';
  const [ipA, ipB] = [`${subnet}.1`, `${subnet}.2`];
  const traffic = join(dir, 'traffic.mjs');
  writeFileSync(traffic, TRAFFIC);
  const ip = (...a: string[]): Buffer => run('ip', a);
  const inNs = (ns: string, ...a: string[]): string[] => ['netns', 'exec', ns, ...a];
  const remove = (): void => {
    spawnSync('ip', ['netns', 'del', nsA]);
    spawnSync('ip', ['netns', 'del', nsB]);
  };
  try {
    ip('netns', 'add', nsA);
    ip('netns', 'add', nsB);
    ip('link', 'add', vethA, 'type', 'veth', 'peer', 'name', vethB);
    ip('link', 'set', vethA, 'netns', nsA);
    ip('link', 'set', vethB, 'netns', nsB);
    for (const [ns, ifc, addr] of [[nsA, vethA, ipA], [nsB, vethB, ipB]]) {
      run('ip', inNs(ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1'));
      ip('-n', ns, 'addr', 'add', `${addr}/24`, 'dev', ifc);
      ip('-n', ns, 'link', 'set', ifc, 'up');
      ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
    for (const addr of o.moreB ?? []) ip('-n', nsB, 'addr', 'add', `${addr}/24`, 'dev', vethB);
  } catch (e) {
    remove();
    throw e;
  }
  return {
    nsA,
    nsB,
    vethA,
    vethB,
    ipA,
    ipB,
    inNs,
    fromB: (...a) => void run('ip', inNs(nsB, process.execPath, traffic, ...a)),
    async serve() {
      const server = new Background(spawn('ip', inNs(nsA, process.execPath, traffic, 'serve', ipA, '8080', '5353')));
      await server.waitFor('out', /ready/, 20000);
      return server;
    },
    remove,
  };
}
