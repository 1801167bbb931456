/**
 * From decisions to what a firewall should hold: the active bans, each address or range once
 * (the latest expiry wins), split by family, with the seconds each has left. The allowlist is
 * consulted here again, whatever the decisions say, so no writer (blocked_ips.txt, nftables,
 * ipset) can ever receive an allowlisted address, even from a decision added by hand.
 *
 * nftables interval sets refuse overlapping elements, so an address inside a banned range is
 * left out (the range already blocks it).
 */
import { cidrContains, parseCidr, type Cidr } from '../../detect/ip-address.js';
import type { Allowlist } from '../allowlist.js';
import { unmapCidr } from '../allowlist.js';
import type { Decision } from '../decision.js';
import { severityRank } from '../decision.js';
import { canonicalTarget } from '../policy.js';

export interface BlockTarget {
  /** canonical address or CIDR */
  readonly value: string;
  readonly family: 4 | 6;
  /** whole seconds left, at least 1 */
  readonly timeoutSeconds: number;
  readonly expires: string;
}

export interface BlockTargets {
  readonly v4: readonly BlockTarget[];
  readonly v6: readonly BlockTarget[];
  /** bans left out because the allowlist protects them */
  readonly refused: readonly { readonly value: string; readonly why: string }[];
}

export function blockTargets(decisions: readonly Decision[], allowlist: Allowlist, nowMs: number): BlockTargets {
  const best = new Map<string, { d: Decision; cidr: Cidr; value: string }>();
  const refused: { value: string; why: string }[] = [];
  const ordered = [...decisions].sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || (b.risk ?? 0) - (a.risk ?? 0) || a.value.localeCompare(b.value));
  for (const d of ordered) {
    if (d.type !== 'ban' || Date.parse(d.expires) <= nowMs) continue;
    const t = canonicalTarget(d.value);
    if (!t) continue;
    const guard = allowlist.protects(t.value);
    if (guard) {
      refused.push({ value: t.value, why: `allowlisted by ${guard.cidr.text} (${guard.why})` });
      continue;
    }
    const prev = best.get(t.value);
    if (!prev || Date.parse(d.expires) > Date.parse(prev.d.expires)) {
      best.set(t.value, { d, cidr: unmapCidr(parseCidr(t.value) as Cidr), value: t.value });
    }
  }
  const all = [...best.values()];
  const ranges = all.filter((x) => x.cidr.prefix < (x.cidr.v === 4 ? 32 : 128)).sort((a, b) => a.cidr.prefix - b.cidr.prefix);
  const keep = all.filter((x) => !ranges.some((r) => r !== x && r.cidr.v === x.cidr.v && r.cidr.prefix <= x.cidr.prefix && !(r.cidr.prefix === x.cidr.prefix && r.value === x.value) && cidrContains(r.cidr, { v: x.cidr.v, w: x.cidr.base })));
  const toTarget = (x: (typeof all)[number]): BlockTarget => ({
    value: x.value,
    family: x.cidr.v,
    timeoutSeconds: Math.max(1, Math.ceil((Date.parse(x.d.expires) - nowMs) / 1000)),
    expires: x.d.expires,
  });
  return {
    v4: keep.filter((x) => x.cidr.v === 4).map(toTarget),
    v6: keep.filter((x) => x.cidr.v === 6).map(toTarget),
    refused,
  };
}
