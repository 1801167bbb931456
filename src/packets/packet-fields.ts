/**
 * Payload fields only a few packet detectors need, parsed lazily from a DecodedPacket's buffer
 * (`bytes`, from `payloadOffset`) when a detector asks, so the decoder's hot path stays as it is:
 *  - ICMP redirects: the gateway (IPv4 type 5) or target (ICMPv6 type 137) a router says to use,
 *    and the destination being redirected;
 *  - DHCP server messages (BOOTP reply with options 53 message type, 54 server identifier,
 *    3 routers, 6 DNS servers; RFC 2131/2132) and DHCPv6 Advertise/Reply (RFC 8415: server
 *    identifier option 2, DNS servers option 23).
 * Everything is bounded by what was captured: a field cut by the snap length is absent (null),
 * never read past the packet.
 */
import { addressWordsText } from '../detect/ip-address.js';
import { PROTO_ICMP, PROTO_ICMPV6, PROTO_UDP, type DecodedPacket } from './decoded-packet.js';

export const ICMP_REDIRECT = 5;
export const ICMPV6_REDIRECT = 137;
export const ICMPV6_ROUTER_ADVERTISEMENT = 134;

const ipv4At = (b: Uint8Array, o: number): string => `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;

/** words of the address being read (used at once): no typed array made per address */
const WORDS = new Uint32Array(4);

function ipv6At(b: Uint8Array, o: number): string {
  const w = WORDS;
  for (let i = 0; i < 4; i++) w[i] = ((b[o + 4 * i] << 24) | (b[o + 4 * i + 1] << 16) | (b[o + 4 * i + 2] << 8) | b[o + 4 * i + 3]) >>> 0;
  return addressWordsText(w, 6);
}

const HEX2 = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** The six bytes at `o` as a MAC ("00:1b:..."), from a table: a spread of the bytes through an iterator cost microseconds per neighbor advertisement. */
const macAt = (b: Uint8Array, o: number): string => `${HEX2[b[o]]}:${HEX2[b[o + 1]]}:${HEX2[b[o + 2]]}:${HEX2[b[o + 3]]}:${HEX2[b[o + 4]]}:${HEX2[b[o + 5]]}`;

export interface RedirectFields {
  /** where the sender says traffic should go: IPv4 gateway, ICMPv6 target; null when not captured */
  readonly gateway: string | null;
  /** the destination whose traffic is redirected (IPv4: of the quoted datagram); null when not captured */
  readonly destination: string | null;
}

/** The fields of an ICMP redirect, or null when the packet is not one. */
export function redirectFields(d: DecodedPacket): RedirectFields | null {
  const b = d.bytes;
  const p = d.payloadOffset;
  const n = d.payloadCaptured;
  if (d.proto === PROTO_ICMP && d.icmpType === ICMP_REDIRECT) {
    if (d.l4HeaderLen !== 8) return { gateway: null, destination: null };
    // the gateway is the second word of the ICMP header; captured whenever any payload is
    const gateway = n > 0 ? ipv4At(b, p - 4) : null;
    // the quoted datagram's IPv4 header: destination at byte 16
    const destination = n >= 20 && b[p] >> 4 === 4 ? ipv4At(b, p + 16) : null;
    return { gateway, destination };
  }
  if (d.proto === PROTO_ICMPV6 && d.icmpType === ICMPV6_REDIRECT) {
    // after type, code, checksum and 4 reserved bytes: target address, then destination address
    return { gateway: n >= 16 ? ipv6At(b, p) : null, destination: n >= 32 ? ipv6At(b, p + 16) : null };
  }
  return null;
}

export const DHCP_OFFER = 2;
export const DHCP_ACK = 5;
export const DHCP_NAK = 6;
export const DHCPV6_ADVERTISE = 2;
export const DHCPV6_REPLY = 7;

export interface DhcpServerMessage {
  readonly family: 4 | 6;
  /** DHCP message type (option 53; DHCPv6 msg-type) */
  readonly type: number;
  readonly typeName: string;
  /** option 54 (IPv4 address) or DHCPv6 server DUID in hex; null when absent */
  readonly serverId: string | null;
  /** routers offered (option 3) */
  readonly routers: readonly string[];
  /** DNS servers offered (option 6; DHCPv6 option 23) */
  readonly dns: readonly string[];
  /** the address offered to the client (yiaddr), IPv4 only */
  readonly offered: string | null;
}

const V4_NAMES: Readonly<Record<number, string>> = { 2: 'OFFER', 5: 'ACK', 6: 'NAK' };
const V6_NAMES: Readonly<Record<number, string>> = { 2: 'ADVERTISE', 7: 'REPLY' };
const MAGIC_COOKIE = 0x63825363;

/**
 * A message from a DHCP server (OFFER, ACK or NAK; DHCPv6 ADVERTISE or REPLY), or null when the
 * packet is not one. Servers send from port 67 (to a client on 68, or a relay on 67); DHCPv6
 * servers from 547 to 546.
 */
export function dhcpServerMessage(d: DecodedPacket): DhcpServerMessage | null {
  if (d.proto !== PROTO_UDP || d.fragment === 2) return null;
  const b = d.bytes;
  const p = d.payloadOffset;
  const end = p + d.payloadCaptured;
  if (d.srcPort === 67 && (d.dstPort === 68 || d.dstPort === 67)) {
    // BOOTP: op 2 (reply), fixed part of 236 bytes, then the magic cookie and options
    if (end - p < 240 || b[p] !== 2) return null;
    if (((b[p + 236] << 24) | (b[p + 237] << 16) | (b[p + 238] << 8) | b[p + 239]) >>> 0 !== MAGIC_COOKIE) return null;
    let type = -1;
    let serverId: string | null = null;
    const routers: string[] = [];
    const dns: string[] = [];
    for (let o = p + 240; o < end; ) {
      const code = b[o];
      if (code === 0) {
        o++;
        continue;
      }
      if (code === 255 || o + 1 >= end) break;
      const len = b[o + 1];
      const v = o + 2;
      if (v + len > end) break;
      if (code === 53 && len >= 1) type = b[v];
      else if (code === 54 && len >= 4) serverId = ipv4At(b, v);
      else if (code === 3) for (let i = 0; i + 4 <= len && routers.length < 8; i += 4) routers.push(ipv4At(b, v + i));
      else if (code === 6) for (let i = 0; i + 4 <= len && dns.length < 8; i += 4) dns.push(ipv4At(b, v + i));
      o = v + len;
    }
    if (!(type in V4_NAMES)) return null;
    return { family: 4, type, typeName: V4_NAMES[type], serverId, routers, dns, offered: ipv4At(b, p + 16) };
  }
  if (d.srcPort === 547 && d.dstPort === 546) {
    if (end - p < 4) return null;
    const type = b[p];
    if (!(type in V6_NAMES)) return null;
    let serverId: string | null = null;
    const dns: string[] = [];
    for (let o = p + 4; o + 4 <= end; ) {
      const code = (b[o] << 8) | b[o + 1];
      const len = (b[o + 2] << 8) | b[o + 3];
      const v = o + 4;
      if (v + len > end) break;
      if (code === 2 && len > 0) serverId = Buffer.from(b.subarray(v, v + Math.min(len, 130))).toString('hex');
      else if (code === 23) for (let i = 0; i + 16 <= len && dns.length < 8; i += 16) dns.push(ipv6At(b, v + i));
      o = v + len;
    }
    return { family: 6, type, typeName: V6_NAMES[type], serverId, routers: [], dns, offered: null };
  }
  return null;
}

export const ICMPV6_NEIGHBOR_ADVERTISEMENT = 136;

export interface NeighborAdvertisement {
  /** the address the sender claims */
  readonly target: string;
  /** the target link-layer address option (type 2), else null */
  readonly mac: string | null;
  /** the override flag: "replace what you have cached" (RFC 4861 4.4) */
  readonly override: boolean;
}

/** An ICMPv6 neighbor advertisement (type 136), or null when the packet is not one (or is cut short). */
/** The target address of an ICMPv6 neighbor solicitation (type 135), or null when the packet is not one (or is cut short). */
export function neighborSolicitationTarget(d: DecodedPacket): string | null {
  if (d.proto !== PROTO_ICMPV6 || d.icmpType !== 135 || d.l4HeaderLen !== 8 || d.payloadCaptured < 16) return null;
  return ipv6At(d.bytes, d.payloadOffset);
}

export function neighborAdvertisement(d: DecodedPacket): NeighborAdvertisement | null {
  if (d.proto !== PROTO_ICMPV6 || d.icmpType !== ICMPV6_NEIGHBOR_ADVERTISEMENT || d.l4HeaderLen !== 8) return null;
  const b = d.bytes;
  const p = d.payloadOffset;
  const end = p + d.payloadCaptured;
  if (end - p < 16) return null;
  let mac: string | null = null;
  for (let o = p + 16; o + 8 <= end; ) {
    const len = b[o + 1] * 8;
    if (len === 0 || o + len > end) break;
    if (b[o] === 2 && len >= 8) mac = macAt(b, o + 2);
    o += len;
  }
  // the flags are the ICMPv6 header's second word, just before the payload
  return { target: ipv6At(b, p), mac, override: (b[p - 4] & 0x20) !== 0 };
}

export interface RouterAdvertisement {
  /** router lifetime in seconds: 0 says "do not use me as a default router" (RFC 4861 4.2) */
  readonly lifetime: number;
  /** the source link-layer address option (type 1), else null */
  readonly mac: string | null;
  /** prefix information options (type 3) as "2001:db8::/64", with their valid lifetimes */
  readonly prefixes: readonly { readonly prefix: string; readonly valid: number }[];
}

/** An ICMPv6 router advertisement (type 134), or null when the packet is not one (or is cut short). */
export function routerAdvertisement(d: DecodedPacket): RouterAdvertisement | null {
  if (d.proto !== PROTO_ICMPV6 || d.icmpType !== ICMPV6_ROUTER_ADVERTISEMENT || d.l4HeaderLen !== 8) return null;
  const b = d.bytes;
  const p = d.payloadOffset;
  const end = p + d.payloadCaptured;
  // after the ICMPv6 header's first word: hop limit, flags, router lifetime (the last two bytes before the payload)
  const lifetime = (b[p - 2] << 8) | b[p - 1];
  let mac: string | null = null;
  const prefixes: { prefix: string; valid: number }[] = [];
  // reachable time and retrans timer (8 bytes), then the options
  for (let o = p + 8; o + 8 <= end; ) {
    const len = b[o + 1] * 8;
    if (len === 0 || o + len > end) break;
    if (b[o] === 1 && len >= 8) mac = macAt(b, o + 2);
    else if (b[o] === 3 && len >= 32 && prefixes.length < 16) {
      const valid = ((b[o + 4] << 24) | (b[o + 5] << 16) | (b[o + 6] << 8) | b[o + 7]) >>> 0;
      prefixes.push({ prefix: `${ipv6At(b, o + 16)}/${b[o + 2]}`, valid });
    }
    o += len;
  }
  return { lifetime, mac, prefixes };
}
