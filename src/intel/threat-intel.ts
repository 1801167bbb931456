/**
 * Threat intelligence for an address: the local feeds (always, no key needed), then each
 * configured provider (IPQualityScore, VirusTotal, AbuseIPDB) through its cache, its rate budget and
 * its timeout, in parallel; the answers fused into one score and severity (threat-fusion.ts). Every
 * source is reported, the ones that did not answer with why (no key, private address, rate limit
 * with the server's Retry-After, timeout, bad key, malformed answer), so "clean" and "nobody
 * answered" never look alike. A provider failure is a warning in the log, never an exception.
 */
import { classifyAddress, parseIp, isRoutable } from '../detect/ip-address.js';
import { UserError } from '../util/errors.js';
import { silentLogger, type Logger } from '../util/logger.js';
import { openIntelCache, type IntelCacheStore } from '../store/intel-cache-store.js';
import { loadFeeds, type FeedMatch, type FeedSet } from './feed-set.js';
import type { IntelConfig } from './intel-config.js';
import { ProviderFailure, type Provider, type ProviderAnswer } from './provider.js';
import { ipqsProvider } from './providers/ipqs.js';
import { virusTotalProvider } from './providers/virustotal.js';
import { abuseIpdbProvider } from './providers/abuseipdb.js';
import { fuseThreat, type SourceReport, type ThreatVerdict } from './threat-fusion.js';
import { TokenBucket } from './token-bucket.js';

export interface IntelReport extends ThreatVerdict {
  readonly ip: string;
  readonly feeds: readonly FeedMatch[];
  readonly sources: readonly SourceReport[];
}

export interface ThreatIntelOptions {
  readonly config: IntelConfig;
  /** feed files beside config.feeds */
  readonly extraFeeds?: readonly string[];
  /** ask no provider (feeds only) */
  readonly offline?: boolean;
  /** skip the cache (still writes fresh answers unless the store is 'none') */
  readonly refresh?: boolean;
  readonly logger?: Logger;
  readonly now?: () => number;
}

export interface ThreatIntel {
  readonly feeds: FeedSet;
  readonly providers: readonly Provider[];
  readonly cache?: IntelCacheStore;
  lookup(ip: string): Promise<IntelReport>;
  close(): Promise<void>;
}

export async function openThreatIntel(o: ThreatIntelOptions): Promise<ThreatIntel> {
  const c = o.config;
  const log = o.logger ?? silentLogger;
  const now = o.now ?? Date.now;
  const feeds = loadFeeds([...c.feeds, ...(o.extraFeeds ?? [])]);
  if (feeds.feeds.length) log.info({ feeds: feeds.feeds.map((f) => `${f.name}:${f.entries}`), seconds: Number(feeds.loadSeconds.toFixed(3)) }, 'intel feeds loaded');
  const providers: Provider[] = [
    ipqsProvider({ apiKey: c.ipqs.apiKey, baseUrl: c.ipqs.baseUrl, fraudThreshold: c.ipqs.fraudThreshold }),
    virusTotalProvider({ apiKey: c.virustotal.apiKey, baseUrl: c.virustotal.baseUrl, maliciousThreshold: c.virustotal.maliciousThreshold }),
    abuseIpdbProvider({ apiKey: c.abuseipdb.apiKey, baseUrl: c.abuseipdb.baseUrl, maxAgeInDays: c.abuseipdb.maxAgeInDays, maliciousScore: c.alertScore }),
  ];
  const conf = { ipqs: c.ipqs, virustotal: c.virustotal, abuseipdb: c.abuseipdb };
  const buckets = new Map(providers.map((p) => [p.name, new TokenBucket(conf[p.name].ratePerMinute, now)]));
  const needsCache = !o.offline && providers.some((p) => p.configured) && c.store !== 'none';
  const cache = needsCache ? await openIntelCache(c.store) : undefined;

  async function ask(p: Provider, ip: string): Promise<SourceReport> {
    const weight = conf[p.name].weight;
    const base = { source: p.name, weight };
    if (o.offline) return { ...base, status: 'skipped', answered: false, indicators: [], reason: 'offline: providers not asked' };
    if (!p.configured) return { ...base, status: 'no-key', answered: false, indicators: [], reason: `no API key (set intel.${p.name}.apiKey or ${envHint(p.name)})` };
    const answered = (a: ProviderAnswer, status: 'answered' | 'cached', fetchedAt?: number): SourceReport => ({
      ...base,
      status,
      answered: true,
      score: a.score,
      malicious: a.malicious,
      indicators: a.indicators,
      details: a.details,
      ...(fetchedAt !== undefined ? { fetchedAt: new Date(fetchedAt).toISOString() } : {}),
    });
    if (cache && !o.refresh) {
      const hit = await cache.get(p.name, ip, now());
      if (hit) return answered(hit.answer as ProviderAnswer, 'cached', hit.fetchedAt);
    }
    const wait = buckets.get(p.name)!.take();
    if (wait > 0) {
      return { ...base, status: 'rate-limited', answered: false, indicators: [], reason: `local budget of ${conf[p.name].ratePerMinute}/min used up; next request in ${Math.ceil(wait / 1000)} s`, retryAfterSeconds: Math.ceil(wait / 1000) };
    }
    try {
      log.debug({ provider: p.name, ip }, 'asking provider');
      const a = await p.query(ip, c.timeoutSeconds * 1000);
      if (cache && c.cacheTtlSeconds > 0) await cache.put(p.name, ip, a, c.cacheTtlSeconds, now());
      return answered(a, 'answered');
    } catch (e) {
      if (!(e instanceof ProviderFailure)) throw e;
      if (e.kind === 'rate-limited') buckets.get(p.name)!.block(e.retryAfterSeconds ?? 60);
      log.warn({ provider: p.name, ip, kind: e.kind, retryAfterSeconds: e.retryAfterSeconds }, e.message);
      return { ...base, status: e.kind, answered: false, indicators: [], reason: e.message, ...(e.retryAfterSeconds !== undefined ? { retryAfterSeconds: e.retryAfterSeconds } : {}) };
    }
  }

  return {
    feeds,
    providers,
    cache,
    async lookup(ipText: string): Promise<IntelReport> {
      const addr = parseIp(ipText);
      if (!addr) throw new UserError(`intel: "${ipText}" is not an IPv4 or IPv6 address`);
      const ip = ipText.trim();
      const matches = feeds.match(ip) ?? [];
      const sources: SourceReport[] = [];
      if (feeds.feeds.length) {
        const scored = matches.filter((m) => m.score !== undefined);
        const feedScore = matches.length === 0 ? 0 : scored.length === matches.length ? Math.max(...scored.map((m) => m.score!)) : 100;
        sources.push({
          source: 'feeds',
          status: matches.length ? 'listed' : 'not-listed',
          answered: true,
          score: feedScore,
          malicious: matches.length > 0 && feedScore >= c.alertScore,
          weight: c.feedWeight,
          indicators: matches.map((m) => `listed in ${m.feed} line ${m.line} as ${m.network}${m.note ? ` (${m.note})` : ''}`),
          details: { feeds: feeds.feeds.map((f) => f.name) },
        });
      } else sources.push({ source: 'feeds', status: 'skipped', answered: false, indicators: [], reason: 'no feed files configured (intel.feeds or --feed)' });
      const kind = classifyAddress(addr).kind;
      if (!isRoutable(kind)) {
        for (const p of providers) sources.push({ source: p.name, weight: conf[p.name].weight, status: 'skipped', answered: false, indicators: [], reason: `${kind} address: public reputation services know nothing about it` });
      } else sources.push(...(await Promise.all(providers.map((p) => ask(p, ip)))));
      const verdict = fuseThreat(sources, c.alertScore);
      if (verdict.malicious) log.info({ ip, score: verdict.score, severity: verdict.severity }, 'malicious address');
      return { ip, ...verdict, feeds: matches, sources };
    },
    async close() {
      await cache?.close();
    },
  };
}

function envHint(p: string): string {
  return p === 'ipqs' ? 'IPQS_API_KEY' : p === 'virustotal' ? 'VIRUSTOTAL_API_KEY' : 'ABUSEIPDB_API_KEY';
}
