/**
 * IPQualityScore's IP reputation ("proxy detection") API, as seed 002 asked it:
 *   GET {baseUrl}/{key}/{ip}?strictness=1   →   { success, message, fraud_score, proxy, vpn, tor,
 *                                                recent_abuse, bot_status, ISP, country_code, ... }
 * IPQS reports most errors as HTTP 200 with `success: false` and a `message` (an invalid key, an
 * exhausted quota); plain HTTP 401/403/429 are handled too. The key sits in the URL path, as the
 * API wants it: the logger scrubs it, and errors here never quote the URL.
 *
 * Score: fraud_score (0-100); malicious when it reaches intel.ipqs.fraudThreshold (seed: 75).
 */
import { httpGet, parseJsonBody, ProviderFailure, retryAfter, type Provider, type ProviderAnswer } from '../provider.js';

export interface IpqsOptions {
  readonly apiKey?: string;
  readonly baseUrl: string;
  readonly fraudThreshold: number;
}

export function ipqsProvider(o: IpqsOptions): Provider {
  const title = 'IPQualityScore';
  return {
    name: 'ipqs',
    title,
    configured: !!o.apiKey,
    async query(ip, timeoutMs): Promise<ProviderAnswer> {
      const url = `${o.baseUrl.replace(/\/+$/, '')}/${encodeURIComponent(o.apiKey ?? '')}/${encodeURIComponent(ip)}?strictness=1&allow_public_access_points=true`;
      const a = await httpGet(url, {}, timeoutMs, title);
      if (a.status === 401 || a.status === 403) throw new ProviderFailure('bad-key', `${title} refused the key (HTTP ${a.status})`);
      if (a.status === 429) throw new ProviderFailure('rate-limited', `${title} rate limit reached (HTTP 429)`, retryAfter(a.headers));
      const body = parseJsonBody(a, title) as Record<string, unknown>;
      if (a.status >= 400) throw new ProviderFailure('error', `${title} answered HTTP ${a.status}: ${String(body?.message ?? '').slice(0, 120)}`);
      if (body === null || typeof body !== 'object') throw new ProviderFailure('malformed', `${title} answered with ${JSON.stringify(body)}, not an object`);
      if (body.success !== true) {
        const msg = String(body.message ?? 'no message');
        if (/key|unauthori[sz]ed|authenticat/i.test(msg)) throw new ProviderFailure('bad-key', `${title} refused the key: ${msg.slice(0, 160)}`);
        if (/quota|exceeded|credits|too many|rate limit|per second/i.test(msg)) throw new ProviderFailure('rate-limited', `${title} quota: ${msg.slice(0, 160)}`, retryAfter(a.headers));
        throw new ProviderFailure('error', `${title} said: ${msg.slice(0, 160)}`);
      }
      const score = body.fraud_score;
      if (typeof score !== 'number' || !(score >= 0 && score <= 100)) throw new ProviderFailure('malformed', `${title} answer has no fraud_score from 0 to 100 (got ${JSON.stringify(score)})`);
      const indicators = [`IPQS Fraud Score: ${score}/100`];
      const flags = ['proxy', 'vpn', 'tor', 'active_vpn', 'active_tor', 'recent_abuse', 'bot_status'].filter((k) => body[k] === true);
      if (flags.length) indicators.push(`IPQS flags: ${flags.join(', ')}`);
      return {
        score,
        malicious: score >= o.fraudThreshold,
        indicators,
        details: Object.fromEntries(['fraud_score', 'proxy', 'vpn', 'tor', 'recent_abuse', 'bot_status', 'country_code', 'ISP', 'ASN', 'request_id'].filter((k) => body[k] !== undefined).map((k) => [k, body[k]])),
      };
    },
  };
}
