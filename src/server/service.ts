/**
 * A running service: opens the models, the store, its alert reader and the key table, builds the
 * app, listens, and closes all of it in order. Shutdown (SIGTERM/SIGINT in `serve`) stops taking
 * connections, lets requests in flight finish, ends the live feeds, then closes the store; SIGHUP
 * reloads the models (model-registry.ts swaps them without dropping a request).
 */
import { loadAnalysisConfig, type AnalysisConfig } from '../config/analysis-config.js';
import type { FastifyInstance } from 'fastify';
import { buildApp, type AppState } from './app.js';
import { ModelRegistry } from './model-registry.js';
import { openStore, DEFAULT_STORE } from '../store/open-store.js';
import { openAlertReader } from '../store/alert-query.js';
import { openKeyStore } from '../store/key-store.js';
import { KeyCache } from './auth.js';
import { createMetrics } from './metrics.js';
import { createServiceLog } from './access-log.js';
import { LiveAlerts } from './live-alerts.js';
import { isLoopback, type ServerConfig } from './server-config.js';
import type { ServiceContext } from './context.js';
import { NETSENTINEL_VERSION } from '../models/trained-model.js';
import { UserError } from '../util/errors.js';
import { existsSync } from 'node:fs';
import { parseStoreLocation } from '../store/store-url.js';
import { openDecisionStore } from '../store/decision-store.js';
import { buildAllowlist, type Allowlist } from '../respond/allowlist.js';
import { loadSettings, type Settings } from '../config/settings.js';
import { openServiceIntel } from './service-intel.js';
import { openAnnouncer } from './announcer.js';
import type { NotifyConfig } from '../respond/notify/notify-config.js';

export interface ServiceOptions {
  readonly config: ServerConfig;
  readonly modelFiles?: readonly string[];
  readonly modelsDir?: string;
  readonly baselineFile?: string;
  readonly store?: string;
  /** the settings (intel section: feeds, provider keys, cache); default: loaded from the environment, .env and NETSENTINEL_CONFIG */
  readonly settings?: Settings;
  /** addresses POST /v1/decisions never bans; default: loopback, own addresses, gateways, resolvers */
  readonly allowlist?: Allowlist;
  /** the channels a decision added through the API is announced on (serve: the respond settings' smtp, webhook, syslog); none when absent */
  readonly notify?: NotifyConfig;
  /** respond.notifyManual (default true): announce decisions added through the API */
  readonly notifyManual?: boolean;
  /** how often the key table is read again (revocations take effect within it; tests use a short one) */
  readonly keyRefreshMs?: number;
  /** alert feed poll interval (tests use a short one) */
  readonly pollMs?: number;
  /** the analysis sections (thresholds, weights, rules, alert limits) uploads are analysed with; default: those of the settings' config file */
  readonly analysis?: AnalysisConfig;
}

export interface RunningService {
  readonly app: FastifyInstance;
  readonly ctx: ServiceContext;
  /** http://host:port */
  readonly url: string;
  reload(): Promise<void>;
  close(): Promise<void>;
}

export async function startService(o: ServiceOptions): Promise<RunningService> {
  const config = o.config;
  const log = createServiceLog(config.accessLog);
  const loopback = isLoopback(config.host);
  const storeLocation = o.store ?? DEFAULT_STORE;
  const authRequired = !loopback || config.requireKeys;
  const noKeys = (where: string): UserError =>
    new UserError(
      `${loopback ? 'server.requireKeys is set' : `binding to ${config.host} (beyond loopback) requires API keys`}, and the store ${where} has none: make one with 'netsentinel keys add NAME --scope read --store ${storeLocation}'`,
    );
  // a SQLite store not made yet holds no keys: refused before opening would create it (a refused
  // serve left an empty netsentinel.db in the folder it was started in)
  if (authRequired) {
    const at = parseStoreLocation(storeLocation);
    if (at.kind === 'sqlite' && !existsSync(at.path)) throw noKeys(at.where);
  }
  const models = await ModelRegistry.open({
    modelFiles: o.modelFiles ?? [],
    modelsDir: o.modelsDir,
    baselineFile: o.baselineFile,
    unknownCategory: config.classify.unknownCategory,
    classifyModel: config.classify.model,
    log: (level, msg, extra) => log[level](extra ?? {}, msg),
  });
  const store = await openStore(storeLocation);
  const reader = await openAlertReader(storeLocation);
  const keys = await openKeyStore(storeLocation);
  const decisions = await openDecisionStore(storeLocation);
  const allowlist = o.allowlist ?? (await buildAllowlist());
  let metricsRef: ReturnType<typeof createMetrics> | undefined;
  const settings = o.settings ?? loadSettings();
  // what `analyze --config` reads from the same file: an upload is judged as the CLI judges a file
  const analysis = o.analysis ?? (await loadAnalysisConfig(settings.configFile));
  const intel = await openServiceIntel(settings, storeLocation, log, (e) => {
    metricsRef?.storeErrors.inc({ operation: 'intel lookup' });
    log.error({ err: e.message }, 'intel lookup failed; answered from the local feeds only');
  });
  const announcer = await openAnnouncer({ notify: o.notify, enabled: o.notifyManual ?? true, store: storeLocation, log });
  const closeStores = () => Promise.all([store.close(), reader.close(), keys.close(), decisions.close(), intel.close(), announcer.close()]);
  const cache = new KeyCache(keys);
  await cache.refresh();
  if (authRequired && cache.active === 0) {
    await closeStores();
    throw noKeys(store.where);
  }
  const state: AppState = { shuttingDown: false };
  const metrics = createMetrics(() => reader.countBySeverity(), (op) => metricsRef?.storeErrors.inc({ operation: op }));
  metricsRef = metrics;
  const live = new LiveAlerts(reader, (e) => {
    metrics.storeErrors.inc({ operation: 'live feed' });
    log.error({ err: e.message }, 'live alert feed: store read failed');
  }, o.pollMs ?? 1000);
  await live.start();
  cache.start(
    o.keyRefreshMs ?? 5000,
    (e) => log.error({ err: e.message }, 'key refresh failed'),
    () => {
      const n = live.closeRevoked((id) => cache.holds(id));
      if (n) log.info({ streams: n }, 'live feed: streams of revoked keys closed');
    },
  );
  const ctx: ServiceContext = { config, analysis, models, store, reader, storeLocation, keys, authRequired, metrics, log, live, decisions, allowlist, intel, announcer, version: NETSENTINEL_VERSION };
  const app = await buildApp(ctx, cache, state);
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (e) {
    live.stop();
    cache.stop();
    await closeStores();
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`cannot listen on ${config.host}:${config.port}: ${code === 'EADDRINUSE' ? 'the port is in use' : code === 'EACCES' ? 'permission denied' : (e as Error).message}`);
  }
  if (config.watchModels) models.watch();
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  let closing: Promise<void> | undefined;
  return {
    app,
    ctx,
    url: `http://${host}:${port}`,
    async reload() {
      await models.reload();
      metrics.reloads.inc({ result: 'done' });
    },
    close() {
      closing ??= (async () => {
        state.shuttingDown = true;
        models.close();
        live.stop();
        cache.stop();
        await app.close(); // in-flight requests finish first
        await closeStores();
        log.info({}, 'service stopped');
        log.flush?.();
      })();
      return closing;
    },
  };
}
