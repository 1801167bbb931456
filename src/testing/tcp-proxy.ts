/**
 * A TCP proxy a test can stop and start (tests only): a PostgreSQL pool pointed at it sees the
 * database become unreachable (open connections cut, new ones refused) and come back on the same
 * port, without the machine's own PostgreSQL ever being stopped.
 */
import net from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** cut every connection and refuse new ones */
  stop(): Promise<void>;
  /** listen again on the same port */
  start(): Promise<void>;
  close(): Promise<void>;
  /** connections accepted so far (a test counts the pools a program opens) */
  readonly accepted: number;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  let accepted = 0;
  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const s = net.createServer((client) => {
        accepted++;
        const upstream = net.connect({ host: targetHost, port: targetPort });
        open.add(client);
        open.add(upstream);
        const drop = (): void => {
          client.destroy();
          upstream.destroy();
          open.delete(client);
          open.delete(upstream);
        };
        client.on('error', drop).on('close', drop);
        upstream.on('error', drop).on('close', drop);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as net.AddressInfo).port;
        server = s;
        resolve();
      });
    });
  const stop = async (): Promise<void> => {
    const s = server;
    server = undefined;
    for (const c of open) c.destroy();
    open.clear();
    if (s) await new Promise<void>((r) => s.close(() => r()));
  };
  await listen();
  return {
    port,
    stop,
    start: listen,
    close: stop,
    get accepted() {
      return accepted;
    },
  };
}
