/**
 * Prometheus metrics of the service (prom-client, on a registry of its own so tests can build
 * several apps in one process): requests and latencies by route, model score histograms, store
 * errors, rate-limited requests, and alerts by severity read from the store when scraped.
 * The four recorded per request or per scored flow are fast-metrics.ts's (a series found once,
 * then two additions); the rare ones stay prom-client's.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { FastCounter, FastHistogram } from './fast-metrics.js';

export interface ServiceMetrics {
  readonly registry: Registry;
  readonly requests: FastCounter<'route' | 'method' | 'status'>;
  readonly latency: FastHistogram<'route' | 'method'>;
  readonly modelScore: FastHistogram<'model' | 'kind'>;
  readonly flowsScored: FastCounter<'model'>;
  readonly storeErrors: Counter<'operation'>;
  readonly rateLimited: Counter<'key'>;
  /** live-feed clients dropped for reading too slowly */
  readonly streamsDropped: Counter<string>;
  readonly reloads: Counter<'result'>;
}

export function createMetrics(alertsBySeverity: () => Promise<Record<string, number>>, onStoreError: (op: string) => void): ServiceMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'netsentinel_' });
  const m: ServiceMetrics = {
    registry,
    requests: new FastCounter('netsentinel_http_requests_total', 'HTTP requests by route, method and status', ['route', 'method', 'status'], registry),
    latency: new FastHistogram(
      'netsentinel_http_request_duration_seconds',
      'HTTP request latency by route',
      ['route', 'method'],
      [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registry,
    ),
    modelScore: new FastHistogram(
      'netsentinel_model_score',
      "models' scores: classifiers' 1 - P(normal) (or the top probability when no class is normal), detectors' anomaly score",
      ['model', 'kind'],
      [0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1],
      registry,
    ),
    flowsScored: new FastCounter('netsentinel_flows_scored_total', 'flows scored through the API, by model', ['model'], registry),
    storeErrors: new Counter({ name: 'netsentinel_store_errors_total', help: 'failed store operations', labelNames: ['operation'], registers: [registry] }),
    streamsDropped: new Counter({ name: 'netsentinel_live_streams_dropped_total', help: 'live-feed (SSE) clients dropped because more than limits.streamBufferBytes of events waited for them', registers: [registry] }),
    rateLimited: new Counter({ name: 'netsentinel_rate_limited_total', help: 'requests refused with 429, by key id (or "connections")', labelNames: ['key'], registers: [registry] }),
    reloads: new Counter({ name: 'netsentinel_model_reloads_total', help: 'model reloads', labelNames: ['result'], registers: [registry] }),
  };
  new Gauge({
    name: 'netsentinel_alerts',
    help: 'alerts in the store by severity (1 = highest)',
    labelNames: ['severity'],
    registers: [registry],
    async collect() {
      try {
        const counts = await alertsBySeverity();
        this.reset();
        for (const [sev, n] of Object.entries(counts)) this.set({ severity: sev }, n);
      } catch {
        onStoreError('count alerts');
      }
    },
  });
  return m;
}
