/**
 * What every threat-intelligence provider is to the rest of the code: a name, whether it can be
 * asked (a key is set), and `query(ip)` that resolves to a normalised answer (a 0-100 score,
 * whether the provider alone calls the address malicious, readable indicators) or rejects with a
 * ProviderFailure that says which of the usual things went wrong: bad key, rate limit (with the
 * server's Retry-After), timeout, unreachable, an answer that is not what the provider documents.
 *
 * The HTTP helper here is the one place a request is made: Node's fetch with an abort timeout,
 * the body read as text first so a malformed answer is reported with what it was.
 */

export type FailureKind = 'bad-key' | 'rate-limited' | 'timeout' | 'unreachable' | 'malformed' | 'error';

export class ProviderFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export interface ProviderAnswer {
  /** 0 (clean) to 100 (certainly malicious), in the provider's own terms */
  readonly score: number;
  /** the provider's own threshold says malicious (seed 002: IPQS fraud ≥ 75, VirusTotal ≥ 1 engine) */
  readonly malicious: boolean;
  readonly indicators: readonly string[];
  /** the provider fields we read, for --json */
  readonly details: Readonly<Record<string, unknown>>;
}

export interface Provider {
  readonly name: 'ipqs' | 'virustotal' | 'abuseipdb';
  readonly title: string;
  readonly configured: boolean;
  /** the key (for redaction and the cache key's absence of it) */
  query(ip: string, timeoutMs: number): Promise<ProviderAnswer>;
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/** GET with a timeout; network failures become ProviderFailure (timeout / unreachable). */
export async function httpGet(url: string, headers: Record<string, string>, timeoutMs: number, title: string): Promise<HttpAnswer> {
  const where = (() => {
    try {
      const u = new URL(url);
      return u.host;
    } catch {
      return url;
    }
  })();
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: 'application/json', ...headers }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    if (err.name === 'TimeoutError' || err.name === 'AbortError') throw new ProviderFailure('timeout', `${title} did not answer within ${timeoutMs / 1000} s (${where})`);
    throw new ProviderFailure('unreachable', `cannot reach ${title} at ${where}: ${err.cause?.code ?? err.cause?.message ?? err.message}`);
  }
  let text: string;
  try {
    text = await res.text();
  } catch (e) {
    const err = e as Error;
    if (err.name === 'TimeoutError' || err.name === 'AbortError') throw new ProviderFailure('timeout', `${title} did not finish its answer within ${timeoutMs / 1000} s (${where})`);
    throw new ProviderFailure('unreachable', `${title} broke off its answer: ${err.message}`);
  }
  return { status: res.status, headers: res.headers, text };
}

/** The body as JSON, or a 'malformed' failure quoting its start. */
export function parseJsonBody(a: HttpAnswer, title: string): unknown {
  try {
    return JSON.parse(a.text);
  } catch {
    const start = a.text.slice(0, 60).replace(/\s+/g, ' ');
    throw new ProviderFailure('malformed', `${title} answered HTTP ${a.status} with a body that is not JSON: "${start}${a.text.length > 60 ? '…' : ''}"`);
  }
}

/** Retry-After in seconds (delta-seconds or an HTTP date), else undefined. */
export function retryAfter(h: Headers, now = Date.now()): number | undefined {
  const v = h.get('retry-after');
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v.trim());
  const t = Date.parse(v);
  return Number.isFinite(t) ? Math.max(0, Math.ceil((t - now) / 1000)) : undefined;
}
