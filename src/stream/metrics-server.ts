/**
 * The worker's operations endpoint (`stream --metrics-port N`): a small HTTP server on the
 * worker's own port with
 *   GET /metrics  Prometheus text (WorkerMetrics), consumer lag read from JetStream on each scrape
 *   GET /healthz  200 while the process runs its loop (liveness: restart it when this fails)
 *   GET /readyz   200 when consuming, connected to NATS and not stalled on a failing commit;
 *                 503 with the reason otherwise (readiness: route no work / page nobody yet);
 *                 with --balance, what "consuming" means is BalancedMetrics.notReady's
 * Node's http module: three fixed routes need no framework.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { UserError } from '../util/errors.js';
import type { MetricsView, ScrapeState } from './worker-metrics.js';

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

export interface MetricsSource {
  /** WorkerMetrics, or with --balance BalancedMetrics (its partitions' metrics and leases) */
  readonly metrics: MetricsView;
  readonly worker: string;
  /** gauges read at scrape time; must answer quickly (it is given 2 s) */
  scrape(): Promise<ScrapeState>;
}

export async function startMetricsServer(port: number, host: string, src: MetricsSource): Promise<MetricsServer> {
  const scrape = async (): Promise<ScrapeState> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<ScrapeState>((resolve) => (timer = setTimeout(() => resolve({ natsConnected: false }), 2000)));
    try {
      return await Promise.race([src.scrape().catch(() => ({ natsConnected: false })), late]);
    } finally {
      clearTimeout(timer);
    }
  };
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (code: number, type: string, body: string): void => {
      res.writeHead(code, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'GET only\n');
    if (path === '/healthz') return send(200, 'text/plain', 'ok\n');
    if (path === '/readyz' || path === '/metrics') {
      scrape().then(
        (s) => {
          if (path === '/metrics') return send(200, 'text/plain; version=0.0.4; charset=utf-8', src.metrics.render(src.worker, s));
          const why = src.metrics.notReady(s);
          send(why ? 503 : 200, 'text/plain', why ? `not ready: ${why}\n` : 'ready\n');
        },
        (e) => send(500, 'text/plain', `${(e as Error).message}\n`),
      );
      return;
    }
    send(404, 'text/plain', 'try /metrics, /healthz or /readyz\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new UserError(`stream: --metrics-port ${port}: cannot listen on ${host}:${port} (${e.code ?? e.message})`)));
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
