/**
 * Makes the sample `npm start` analyses: real TCP and UDP traffic between real sockets on the
 * loopback network, with a port scan and a password brute force in it, recorded as flows.
 *
 * Loopback is all of 127.0.0.0/8 on Linux, so clients bind distinct source addresses
 * (127.0.0.10–17 are ordinary hosts, 127.0.0.66 scans, 127.0.0.77 guesses passwords) and the
 * servers listen on 127.0.0.1: a web server, a login service that refuses bad passwords, and a
 * UDP name service. Each connection is recorded when it ends, from the client's side, with the
 * names of Zeek's conn.log (ts, id.orig_h, id.orig_p, id.resp_h, id.resp_p, proto, service,
 * duration, orig_bytes, resp_bytes, conn_state): what the sockets really did, nothing invented
 * (no packet counts: a socket does not see packets).
 *
 * Two files: normal.csv (a quiet period: only the ordinary hosts, for the baseline) and
 * traffic.csv (a later period: the ordinary hosts again, plus the scanner and the brute force).
 *
 *   node dist/samples/loopback-traffic.js samples/loopback
 */
import net from 'node:net';
import dgram from 'node:dgram';
import http from 'node:http';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../util/rng.js';
import { makeFolder } from '../util/make-folder.js';

interface Flow {
  ts: number;
  origH: string;
  origP: number;
  respH: string;
  respP: number;
  proto: 'tcp' | 'udp';
  service: string;
  duration: number;
  origBytes: number;
  respBytes: number;
  state: string;
}

const WEB = 18080;
// 2222: the usual alternative SSH port, so the login service counts as an authentication service
const LOGIN = 2222;
const DNS = 18053;
const SERVER = '127.0.0.1';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function startServers(rng: Rng): Promise<() => Promise<void>> {
  const web = http.createServer((req, res) => {
    // response sizes spread like a small site: pages, images, an occasional download
    const size = Math.round(Math.exp(6 + rng.next() * 4.5));
    res.writeHead(200, { 'content-type': 'application/octet-stream', connection: 'close' });
    res.end(Buffer.alloc(size, 0x61));
  });
  const login = net.createServer((sock) => {
    sock.write('login: ');
    sock.on('data', (d) => {
      const line = d.toString().trim();
      if (line.endsWith('pass=correct-horse')) {
        sock.write('welcome\n');
        // a short interactive session
        const t = setInterval(() => sock.write(Buffer.alloc(200 + rng.int(800), 0x62)), 50);
        setTimeout(() => {
          clearInterval(t);
          sock.end('bye\n');
        }, 400 + rng.int(600));
      } else sock.end('denied\n');
    });
    sock.on('error', () => undefined);
  });
  const dns = dgram.createSocket('udp4');
  dns.on('message', (msg, rinfo) => dns.send(Buffer.concat([msg, Buffer.alloc(40 + rng.int(120), 0x63)]), rinfo.port, rinfo.address));
  return new Promise((resolve) => {
    let up = 0;
    const ready = (): void => {
      if (++up === 3)
        resolve(
          () =>
            new Promise<void>((done) => {
              web.closeAllConnections?.();
              web.close();
              login.close();
              dns.close();
              done();
            }),
        );
    };
    web.listen(WEB, SERVER, ready);
    login.listen(LOGIN, SERVER, ready);
    dns.bind(DNS, SERVER, ready);
  });
}

function tcpFlow(src: string, port: number, send: string | null, service: string, timeoutMs = 2000): Promise<Flow> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    let origBytes = 0;
    let respBytes = 0;
    let state = 'S0';
    let origP = 0;
    const sock = net.connect({ host: SERVER, port, localAddress: src });
    const finish = (s: string): void => {
      if (state === 'done') return;
      const st = state === 'S0' ? s : state;
      state = 'done';
      sock.destroy();
      resolve({ ts: t0, origH: src, origP, respH: SERVER, respP: port, proto: 'tcp', service, duration: (Date.now() - t0) / 1000, origBytes, respBytes, state: st });
    };
    const timer = setTimeout(() => finish('S0'), timeoutMs);
    sock.on('connect', () => {
      origP = sock.localPort ?? 0;
      state = 'S1';
      if (send !== null) {
        sock.write(send);
        origBytes += Buffer.byteLength(send);
      }
    });
    sock.on('data', (d) => (respBytes += d.length));
    sock.on('end', () => {
      clearTimeout(timer);
      state = 'SF';
      finish('SF');
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (e.code === 'ECONNREFUSED') {
        state = 'REJ';
        finish('REJ');
      } else finish(state === 'S1' ? 'RSTO' : 'S0');
    });
  });
}

function udpFlow(src: string, payload: number): Promise<Flow> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const t0 = Date.now();
    s.bind(0, src, () => {
      const origP = s.address().port;
      let resp = 0;
      const done = (state: string): void => {
        s.close();
        resolve({ ts: t0, origH: src, origP, respH: SERVER, respP: DNS, proto: 'udp', service: 'dns', duration: (Date.now() - t0) / 1000, origBytes: payload, respBytes: resp, state });
      };
      const timer = setTimeout(() => done('S0'), 1000);
      s.on('message', (m) => {
        resp += m.length;
        clearTimeout(timer);
        done('SF');
      });
      s.send(Buffer.alloc(payload, 0x64), DNS, SERVER);
    });
  });
}

async function ordinaryHosts(rng: Rng, rounds: number): Promise<Flow[]> {
  const flows: Flow[] = [];
  const hosts = Array.from({ length: 8 }, (_, i) => `127.0.0.${10 + i}`);
  for (let round = 0; round < rounds; round++) {
    await Promise.all(
      hosts.map(async (h) => {
        await sleep(rng.int(300));
        flows.push(await udpFlow(h, 28 + rng.int(30)));
        const pages = 1 + rng.int(4);
        for (let i = 0; i < pages; i++) {
          flows.push(await tcpFlow(h, WEB, `GET /page/${rng.int(1000)} HTTP/1.1\r\nHost: intranet\r\nConnection: close\r\n\r\n`, 'http'));
          await sleep(20 + rng.int(200));
        }
        if (h === '127.0.0.12' && round % 3 === 0) flows.push(await tcpFlow(h, LOGIN, 'user=alice pass=correct-horse\n', 'login', 4000));
      }),
    );
  }
  return flows;
}

async function portScan(src: string, from: number, to: number): Promise<Flow[]> {
  const ports = Array.from({ length: to - from + 1 }, (_, i) => from + i);
  const flows: Flow[] = [];
  // 16 probes at a time, like a polite connect() scanner
  for (let i = 0; i < ports.length; i += 16) {
    flows.push(...(await Promise.all(ports.slice(i, i + 16).map((p) => tcpFlow(src, p, null, '-', 800)))));
  }
  return flows;
}

async function bruteForce(src: string, tries: number, rng: Rng): Promise<Flow[]> {
  const flows: Flow[] = [];
  for (let i = 0; i < tries; i++) {
    flows.push(await tcpFlow(src, LOGIN, `user=root pass=guess${rng.int(1e6)}\n`, 'login'));
    await sleep(30);
  }
  return flows;
}

function toCsv(flows: Flow[]): string {
  flows.sort((a, b) => a.ts - b.ts);
  const head = 'ts,uid,id.orig_h,id.orig_p,id.resp_h,id.resp_p,proto,service,duration,orig_bytes,resp_bytes,conn_state';
  const lines = flows.map((f, i) =>
    [new Date(f.ts).toISOString(), `C${(i + 1).toString(36).padStart(6, '0')}`, f.origH, f.origP, f.respH, f.respP, f.proto, f.service, f.duration.toFixed(3), f.origBytes, f.respBytes, f.state].join(','),
  );
  return [head, ...lines].join('\n') + '\n';
}

async function main(): Promise<void> {
  const out = process.argv[2] ?? 'samples/loopback';
  makeFolder(out);
  const rng = new Rng(2026);
  const stop = await startServers(rng);
  try {
    process.stderr.write('normal period (baseline)…\n');
    const normal = await ordinaryHosts(rng, 12);
    writeFileSync(join(out, 'normal.csv'), toCsv(normal));
    process.stderr.write('traffic period: ordinary hosts, a port scan and a brute force…\n');
    const [ordinary, scan, brute] = await Promise.all([ordinaryHosts(rng, 6), (async () => (await sleep(500), portScan('127.0.0.66', 17950, 18100)))(), (async () => (await sleep(1500), bruteForce('127.0.0.77', 40, rng)))()]);
    writeFileSync(join(out, 'traffic.csv'), toCsv([...ordinary, ...scan, ...brute]));
    process.stderr.write(`wrote ${normal.length} normal flows and ${ordinary.length + scan.length + brute.length} traffic flows to ${out}\n`);
  } finally {
    await stop();
  }
}

void main();
