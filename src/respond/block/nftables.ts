/**
 * The nftables side of blocking: a script for `nft -f` that (re)creates table `inet netsentinel`
 * in one transaction, with two named sets (ipv4_addr and ipv6_addr, `flags interval, timeout`, so
 * ranges and per-element timeouts both work: the kernel forgets an element when its decision
 * expires even if nobody runs `block expire`) and drop rules on input and forward. The table is
 * ours alone: the script never touches any other table, so the host's own ruleset is left as it is.
 *
 * Also the reading side: the elements currently in the sets (`nft -j list set`), so `block apply`
 * can say what it will change before changing it.
 *
 * Written by hand rather than through a library: the script is a dozen lines of nft syntax and
 * there is no maintained Node binding to libnftables.
 */
import type { BlockTarget, BlockTargets } from './block-targets.js';

export const NFT_TABLE = 'netsentinel';
export const NFT_SET4 = 'blocked4';
export const NFT_SET6 = 'blocked6';

function elements(ts: readonly BlockTarget[]): string {
  return ts.length ? `\n    elements = { ${ts.map((t) => `${t.value} timeout ${t.timeoutSeconds}s`).join(',\n                 ')} }` : '';
}

/** The whole table, replacing any previous one of ours atomically (add + delete + define in one transaction). */
export function nftablesScript(t: BlockTargets, table = NFT_TABLE): string {
  return `#!/usr/sbin/nft -f
# netsentinel blocklist: ${t.v4.length} IPv4 and ${t.v6.length} IPv6 elements; load with: nft -f FILE
add table inet ${table}
delete table inet ${table}
table inet ${table} {
  set ${NFT_SET4} {
    type ipv4_addr
    flags interval, timeout${elements(t.v4)}
  }
  set ${NFT_SET6} {
    type ipv6_addr
    flags interval, timeout${elements(t.v6)}
  }
  chain input {
    type filter hook input priority filter - 10; policy accept;
    ip saddr @${NFT_SET4} drop
    ip6 saddr @${NFT_SET6} drop
  }
  chain forward {
    type filter hook forward priority filter - 10; policy accept;
    ip saddr @${NFT_SET4} drop
    ip6 saddr @${NFT_SET6} drop
  }
}
`;
}

/** `delete element` commands for values no longer backed by a decision. */
export function nftDeleteScript(values: { v4: readonly string[]; v6: readonly string[] }, table = NFT_TABLE): string {
  const lines: string[] = [];
  if (values.v4.length) lines.push(`delete element inet ${table} ${NFT_SET4} { ${values.v4.join(', ')} }`);
  if (values.v6.length) lines.push(`delete element inet ${table} ${NFT_SET6} { ${values.v6.join(', ')} }`);
  return lines.join('\n') + (lines.length ? '\n' : '');
}

export interface SetElement {
  readonly value: string;
  /** seconds left, when the element has a timeout */
  readonly expiresIn?: number;
}

/** Elements of one set from `nft -j list set inet TABLE SET` output. */
export function parseNftSetJson(json: string): SetElement[] {
  const doc = JSON.parse(json) as { nftables?: Record<string, unknown>[] };
  const out: SetElement[] = [];
  for (const item of doc.nftables ?? []) {
    const set = item.set as { elem?: unknown[] } | undefined;
    if (!set?.elem) continue;
    for (const e of set.elem) {
      let val: unknown = e;
      let expires: number | undefined;
      if (typeof e === 'object' && e !== null && 'elem' in e) {
        const inner = (e as { elem: { val: unknown; expires?: number } }).elem;
        val = inner.val;
        expires = inner.expires;
      }
      let text: string | undefined;
      if (typeof val === 'string') text = val;
      else if (typeof val === 'object' && val !== null && 'prefix' in val) {
        const p = (val as { prefix: { addr: string; len: number } }).prefix;
        text = `${p.addr}/${p.len}`;
      } else if (typeof val === 'object' && val !== null && 'range' in val) {
        const r = (val as { range: [string, string] }).range;
        text = `${r[0]}-${r[1]}`;
      }
      if (text) out.push({ value: text, ...(expires !== undefined ? { expiresIn: expires } : {}) });
    }
  }
  return out;
}
