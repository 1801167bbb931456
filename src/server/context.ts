/** What every route of the service shares: configuration, models, store, decisions, intel, keys, metrics, log. */
import type { AnalysisConfig } from '../config/analysis-config.js';
import type { Logger } from 'pino';
import type { AlertStore } from '../store/alert-store.js';
import type { AlertReader } from '../store/alert-query.js';
import type { KeyStore } from '../store/key-store.js';
import type { ModelRegistry } from './model-registry.js';
import type { ServerConfig } from './server-config.js';
import type { ServiceMetrics } from './metrics.js';
import type { LiveAlerts } from './live-alerts.js';
import type { DecisionStore } from '../store/decision-store.js';
import type { Allowlist } from '../respond/allowlist.js';
import type { ServiceIntel } from './service-intel.js';
import type { Announcer } from './announcer.js';

export interface ServiceContext {
  readonly config: ServerConfig;
  /** the analysis sections of the config file (thresholds, weights, rules, alert limits): uploads are analysed with them */
  readonly analysis: AnalysisConfig;
  readonly models: ModelRegistry;
  readonly store: AlertStore;
  readonly reader: AlertReader;
  readonly storeLocation: string;
  readonly keys: KeyStore;
  readonly authRequired: boolean;
  readonly metrics: ServiceMetrics;
  readonly log: Logger;
  readonly live: LiveAlerts;
  /** the decisions table `netsentinel decisions` and `block` use, in the same store */
  readonly decisions: DecisionStore;
  /** addresses never banned (respond.allowlist and the machine's own), as the policy uses */
  readonly allowlist: Allowlist;
  readonly intel: ServiceIntel;
  /** announces decisions added through the API on the notify channels (respond.notifyManual) */
  readonly announcer: Announcer;
  readonly version: string;
}

/** Scope a route needs: public (no key ever), read, or write (write keys can also read). */
export type RouteScope = 'public' | 'read' | 'write';

declare module 'fastify' {
  interface FastifyContextConfig {
    scope?: RouteScope;
    /** the body types a route reads, for its 415 (default: application/json) */
    accepts?: string;
  }
  interface FastifyRequest {
    keyId?: string;
  }
}
