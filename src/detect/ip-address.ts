/**
 * IP addresses as the rules need them: parsed once (per distinct address, never per row) into
 * four 32-bit words, matched against CIDR blocks, and sorted into the special-purpose ranges of
 * the IANA registries (RFC 6890 and successors) that decide whether an address can be a source on
 * a wire at all.
 *
 * Why our own: Node's `net.BlockList` answers "is this address in one of these blocks" but cannot
 * say which block or what kind of range it is, and `net.isIP` only validates. The ranges here are
 * a short fixed table, so a linear scan per distinct address is plenty.
 *
 * Deliberately not here: hostnames, DNS, zone-less link-local scoping, or any address that is not
 * written in the usual textual forms (dotted quad, RFC 5952 / RFC 4291 IPv6, an IPv4 tail in IPv6).
 */

/** An address as four big-endian 32-bit words; IPv4 uses word 3 only and `v` = 4. */
export interface IpAddress {
  readonly v: 4 | 6;
  readonly w: Uint32Array;
}

/** A CIDR block: the first `prefix` bits of `base`. */
export interface Cidr {
  readonly v: 4 | 6;
  readonly base: Uint32Array;
  readonly prefix: number;
  /** as written, for messages */
  readonly text: string;
}

/** Parse a dotted-quad IPv4 address into an unsigned 32-bit number, or -1. */
export function parseIpv4(s: string): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      // a leading zero followed by more digits is octal in some parsers: refuse it rather than guess
      if (digits === 1 && part === 0) return -1;
      part = part * 10 + (c - 48);
      if (part > 255) return -1;
      digits++;
    } else if (c === 46) {
      if (digits === 0 || dots === 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else return -1;
  }
  if (digits === 0 || dots !== 3) return -1;
  return value * 256 + part;
}

/** Parse an IPv6 address (with `::`, an IPv4 tail, brackets or a `%zone`) into 8 groups, or null. */
function parseIpv6Groups(text: string): Uint16Array | null {
  let s = text;
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (s.length < 2 || s.indexOf(':') < 0) return null;
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parseHalf = (h: string): number[] | null => {
    if (h === '') return [];
    const out: number[] = [];
    const parts = h.split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      if (i === parts.length - 1 && p.indexOf('.') >= 0) {
        const v4 = parseIpv4(p);
        if (v4 < 0) return null;
        out.push(Math.floor(v4 / 65536), v4 % 65536);
        continue;
      }
      if (p.length === 0 || p.length > 4 || !/^[0-9a-fA-F]+$/.test(p)) return null;
      out.push(parseInt(p, 16));
    }
    return out;
  };
  const head = parseHalf(halves[0]);
  const tail = halves.length === 2 ? parseHalf(halves[1]) : [];
  if (!head || !tail) return null;
  const groups = new Uint16Array(8);
  if (halves.length === 1) {
    if (head.length !== 8) return null;
    groups.set(head);
  } else {
    if (head.length + tail.length > 7) return null;
    groups.set(head, 0);
    groups.set(tail, 8 - tail.length);
  }
  return groups;
}

/** the value of a hex digit's char code, or -1 */
function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** the eight groups parseIpv6Plain assembles */
const v6Groups = new Uint16Array(8);
/** groups of the half being read by parseIpv6Plain (at most 8 are ever kept) */
const halfGroups = new Uint16Array(8);

/**
 * The groups of s[from, to) (hex groups of 1 to 4 digits between single colons; empty for an empty
 * range) into `halfGroups`: their count, or -1 when the range is not such a list or has more than 8.
 */
function plainHalf(s: string, from: number, to: number): number {
  if (from === to) return 0;
  let count = 0;
  let digits = 0;
  let value = 0;
  for (let i = from; i <= to; i++) {
    if (i === to || s.charCodeAt(i) === 58) {
      if (digits === 0 || count === 8) return -1;
      halfGroups[count++] = value;
      digits = 0;
      value = 0;
      continue;
    }
    const h = hexValue(s.charCodeAt(i));
    if (h < 0 || digits === 4) return -1;
    value = value * 16 + h;
    digits++;
  }
  return count;
}

/**
 * parseIpv6Groups for the plain form (hex digits and colons only: no brackets, zone or IPv4 tail),
 * read in place into `w` as four words: what almost every address is, without the strings, arrays
 * and regular expression of the general reader (a capture's sources are classified one by one).
 * Returns false when `s` is not an address in that form; the caller checks the alphabet first.
 */
function parseIpv6Plain(s: string, w: Uint32Array): boolean {
  if (s.length < 2 || s.indexOf(':') < 0) return false;
  const gap = s.indexOf('::');
  if (gap >= 0 && s.indexOf('::', gap + 2) >= 0) return false;
  const groups = v6Groups;
  groups.fill(0);
  if (gap < 0) {
    if (plainHalf(s, 0, s.length) !== 8) return false;
    for (let i = 0; i < 8; i++) groups[i] = halfGroups[i];
  } else {
    const head = plainHalf(s, 0, gap);
    if (head < 0) return false;
    for (let i = 0; i < head; i++) groups[i] = halfGroups[i];
    const tail = plainHalf(s, gap + 2, s.length);
    if (tail < 0 || head + tail > 7) return false;
    for (let i = 0; i < tail; i++) groups[8 - tail + i] = halfGroups[i];
  }
  for (let i = 0; i < 4; i++) w[i] = ((groups[2 * i] << 16) | groups[2 * i + 1]) >>> 0;
  return true;
}

/** whether s holds only hex digits and colons (the form parseIpv6Plain reads) */
function plainIpv6Alphabet(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 58 && hexValue(c) < 0) return false;
  }
  return true;
}

/** Parse IPv4 or IPv6 text; null when it is not an address. */
export function parseIp(text: string): IpAddress | null {
  const s = text.trim();
  const v4 = parseIpv4(s);
  if (v4 >= 0) return { v: 4, w: Uint32Array.of(0, 0, 0, v4) };
  const w = new Uint32Array(4);
  if (plainIpv6Alphabet(s)) return parseIpv6Plain(s, w) ? { v: 6, w } : null;
  const g = parseIpv6Groups(s);
  if (!g) return null;
  for (let i = 0; i < 4; i++) w[i] = ((g[2 * i] << 16) | g[2 * i + 1]) >>> 0;
  return { v: 6, w };
}

/** The general reader alone (brackets, zones, IPv4 tails and all): what parseIp's fast path must agree with, for tests. */
export function parseIpGeneral(text: string): IpAddress | null {
  const g = parseIpv6Groups(text.trim());
  if (!g) return null;
  const w = new Uint32Array(4);
  for (let i = 0; i < 4; i++) w[i] = ((g[2 * i] << 16) | g[2 * i + 1]) >>> 0;
  return { v: 6, w };
}

/**
 * Why an address is refused when an IPv4 part of it is written with a leading zero
 * ("192.168.10.050", also as an IPv6 tail or a network's address), or undefined when none is.
 * parseIpv4 refuses such text rather than guess: inet_aton, ping and curl read "050" as octal
 * (192.168.10.40), most parsers and people as decimal (192.168.10.50), and a filter, a ban or an
 * unban on the wrong host is silent. The message shows both readings so the user can say which
 * one they meant.
 */
export function leadingZeroProblem(text: string): string | undefined {
  const s = text.trim();
  const slash = s.indexOf('/');
  const addr = slash < 0 ? s : s.slice(0, slash);
  const m = /(?:^|:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(addr);
  if (!m) return undefined;
  const parts = m.slice(1, 5);
  const padded = parts.find((p) => p.length > 1 && p[0] === '0');
  if (padded === undefined) return undefined;
  const head = addr.slice(0, addr.length - parts.join('.').length);
  const tail = slash < 0 ? '' : s.slice(slash);
  const reading = (values: number[]): string | undefined => (values.every((v) => Number.isInteger(v) && v <= 255) ? `${head}${values.join('.')}${tail}` : undefined);
  const decimal = reading(parts.map((p) => Number(p)));
  const octal = reading(parts.map((p) => (p.length > 1 && p[0] === '0' ? (/^[0-7]+$/.test(p) ? parseInt(p, 8) : NaN) : Number(p))));
  const asDecimal = `others as decimal${decimal ? ` (${decimal})` : ''}`;
  const readings = octal ? `some programs read it as octal (${octal}), ${asDecimal}` : `some programs refuse it (as octal it is no number), ${asDecimal}`;
  return `"${text}" has a leading zero ("${padded}"): ${readings}; write each part without leading zeros`;
}

/** Parse "a.b.c.d/n", "x::/n" or a bare address (a /32 or /128). Returns an error text on failure. */
export function parseCidr(text: string): Cidr | string {
  const s = text.trim();
  const slash = s.indexOf('/');
  const addrText = slash < 0 ? s : s.slice(0, slash);
  const ip = parseIp(addrText);
  if (!ip) return leadingZeroProblem(text) ?? `"${text}" is not an IPv4 or IPv6 network (write it like 10.0.0.0/8 or fd00::/8)`;
  const max = ip.v === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const p = s.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > max) return `"${text}" has prefix length "${p}"; it must be 0 to ${max}`;
    prefix = Number(p);
  }
  const base = Uint32Array.from(ip.w);
  // keep only the network bits, so "10.1.2.3/8" means 10.0.0.0/8
  const start = ip.v === 4 ? 96 : 0;
  for (let word = 0; word < 4; word++) {
    const firstBit = word * 32;
    const keep = Math.max(0, Math.min(32, start + prefix - firstBit));
    if (ip.v === 4 && word < 3) continue;
    base[word] = keep === 0 ? 0 : keep === 32 ? base[word] : (base[word] & (~0 << (32 - keep))) >>> 0;
  }
  return { v: ip.v, base, prefix, text: s };
}

/** Whether `ip` lies in `block` (an IPv4 block never contains an IPv6 address and vice versa). */
export function cidrContains(block: Cidr, ip: IpAddress): boolean {
  if (block.v !== ip.v) return false;
  let bits = block.prefix;
  for (let word = block.v === 4 ? 3 : 0; word < 4 && bits > 0; word++) {
    const take = Math.min(32, bits);
    const mask = take === 32 ? 0xffffffff : (~0 << (32 - take)) >>> 0;
    if (((ip.w[word] & mask) >>> 0) !== ((block.base[word] & mask) >>> 0)) return false;
    bits -= take;
  }
  return true;
}

/** Address text in canonical form (IPv4 dotted quad; IPv6 per RFC 5952), for messages and keys. */
export function formatIp(ip: IpAddress): string {
  return addressWordsText(ip.w, ip.v);
}

/** addressWordsText's eight 16-bit groups (used at once, never kept) */
const GROUPS = new Int32Array(8);

/**
 * The same text from four big-endian words at `at` (IPv4: word 3 only), for callers that keep
 * addresses in flat arrays rather than as IpAddress objects (the packet decoder, the flow table).
 */
export function addressWordsText(w: Uint32Array | readonly number[], family: number, at = 0): string {
  if (family === 4) {
    const x = w[at + 3];
    return `${x >>> 24}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}`;
  }
  // IPv4-mapped (::ffff:0:0/96): the dotted quad after ::ffff:, as RFC 5952 section 5 recommends and
  // tshark and inet_ntop print it (`::ffff:192.0.2.1`); in hex (`::ffff:c000:201`) nobody recognised
  // the IPv4 address inside, nor found it by searching for it
  if (w[at] === 0 && w[at + 1] === 0 && w[at + 2] === 0xffff) {
    const x = w[at + 3];
    return `::ffff:${x >>> 24}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}`;
  }
  const g = GROUPS;
  for (let i = 0; i < 4; i++) {
    g[2 * i] = w[at + i] >>> 16;
    g[2 * i + 1] = w[at + i] & 0xffff;
  }
  // the longest run (≥ 2) of zero groups becomes "::"
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  // the text in one pass over the groups: arrays, slices and joins per address (the way it was
  // written before) were a good part of what reading a capture with many IPv6 sources allocated
  if (bestStart < 0) {
    let s = g[0].toString(16);
    for (let i = 1; i < 8; i++) s += ':' + g[i].toString(16);
    return s;
  }
  let s = '';
  for (let i = 0; i < bestStart; i++) s += (i > 0 ? ':' : '') + g[i].toString(16);
  s += '::';
  const after = bestStart + bestLen;
  for (let i = after; i < 8; i++) s += (i > after ? ':' : '') + g[i].toString(16);
  return s;
}


/**
 * What kind of range an address belongs to, as far as a source address is concerned.
 *  - `public`: globally routable unicast; the only kind that can come from the Internet.
 *  - `private`: RFC 1918, IPv6 unique-local (fc00::/7): fine inside a site, never from outside.
 *  - `shared`: RFC 6598 carrier-grade NAT space (100.64.0.0/10): inside a provider only.
 *  - `link-local`: 169.254.0.0/16, fe80::/10: one link, never routed.
 *  - `loopback`: 127.0.0.0/8, ::1: only on a host's loopback interface.
 *  - `bogon`: can never be the source of a packet on a wire (see `SOURCE_BOGONS` for the list).
 *  - `invalid`: not an IP address at all (a hostname, garbage).
 */
export type AddressKind = 'public' | 'private' | 'shared' | 'link-local' | 'loopback' | 'bogon' | 'invalid';

interface SpecialRange {
  readonly cidr: Cidr;
  readonly kind: Exclude<AddressKind, 'public' | 'invalid'>;
  /** what the range is, for a finding's reason */
  readonly name: string;
  /** documentation or benchmarking space: never on the Internet, but what test labs number their own networks from */
  readonly lab: boolean;
}

function range(text: string, kind: SpecialRange['kind'], name: string, lab = false): SpecialRange {
  const c = parseCidr(text);
  if (typeof c === 'string') throw new Error(`bad built-in range ${text}: ${c}`);
  return { cidr: c, kind, name, lab };
}

/**
 * Special-purpose ranges, most specific first. `bogon` entries are the ones RFC 6890 marks as not
 * valid as a source (or that are reserved, multicast, documentation or benchmarking space, which
 * no correctly configured host sends from). IPv4 has no unallocated unicast left (IANA's pool ran
 * out in 2011); IPv6 unicast outside 2000::/3 that is not listed is unallocated and a bogon.
 */
const RANGES: readonly SpecialRange[] = [
  range('255.255.255.255/32', 'bogon', 'the limited broadcast address'),
  range('0.0.0.0/8', 'bogon', '"this network" (0.0.0.0/8)'),
  range('127.0.0.0/8', 'loopback', 'loopback (127.0.0.0/8)'),
  range('10.0.0.0/8', 'private', 'private (10.0.0.0/8)'),
  range('172.16.0.0/12', 'private', 'private (172.16.0.0/12)'),
  range('192.168.0.0/16', 'private', 'private (192.168.0.0/16)'),
  range('100.64.0.0/10', 'shared', 'shared carrier-grade NAT space (100.64.0.0/10)'),
  range('169.254.0.0/16', 'link-local', 'link-local (169.254.0.0/16)'),
  range('192.0.0.0/24', 'bogon', 'IETF protocol assignments (192.0.0.0/24)'),
  range('192.0.2.0/24', 'bogon', 'documentation TEST-NET-1 (192.0.2.0/24)', true),
  range('198.51.100.0/24', 'bogon', 'documentation TEST-NET-2 (198.51.100.0/24)', true),
  range('203.0.113.0/24', 'bogon', 'documentation TEST-NET-3 (203.0.113.0/24)', true),
  range('198.18.0.0/15', 'bogon', 'benchmarking (198.18.0.0/15)', true),
  range('224.0.0.0/4', 'bogon', 'multicast (224.0.0.0/4), never a source'),
  range('240.0.0.0/4', 'bogon', 'reserved (240.0.0.0/4)'),
  range('::/128', 'bogon', 'the unspecified address (::)'),
  range('::1/128', 'loopback', 'loopback (::1)'),
  range('::ffff:0:0/96', 'bogon', 'IPv4-mapped (::ffff:0:0/96), never on a wire'),
  range('64:ff9b:1::/48', 'private', 'local-use IPv4/IPv6 translation (64:ff9b:1::/48)'),
  range('100::/64', 'bogon', 'discard-only (100::/64)'),
  range('2001:db8::/32', 'bogon', 'documentation (2001:db8::/32)', true),
  range('2001:2::/48', 'bogon', 'benchmarking (2001:2::/48)', true),
  range('fc00::/7', 'private', 'unique-local (fc00::/7)'),
  range('fe80::/10', 'link-local', 'link-local (fe80::/10)'),
  range('ff00::/8', 'bogon', 'multicast (ff00::/8), never a source'),
];

/** IPv6 space that is allocated for global unicast: 2000::/3, plus NAT64's well-known prefix. */
const IPV6_GLOBAL = [parseCidr('2000::/3') as Cidr, parseCidr('64:ff9b::/96') as Cidr];

export interface AddressClass {
  readonly kind: AddressKind;
  /** the range's name, e.g. "private (10.0.0.0/8)"; "" for public */
  readonly range: string;
  /** documentation or benchmarking space (RFC 5737, 3849, 2544, 5180): a lab's own numbering */
  readonly lab?: boolean;
}

/**
 * Every class an address can get, by number: RANGES in order, then unallocated IPv6, public and
 * invalid. Shared objects, so classifying an address allocates nothing, and a caller can keep the
 * number (a few bits) instead of the class (spoofing.ts keeps it in a flag word per address).
 */
const CLASSES: readonly AddressClass[] = [
  ...RANGES.map((r) => ({ kind: r.kind, range: r.name, lab: r.lab })),
  { kind: 'bogon', range: 'unallocated IPv6 space (outside 2000::/3)' },
  { kind: 'public', range: '' },
  { kind: 'invalid', range: 'not an IP address' },
];
const CLASS_UNALLOCATED_V6 = RANGES.length;
const CLASS_PUBLIC = RANGES.length + 1;
const CLASS_INVALID = RANGES.length + 2;

/** How many class numbers there are (classIndex returns less than this). */
export const ADDRESS_CLASS_COUNT = CLASSES.length;

/** The IPv4 entries of RANGES as (mask, network, class number), in RANGES order. */
const V4_RANGES = RANGES.flatMap((r, i) => (r.cidr.v === 4 ? [{ mask: prefixMask(r.cidr.prefix), net: r.cidr.base[3], cls: i }] : []));

function prefixMask(prefix: number): number {
  return prefix === 0 ? 0 : prefix >= 32 ? 0xffffffff : (~0 << (32 - prefix)) >>> 0;
}

/** The class number of `ip` (see addressClassAt); classifyAddress by number. */
export function classIndex(ip: IpAddress | null): number {
  if (!ip) return CLASS_INVALID;
  if (ip.v === 4) return classIndexV4(ip.w[3]);
  for (let i = 0; i < RANGES.length; i++) if (cidrContains(RANGES[i].cidr, ip)) return i;
  if (!IPV6_GLOBAL.some((c) => cidrContains(c, ip))) return CLASS_UNALLOCATED_V6;
  return CLASS_PUBLIC;
}

/**
 * The class number of an IPv4 address given as the number parseIpv4 returns: the same answer as
 * classIndex(parseIp(text)) without building an IpAddress (a typed array per address, most of
 * the cost of classifying the sources of a capture).
 */
export function classIndexV4(v4: number): number {
  for (const r of V4_RANGES) if ((v4 & r.mask) >>> 0 === r.net) return r.cls;
  return CLASS_PUBLIC;
}

/** The class of a number from classIndex. */
export function addressClassAt(i: number): AddressClass {
  return CLASSES[i];
}

/** Whether the IPv4 address `v4` (a parseIpv4 number) lies in `block`: cidrContains without an IpAddress. */
export function cidrContainsV4(block: Cidr, v4: number): boolean {
  if (block.v !== 4) return false;
  const mask = prefixMask(block.prefix);
  return (v4 & mask) >>> 0 === (block.base[3] & mask) >>> 0;
}

/** The kind of range `ip` is in (IPv4-embedded IPv6 forms other than NAT64 are judged as IPv6). */
export function classifyAddress(ip: IpAddress | null): AddressClass {
  return CLASSES[classIndex(ip)];
}

/** Whether an address of this kind is looked up in a GeoIP database (only public ones are). */
export function isRoutable(kind: AddressKind): boolean {
  return kind === 'public';
}
