/**
 * Addresses that are never blocked, whatever the evidence: loopback, this machine's own
 * addresses, its default gateways and DNS resolvers (blocking those cuts the machine off, the
 * classic self-inflicted outage of automatic blocking), plus the networks and hosts a deployment
 * lists. The policy consults it before making a ban, and every blocklist writer consults it again
 * before writing a line (defence in depth: a decision added by hand or by another tool cannot put
 * an allowlisted address into a firewall either).
 *
 * A range decision is refused when it overlaps an allowlisted network at all (blocking
 * 10.0.0.0/8 would block an allowlisted 10.0.0.1). IPv4-mapped IPv6 (::ffff:a.b.c.d) is treated
 * as the IPv4 address it carries.
 *
 * Why our own matching: the CIDR arithmetic already exists in src/detect/ip-address.ts, and
 * Node's net.BlockList cannot answer "does this range overlap one of these".
 */
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { lookup } from 'node:dns/promises';
import { cidrContains, formatIp, parseCidr, parseIp, type Cidr, type IpAddress } from '../detect/ip-address.js';
import { UserError } from '../util/errors.js';

export interface AllowEntry {
  readonly cidr: Cidr;
  /** why it is there: "loopback", "own address (eth0)", "default gateway", "resolver", "config" */
  readonly why: string;
}

const MAPPED_PREFIX = Uint32Array.of(0, 0, 0xffff, 0);

/** ::ffff:a.b.c.d → a.b.c.d (as IPv4); other addresses unchanged. */
export function unmapIp(ip: IpAddress): IpAddress {
  if (ip.v === 6 && ip.w[0] === 0 && ip.w[1] === 0 && ip.w[2] === 0xffff) return { v: 4, w: Uint32Array.of(0, 0, 0, ip.w[3]) };
  return ip;
}

/** A mapped IPv6 range inside ::ffff:0:0/96 → the IPv4 range it covers; others unchanged. */
export function unmapCidr(c: Cidr): Cidr {
  if (c.v === 6 && c.prefix >= 96 && c.base[0] === 0 && c.base[1] === 0 && c.base[2] === 0xffff) {
    const v4: Cidr = { v: 4, base: Uint32Array.of(0, 0, 0, c.base[3]), prefix: c.prefix - 96, text: '' };
    return { ...v4, text: `${formatIp({ v: 4, w: v4.base })}/${v4.prefix}` };
  }
  return c;
}

/** whether block `a` contains every address of block `b` */
function blockContains(a: Cidr, b: Cidr): boolean {
  return a.v === b.v && a.prefix <= b.prefix && cidrContains(a, { v: b.v, w: b.base });
}

function overlaps(a: Cidr, b: Cidr): boolean {
  return blockContains(a, b) || blockContains(b, a);
}

/** an IPv6 range wide enough to hold all of ::ffff:0:0/96 holds every IPv4 address too */
function coversMappedSpace(c: Cidr): boolean {
  return c.v === 6 && c.prefix <= 96 && cidrContains(c, { v: 6, w: MAPPED_PREFIX });
}

export class Allowlist {
  readonly entries: readonly AllowEntry[];
  constructor(entries: readonly AllowEntry[]) {
    this.entries = entries.map((e) => ({ ...e, cidr: unmapCidr(e.cidr) }));
  }

  /** The entry that protects `value` (an address or a CIDR), or undefined when it may be blocked. */
  protects(value: string): AllowEntry | undefined {
    const parsed = parseCidr(value);
    if (typeof parsed === 'string') return undefined;
    const c = unmapCidr(parsed);
    for (const e of this.entries) {
      if (overlaps(e.cidr, c)) return e;
      // a wide IPv6 network holding ::ffff:0:0/96 holds every IPv4 address, in either direction
      if (e.cidr.v === 4 && coversMappedSpace(c)) return e;
      if (c.v === 4 && coversMappedSpace(e.cidr)) return e;
    }
    return undefined;
  }
}

/** The nameservers of /etc/resolv.conf (or the given text). */
export function resolversFrom(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m && parseIp(m[1].replace(/%.*$/, ''))) out.push(m[1].replace(/%.*$/, ''));
  }
  return out;
}

/** The IPv4 default gateways in /proc/net/route (or the given text): little-endian hex columns. */
export function gatewaysFrom(procNetRoute: string): string[] {
  const out: string[] = [];
  for (const line of procNetRoute.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8) continue;
    const [, dest, gw, , , , , mask] = f;
    if (dest !== '00000000' || mask !== '00000000' || !/^[0-9A-Fa-f]{8}$/.test(gw) || gw === '00000000') continue;
    const n = parseInt(gw, 16);
    out.push(`${n & 255}.${(n >>> 8) & 255}.${(n >>> 16) & 255}.${n >>> 24}`);
  }
  return out;
}

/** The IPv6 default gateways in /proc/net/ipv6_route: 32-hex-digit columns, next hop in column 5. */
export function ipv6GatewaysFrom(procIpv6Route: string): string[] {
  const out: string[] = [];
  for (const line of procIpv6Route.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || f[0] !== '0'.repeat(32) || f[1] !== '00' || f[4] === '0'.repeat(32)) continue;
    const groups = f[4].match(/.{4}/g)!.join(':');
    const ip = parseIp(groups);
    if (ip) out.push(formatIp(ip));
  }
  return out;
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

export interface AllowlistOptions {
  /** CIDRs, addresses or host names from the configuration */
  readonly entries?: readonly string[];
  /** add loopback, own addresses, default gateways and resolvers (default true) */
  readonly defaults?: boolean;
  /** extra gateways and resolvers named in the configuration */
  readonly gateways?: readonly string[];
  readonly resolvers?: readonly string[];
  /** where errors point, e.g. "netsentinel.yaml: respond.allowlist" */
  readonly where?: string;
}

/** The machine's own view: loopback, interface addresses, default gateways, resolvers. */
export function defaultAllowEntries(): AllowEntry[] {
  const out: AllowEntry[] = [
    { cidr: parseCidr('127.0.0.0/8') as Cidr, why: 'loopback' },
    { cidr: parseCidr('::1/128') as Cidr, why: 'loopback' },
  ];
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    for (const a of addrs ?? []) {
      const c = parseCidr(a.address.replace(/%.*$/, ''));
      if (typeof c !== 'string') out.push({ cidr: c, why: `own address (${name})` });
    }
  }
  for (const g of [...gatewaysFrom(readOr('/proc/net/route')), ...ipv6GatewaysFrom(readOr('/proc/net/ipv6_route'))]) {
    out.push({ cidr: parseCidr(g) as Cidr, why: 'default gateway' });
  }
  for (const r of resolversFrom(readOr('/etc/resolv.conf'))) {
    const c = parseCidr(r);
    if (typeof c !== 'string') out.push({ cidr: c, why: 'resolver (/etc/resolv.conf)' });
  }
  return out;
}

/**
 * Build the allowlist: defaults, then configured networks and hosts (a host name is resolved
 * now, every address it has; one that does not resolve is an error naming it, because silently
 * dropping an allowlist entry is how a gateway gets blocked).
 */
export async function buildAllowlist(o: AllowlistOptions = {}): Promise<Allowlist> {
  const where = o.where ?? 'allowlist';
  const entries: AllowEntry[] = o.defaults === false ? [] : defaultAllowEntries();
  const add = async (text: string, why: string): Promise<void> => {
    const c = parseCidr(text);
    if (typeof c !== 'string') {
      entries.push({ cidr: c, why });
      return;
    }
    if (text.includes('/') || !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(text)) throw new UserError(`${where}: ${c}`);
    let found: { address: string }[];
    try {
      found = await lookup(text, { all: true });
    } catch (e) {
      throw new UserError(`${where}: host "${text}" does not resolve (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); write its address instead`);
    }
    for (const f of found) entries.push({ cidr: parseCidr(f.address) as Cidr, why: `${why} (${text})` });
  };
  for (const e of o.entries ?? []) await add(e, 'config');
  for (const g of o.gateways ?? []) await add(g, 'configured gateway');
  for (const r of o.resolvers ?? []) await add(r, 'configured resolver');
  return new Allowlist(entries);
}
