/**
 * A private nats-server with JetStream for fault tests (tests only): started on a free loopback
 * port with its own store directory, so a test can kill it and start it again on the same port and
 * directory (what a restarted server does) without ever touching the machine's own NATS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

export const NATS_SERVER = 'nats-server';

export interface PrivateNats {
  readonly port: number;
  readonly url: string;
  /** the server process's id while it runs (benchmarks read its CPU from /proc) */
  readonly pid: number | undefined;
  /** kill -9 the server (a crash, no clean shutdown) */
  kill(): Promise<void>;
  /** start it again on the same port and store directory */
  start(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = net.connect({ host: '127.0.0.1', port });
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

export async function startPrivateNats(storeDir: string): Promise<PrivateNats> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    let stderr = '';
    child = spawn(NATS_SERVER, ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', storeDir], { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-2000)));
    const until = Date.now() + 20_000;
    while (!(await answers(port))) {
      if (child.exitCode !== null) throw new Error(`nats-server exited ${child.exitCode}: ${stderr}`);
      if (Date.now() > until) throw new Error(`nats-server did not listen on ${port}: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  await start();
  return {
    port,
    url: `nats://127.0.0.1:${port}`,
    get pid() {
      return child?.exitCode === null ? child.pid : undefined;
    },
    start,
    async kill() {
      const c = child;
      if (!c || c.exitCode !== null) return;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await gone;
    },
  };
}
