/**
 * The `intel` section of the settings, read and checked once (each bad value names its key and
 * where it came from, through Settings' typed getters): keys, endpoints, thresholds, weights,
 * rate limits, the cache's time to live and location, the feed files.
 */
import type { Settings } from '../config/settings.js';
import { DEFAULT_STORE } from '../store/store-url.js';

export interface ProviderConfig {
  readonly apiKey?: string;
  readonly baseUrl: string;
  readonly ratePerMinute: number;
  readonly weight: number;
}

export interface IntelConfig {
  readonly timeoutSeconds: number;
  readonly cacheTtlSeconds: number;
  /** where the cache lives; 'none' for no cache */
  readonly store: string;
  readonly feeds: readonly string[];
  readonly alertScore: number;
  readonly feedWeight: number;
  readonly ipqs: ProviderConfig & { readonly fraudThreshold: number };
  readonly virustotal: ProviderConfig & { readonly maliciousThreshold: number };
  readonly abuseipdb: ProviderConfig & { readonly maxAgeInDays: number };
}

export function intelConfigFrom(s: Settings): IntelConfig {
  const pos = { above: 0 };
  const weight = (k: string): number => s.number(`intel.weights.${k}`, { min: 0 })!;
  const provider = (k: string): ProviderConfig => ({
    apiKey: s.string(`intel.${k}.apiKey`) || undefined,
    baseUrl: url(s, `intel.${k}.baseUrl`),
    ratePerMinute: s.number(`intel.${k}.ratePerMinute`, pos)!,
    weight: weight(k),
  });
  return {
    timeoutSeconds: s.number('intel.timeoutSeconds', pos)!,
    cacheTtlSeconds: s.number('intel.cacheTtlSeconds', { min: 0 })!,
    store: s.string('intel.store') ?? s.string('store') ?? DEFAULT_STORE,
    feeds: s.list('intel.feeds') ?? [],
    alertScore: s.number('intel.alertScore', { min: 0, max: 100 })!,
    feedWeight: weight('feeds'),
    ipqs: { ...provider('ipqs'), fraudThreshold: s.number('intel.ipqs.fraudThreshold', { min: 0, max: 100 })! },
    virustotal: { ...provider('virustotal'), maliciousThreshold: s.number('intel.virustotal.maliciousThreshold', { min: 1, integer: true })! },
    abuseipdb: { ...provider('abuseipdb'), maxAgeInDays: s.number('intel.abuseipdb.maxAgeInDays', { min: 1, max: 365, integer: true })! },
  };
}

function url(s: Settings, key: string): string {
  const v = s.string(key)!;
  try {
    const u = new URL(v);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw s.invalid(key, 'an http:// or https:// URL');
  }
  return v;
}
