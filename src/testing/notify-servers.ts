/**
 * Real receivers for the notification tests (never imported by the product): an SMTP server
 * (smtp-server, in-process, STARTTLS with a certificate made by openssl for the test, AUTH
 * required), an HTTP backend that honours Idempotency-Key, and syslog listeners on UDP and TCP
 * (octet-counted frames). Each counts what arrived per alert key, can be stopped and started
 * again on the same loopback port, and can stop itself after N deliveries (to cut a delivery run
 * in the middle).
 */
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { readOctetFrames } from '../respond/notify/rfc5424.js';

export interface CountingServer {
  port: number;
  /** raw arrivals per alert key (a duplicate shows as 2) */
  readonly arrivals: Map<string, number>;
  /** deliveries (messages, requests, connections) accepted */
  deliveries: number;
  running: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** stop by itself right after the N-th accepted delivery (counted from now) */
  stopAfter(n: number): void;
}

function bump(m: Map<string, number>, k: string): void {
  m.set(k, (m.get(k) ?? 0) + 1);
}

abstract class Base implements CountingServer {
  port = 0;
  readonly arrivals = new Map<string, number>();
  deliveries = 0;
  running = false;
  private stopAt = Infinity;
  protected abstract listen(port: number): Promise<number>;
  protected abstract close(): Promise<void>;
  async start(): Promise<void> {
    this.port = await this.listen(this.port);
    this.running = true;
  }
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.close();
  }
  stopAfter(n: number): void {
    this.stopAt = this.deliveries + n;
  }
  protected delivered(): void {
    this.deliveries++;
    if (this.deliveries >= this.stopAt) {
      this.stopAt = Infinity;
      setImmediate(() => void this.stop());
    }
  }
}

export interface SmtpMessage {
  readonly secure: boolean;
  readonly user: string | undefined;
  readonly raw: string;
  readonly keys: readonly string[];
}

/** a self-signed certificate for 127.0.0.1, made with openssl */
export function testCertificate(): { key: string; cert: string; certFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ns-cert-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'pipe' });
  return { key: readFileSync(key, 'utf8'), cert: readFileSync(cert, 'utf8'), certFile: cert };
}

export class TestSmtpServer extends Base {
  readonly messages: SmtpMessage[] = [];
  private server?: SMTPServer;
  constructor(
    private readonly tls: { key: string; cert: string },
    private readonly user = 'alerts',
    private readonly password = 's3cret',
  ) {
    super();
  }
  protected listen(port: number): Promise<number> {
    const server = new SMTPServer({
      key: this.tls.key,
      cert: this.tls.cert,
      authMethods: ['PLAIN', 'LOGIN'],
      closeTimeout: 100,
      logger: false,
      onAuth: (auth, _session, cb) => (auth.username === this.user && auth.password === this.password ? cb(null, { user: auth.username }) : cb(new Error('Invalid username or password'))),
      onData: (stream, session, cb) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const head = raw.slice(0, raw.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
          const m = /^X-Netsentinel-Alerts: (.*)$/im.exec(head);
          const keys = m ? m[1].trim().split(/\s+/) : [];
          this.messages.push({ secure: session.secure, user: session.user as string | undefined, raw, keys });
          for (const k of keys) bump(this.arrivals, k);
          cb(null);
          this.delivered();
        });
      },
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve((server.server.address() as net.AddressInfo).port));
    });
  }
  protected close(): Promise<void> {
    return new Promise((r) => this.server!.close(() => r()));
  }
}

export class TestHttpBackend extends Base {
  /** first arrival of each Idempotency-Key (what the backend counts) */
  readonly accepted = new Map<string, Record<string, unknown>>();
  /** status codes to answer before accepting (503, 429...), consumed one per request */
  readonly script: number[] = [];
  /** cut the connection without answering, after recording, on the N-th request from now */
  cutAt = -1;
  requests = 0;
  private server?: http.Server;
  protected listen(port: number): Promise<number> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests++;
        const scripted = this.script.shift();
        if (scripted !== undefined) {
          // a refusal (4xx other than 429) says why in its body, as a real backend does
          const refusal = scripted >= 400 && scripted < 500 && scripted !== 429;
          res.writeHead(scripted, scripted === 429 ? { 'retry-after': '0' } : refusal ? { 'content-type': 'application/json' } : {}).end(refusal ? '{"error": "field \\"ip\\":\n not accepted here"}' : undefined);
          return;
        }
        const key = String(req.headers['idempotency-key'] ?? '');
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        bump(this.arrivals, key);
        const fresh = !this.accepted.has(key);
        if (fresh) this.accepted.set(key, body);
        if (this.cutAt === 0) {
          this.cutAt = -1;
          req.socket.destroy();
          return;
        }
        if (this.cutAt > 0) this.cutAt--;
        res.writeHead(fresh ? 201 : 200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, duplicate: !fresh }));
        this.delivered();
      });
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
    });
  }
  protected close(): Promise<void> {
    return new Promise((r) => {
      this.server!.close(() => r());
      this.server!.closeAllConnections();
    });
  }
}

export class TestSyslogTcp extends Base {
  readonly messages: string[] = [];
  private server?: net.Server;
  private readonly sockets = new Set<net.Socket>();
  protected listen(port: number): Promise<number> {
    const server = net.createServer((s) => {
      this.sockets.add(s);
      let buf: Buffer = Buffer.alloc(0);
      s.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        const r = readOctetFrames(buf);
        buf = r.rest;
        for (const m of r.messages) {
          this.messages.push(m);
          const k = /key="([^"]+)"/.exec(m);
          if (k) bump(this.arrivals, k[1]);
        }
      });
      s.on('end', () => {
        s.end();
        this.delivered();
      });
      s.on('close', () => this.sockets.delete(s));
      s.on('error', () => undefined);
    });
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
    });
  }
  protected close(): Promise<void> {
    return new Promise((r) => {
      this.server!.close(() => r());
      for (const s of this.sockets) s.destroy();
    });
  }
}

export class TestSyslogUdp extends Base {
  readonly messages: string[] = [];
  private sock?: dgram.Socket;
  protected listen(port: number): Promise<number> {
    const sock = dgram.createSocket('udp4');
    sock.on('message', (m) => {
      const text = m.toString('utf8');
      this.messages.push(text);
      const k = /key="([^"]+)"/.exec(text);
      if (k) bump(this.arrivals, k[1]);
      this.delivered();
    });
    this.sock = sock;
    return new Promise((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(port, '127.0.0.1', () => resolve(sock.address().port));
    });
  }
  protected close(): Promise<void> {
    return new Promise((r) => this.sock!.close(() => r()));
  }
}
