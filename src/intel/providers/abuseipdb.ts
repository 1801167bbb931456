/**
 * AbuseIPDB API v2, check endpoint:
 *   GET {baseUrl}/check?ipAddress={ip}&maxAgeInDays=90   headers Key, Accept: application/json
 *   → { data: { ipAddress, isPublic, isWhitelisted, abuseConfidenceScore, countryCode, usageType,
 *        isp, domain, isTor, totalReports, numDistinctUsers, lastReportedAt } }
 * Errors are { errors: [ { detail, status } ] }: 401 for a bad key, 422 for a bad parameter, 429
 * when the daily limit is used up (with Retry-After and X-RateLimit-* headers).
 *
 * Score: abuseConfidenceScore (0-100); malicious at the fused alert score (intel.alertScore, 75).
 */
import { httpGet, parseJsonBody, ProviderFailure, retryAfter, type Provider, type ProviderAnswer } from '../provider.js';

export interface AbuseIpdbOptions {
  readonly apiKey?: string;
  readonly baseUrl: string;
  readonly maxAgeInDays: number;
  readonly maliciousScore: number;
}

export function abuseIpdbProvider(o: AbuseIpdbOptions): Provider {
  const title = 'AbuseIPDB';
  return {
    name: 'abuseipdb',
    title,
    configured: !!o.apiKey,
    async query(ip, timeoutMs): Promise<ProviderAnswer> {
      const url = `${o.baseUrl.replace(/\/+$/, '')}/check?ipAddress=${encodeURIComponent(ip)}&maxAgeInDays=${o.maxAgeInDays}`;
      const a = await httpGet(url, { Key: o.apiKey ?? '' }, timeoutMs, title);
      if (a.status !== 200) {
        let detail = '';
        try {
          const errs = (JSON.parse(a.text) as { errors?: { detail?: string }[] }).errors;
          detail = errs?.map((e) => e.detail).filter(Boolean).join('; ') ?? '';
        } catch {
          /* the status decides */
        }
        const said = `HTTP ${a.status}${detail ? `: ${detail.slice(0, 160)}` : ''}`;
        if (a.status === 401 || a.status === 403) throw new ProviderFailure('bad-key', `${title} refused the key (${said})`);
        if (a.status === 429) {
          const reset = Number(a.headers.get('x-ratelimit-reset'));
          const after = retryAfter(a.headers) ?? (Number.isFinite(reset) && reset > 0 ? Math.max(0, Math.ceil(reset - Date.now() / 1000)) : undefined);
          throw new ProviderFailure('rate-limited', `${title} rate limit reached (${said})`, after);
        }
        throw new ProviderFailure('error', `${title} answered ${said}`);
      }
      const body = parseJsonBody(a, title) as { data?: Record<string, unknown> };
      const d = body?.data;
      const score = d?.abuseConfidenceScore;
      if (!d || typeof score !== 'number' || !(score >= 0 && score <= 100)) throw new ProviderFailure('malformed', `${title} answer has no data.abuseConfidenceScore from 0 to 100`);
      const reports = typeof d.totalReports === 'number' ? d.totalReports : 0;
      const users = typeof d.numDistinctUsers === 'number' ? d.numDistinctUsers : 0;
      const indicators = [`AbuseIPDB confidence ${score}% (${reports} reports from ${users} users${d.lastReportedAt ? `, last ${d.lastReportedAt}` : ''})`];
      if (d.isTor === true) indicators.push('AbuseIPDB: Tor exit node');
      if (d.isWhitelisted === true) indicators.push('AbuseIPDB: whitelisted');
      return {
        score,
        malicious: score >= o.maliciousScore,
        indicators,
        details: Object.fromEntries(['abuseConfidenceScore', 'totalReports', 'numDistinctUsers', 'lastReportedAt', 'isWhitelisted', 'isTor', 'usageType', 'isp', 'countryCode'].filter((k) => d[k] !== undefined).map((k) => [k, d[k]])),
      };
    },
  };
}
