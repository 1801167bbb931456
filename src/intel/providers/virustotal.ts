/**
 * VirusTotal API v3, IP address report:
 *   GET {baseUrl}/ip_addresses/{ip}   header x-apikey
 *   → { data: { id, type: "ip_address", attributes: { last_analysis_stats: { malicious, suspicious,
 *        harmless, undetected, timeout }, reputation, as_owner, country, ... } } }
 * Errors are { error: { code, message } } with the HTTP status: 401 WrongCredentialsError /
 * AuthenticationRequiredError, 403 ForbiddenError / UserNotActiveError, 429 QuotaExceededError /
 * TooManyRequestsError, 404 NotFoundError (an address VirusTotal has never seen: a clean answer).
 *
 * Score: 20 points per engine calling it malicious, 10 per suspicious, capped at 100; malicious
 * when at least intel.virustotal.maliciousThreshold engines say so (seed 002: 1).
 */
import { httpGet, parseJsonBody, ProviderFailure, retryAfter, type Provider, type ProviderAnswer } from '../provider.js';

export interface VirusTotalOptions {
  readonly apiKey?: string;
  readonly baseUrl: string;
  readonly maliciousThreshold: number;
}

export function virusTotalProvider(o: VirusTotalOptions): Provider {
  const title = 'VirusTotal';
  return {
    name: 'virustotal',
    title,
    configured: !!o.apiKey,
    async query(ip, timeoutMs): Promise<ProviderAnswer> {
      const a = await httpGet(`${o.baseUrl.replace(/\/+$/, '')}/ip_addresses/${encodeURIComponent(ip)}`, { 'x-apikey': o.apiKey ?? '' }, timeoutMs, title);
      if (a.status !== 200) {
        let code = '';
        let message = '';
        try {
          const e = (JSON.parse(a.text) as { error?: { code?: string; message?: string } }).error;
          code = e?.code ?? '';
          message = e?.message ?? '';
        } catch {
          /* a non-JSON error body: the status decides */
        }
        const said = `HTTP ${a.status}${code ? ` ${code}` : ''}${message ? `: ${message.slice(0, 120)}` : ''}`;
        if (a.status === 404 || code === 'NotFoundError') {
          return { score: 0, malicious: false, indicators: ['VirusTotal has no report on this address'], details: { notFound: true } };
        }
        if (a.status === 401 || a.status === 403 || /Credentials|Authentication|UserNotActive|Forbidden/.test(code)) throw new ProviderFailure('bad-key', `${title} refused the key (${said})`);
        if (a.status === 429 || /Quota|TooManyRequests/.test(code)) throw new ProviderFailure('rate-limited', `${title} quota reached (${said})`, retryAfter(a.headers) ?? 60);
        throw new ProviderFailure('error', `${title} answered ${said}`);
      }
      const body = parseJsonBody(a, title) as { data?: { attributes?: { last_analysis_stats?: Record<string, unknown>; reputation?: unknown; as_owner?: unknown; country?: unknown } } };
      const stats = body?.data?.attributes?.last_analysis_stats;
      if (!stats || typeof stats !== 'object') throw new ProviderFailure('malformed', `${title} answer has no data.attributes.last_analysis_stats`);
      const n = (k: string): number => {
        const v = stats[k];
        if (v === undefined) return 0;
        if (typeof v !== 'number' || !(v >= 0)) throw new ProviderFailure('malformed', `${title} last_analysis_stats.${k} is ${JSON.stringify(v)}, not a count`);
        return v;
      };
      const malicious = n('malicious');
      const suspicious = n('suspicious');
      const engines = malicious + suspicious + n('harmless') + n('undetected') + n('timeout');
      const attrs = body.data!.attributes!;
      return {
        score: Math.min(100, 20 * malicious + 10 * suspicious),
        malicious: malicious >= o.maliciousThreshold,
        indicators: [`VirusTotal: ${malicious}/${engines} engines malicious${suspicious ? `, ${suspicious} suspicious` : ''}`],
        details: { last_analysis_stats: stats, reputation: attrs.reputation, as_owner: attrs.as_owner, country: attrs.country },
      };
    },
  };
}
