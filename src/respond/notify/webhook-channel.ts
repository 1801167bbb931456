/**
 * Alerts to an HTTP backend (seed 002's BACKEND_API_URL): one JSON POST per alert, with an
 * Idempotency-Key header (the alert's key: the same alert always carries the same key, so a
 * backend that honours it counts a retried alert once), a timeout per attempt (API_TIMEOUT) and up
 * to MAX_RETRIES retries with exponential backoff and full jitter on network errors, timeouts,
 * 408, 429 (Retry-After honoured) and 5xx. Any other answer is final: the alert stays in the
 * outbox with the server's status as its last error.
 */
import type { AlertMessage } from './alert-message.js';
import type { WebhookConfig } from './notify-config.js';
import { plural } from '../../util/plural.js';

export class DeliveryError extends Error {
  constructor(
    message: string,
    /** false when retrying later cannot help (a 4xx) */
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export function webhookBody(a: AlertMessage): Record<string, unknown> {
  return {
    source: 'netsentinel',
    alert_id: a.key,
    // a host known by its MAC alone (scope "mac": a Wi-Fi access point, an ARP poisoner with no
    // address) has no IP: the MAC is given as `mac`, so a receiver reading `ip` never reads a MAC
    ip: a.scope === 'mac' ? null : a.ip,
    ...(a.scope === 'mac' ? { mac: a.ip } : {}),
    scope: a.scope,
    severity: a.severity,
    reason: a.reason,
    risk: a.risk,
    blocked: a.blocked,
    // "target": the address is a host under attack by senders nobody can name (a forged flood), not a suspect
    role: a.target ? 'target' : 'source',
    origin: a.origin,
    timestamp: a.created,
    expires: a.expires,
    // only on the message that a decision was removed by hand: {at, by, type}
    ...(a.removed ? { removed: a.removed } : {}),
  };
}

/** delay before retry n (1-based): base·2^(n−1), capped, times a uniform factor in [0.5, 1.5) */
export function backoffMs(c: Pick<WebhookConfig, 'backoff' | 'maxBackoff'>, n: number, random = Math.random): number {
  const raw = Math.min(c.maxBackoff, c.backoff * 2 ** (n - 1)) * 1000;
  return raw * (0.5 + random());
}

function causeText(e: unknown): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return 'timed out';
  return err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(e);
}

export async function postAlert(c: WebhookConfig, a: AlertMessage, sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))): Promise<void> {
  const body = JSON.stringify(webhookBody(a));
  let last = '';
  for (let attempt = 0; attempt <= c.maxRetries; attempt++) {
    if (attempt > 0) await sleep(last.startsWith('429:') ? Math.max(Number(last.slice(4)) * 1000, backoffMs(c, attempt)) : backoffMs(c, attempt));
    let res: Response;
    try {
      res = await fetch(c.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': a.key,
          'user-agent': 'netsentinel',
          ...(c.token ? { authorization: `Bearer ${c.token}` } : {}),
        },
        body,
        signal: AbortSignal.timeout(c.timeout * 1000),
      });
    } catch (e) {
      last = causeText(e);
      continue;
    }
    const answer = await res.text().catch(() => '');
    if (res.ok) return;
    if (res.status === 429) {
      const ra = Number(res.headers.get('retry-after'));
      last = `429:${Number.isFinite(ra) && ra > 0 ? Math.min(ra, c.maxBackoff) : 0}`;
      continue;
    }
    if (res.status === 408 || res.status >= 500) {
      last = `HTTP ${res.status}`;
      continue;
    }
    // a refusal is final: the server's own words (its error body, cut to one line) say what to fix
    const said = answer.replace(/\s+/g, ' ').trim().slice(0, 200);
    throw new DeliveryError(`HTTP ${res.status} ${res.statusText}${said ? `: ${said}` : ''}`, false);
  }
  throw new DeliveryError(`${last.startsWith('429:') ? 'HTTP 429 (rate limited)' : last} after ${c.maxRetries + 1} ${plural(c.maxRetries + 1, 'attempt')}`, true);
}

export function describeWebhook(c: WebhookConfig): string {
  const u = new URL(c.url);
  return `webhook ${u.protocol}//${u.host}${u.pathname}`;
}
