/**
 * Tunnels a capture's packets travel in, opened so that the flows and the packet detectors see the
 * traffic inside them. Seen from outside, a tunnel is one UDP or GRE conversation between its two
 * endpoints: a mirror session's copies (AWS VPC Traffic Mirroring and Azure's virtual TAP send
 * VXLAN, a switch's ERSPAN session GRE), an overlay network (VXLAN and Geneve: Kubernetes CNIs,
 * OpenStack, AWS Gateway Load Balancer), site-to-site GRE and IP-in-IP, 6in4, a mobile core's GTP-U.
 * Unopened, a port scan inside a mirrored VXLAN session was one long UDP flow from the mirror source
 * to the mirror target, and nothing was found. Zeek and Suricata open these by default too.
 *
 * Opened, by the header the tunnel's protocol defines (a packet that does not look like one stays
 * the packet it was decoded as: the decoder keeps it):
 * - VXLAN (RFC 7348): UDP to port 4789 (or 8472: Linux's, so flannel's and Cilium's), the I flag
 *   set; an Ethernet frame (or with VXLAN-GPE's P flag, the IPv4, IPv6 or Ethernet its
 *   next-protocol byte names).
 * - Geneve (RFC 8926): UDP to port 6081, version 0, its options skipped; an Ethernet frame, IPv4 or IPv6.
 * - GTP-U (3GPP TS 29.281): UDP to port 2152, version 1, a T-PDU (type 255); its optional fields
 *   and extension headers skipped; an IPv4 or IPv6 packet.
 * - VXLAN-GPE on its own port, 4790 (as VXLAN, its P flag naming what it carries).
 * - L2TP (RFC 2661, version 2): UDP to or from port 1701, a data message; the PPP inside carrying
 *   IPv4 or IPv6 (an ISP's LAC to LNS tunnel, a VPN without IPsec).
 * - GRE (RFC 2784, RFC 2890 key and sequence number): IP protocol 47, version 0, no routing (RFC
 *   1701's source routes are obsolete); carrying IPv4, IPv6, MPLS, or an Ethernet frame (0x6558,
 *   Linux gretap, NVGRE); ERSPAN (0x88BE: type II with its 8-byte header when the GRE sequence
 *   number is present, type I without; 0x22EB: type III, 12 bytes and its optional 8-byte
 *   platform-specific part), each an Ethernet frame.
 * - IP in IP: IP protocol 4 (IPv4 inside, RFC 2003) and 41 (IPv6 inside: 6in4, 6to4, ISATAP; RFC 4213).
 * - Teredo (RFC 4380): UDP to or from port 3544 (a client and its server or relay), an IPv6 packet
 *   after an authentication or origin indication or neither, whose payload length is exactly what
 *   the datagram holds after it: IPv6 across IPv4 NATs, which IPv4 filters let through unread (the
 *   reason IDSs open it).
 * - PPTP's enhanced GRE (RFC 2637: GRE version 1, protocol 0x880B, the key field's payload length
 *   and call id, sequence and acknowledgement numbers when flagged), when its PPP carries IPv4 or
 *   IPv6 in the clear; PPP compressed or encrypted by MPPE (protocol 0x00FD, the usual case) and
 *   PPP's own stay the tunnel's GRE flow.
 * A packet whose inner headers contradict themselves was no tunnel packet after all (UDP to 4789
 * that only looked like VXLAN): the decoder reads it again as the packet it was.
 *
 * Not opened: L2TPv3, PPTP's encrypted PPP, and a fragmented tunnel packet (no IP reassembly): they
 * stay flows of the tunnel. The inner packets keep no mark of which VXLAN segment (VNI) or GRE key they came by: two
 * tenants' overlays with the same addresses in one capture read as one network.
 */
import { PROTO_UDP, type DecodedPacket } from './decoded-packet.js';
import { ETH_IPV4, ETH_IPV6, ETH_MPLS, ETH_MPLS_MULTICAST, ETH_TEB } from './ether-types.js';

export const TUNNEL_NONE = 0;
export const TUNNEL_VXLAN = 1;
export const TUNNEL_GENEVE = 2;
export const TUNNEL_GRE = 3;
export const TUNNEL_ERSPAN = 4;
export const TUNNEL_IP_IN_IP = 5;
export const TUNNEL_GTP_U = 6;
export const TUNNEL_L2TP = 7;
export const TUNNEL_TEREDO = 8;
export const TUNNEL_PPTP = 9;
/** the kinds by number: what the capture accounting and its warning call them */
export const TUNNEL_NAMES: readonly string[] = ['', 'VXLAN', 'Geneve', 'GRE', 'ERSPAN', 'IP in IP', 'GTP-U', 'L2TP', 'Teredo', 'PPTP'];
/** the keys of the capture accounting's `tunnels` (summary.json), by kind */
export const TUNNEL_KEYS: readonly string[] = ['', 'vxlan', 'geneve', 'gre', 'erspan', 'ipInIp', 'gtpU', 'l2tp', 'teredo', 'pptp'];

/** Packets counted by tunnel kind (an array by TUNNEL_*) as summary.json names them: { vxlan, geneve, gre, erspan, ipInIp, gtpU, l2tp, teredo, pptp }. */
export function namedTunnelCounts(byKind: readonly number[]): Record<string, number> {
  return Object.fromEntries(TUNNEL_KEYS.flatMap((k, i) => (i === 0 ? [] : [[k, byKind[i] ?? 0]])));
}

const GRE_ERSPAN_2 = 0x88be;
const GRE_ERSPAN_3 = 0x22eb;

const PORT_VXLAN = 4789;
/** VXLAN-GPE's own port (its header says what it carries: the P flag and next-protocol byte) */
const PORT_VXLAN_GPE = 4790;
/** L2TP (RFC 2661), both ends' port as a rule */
const PORT_L2TP = 1701;
/** the Linux kernel's VXLAN port before IANA's, still flannel's and Cilium's default (Kubernetes overlays) */
const PORT_VXLAN_LINUX = 8472;
const PORT_GENEVE = 6081;
const PORT_GTP_U = 2152;
/** Teredo (RFC 4380): its servers' and relays' port */
const PORT_TEREDO = 3544;
/** PPTP's enhanced GRE (RFC 2637) carries this protocol type (PPP) */
const GRE_PPP = 0x880b;
const IPPROTO_IPIP = 4;
const IPPROTO_IPV6 = 41;
const IPPROTO_GRE = 47;

/** The tunnel a just-decoded IP packet (not a fragment) would be, by its protocol and port alone: TUNNEL_* (TUNNEL_NONE for most packets). */
export function tunnelKind(d: DecodedPacket): number {
  const proto = d.proto;
  if (proto === PROTO_UDP) {
    const port = d.dstPort;
    if (port === PORT_VXLAN || port === PORT_VXLAN_LINUX || port === PORT_VXLAN_GPE) return TUNNEL_VXLAN;
    if (port === PORT_GENEVE) return TUNNEL_GENEVE;
    if (port === PORT_GTP_U) return TUNNEL_GTP_U;
    if (port === PORT_TEREDO || d.srcPort === PORT_TEREDO) return TUNNEL_TEREDO;
    return port === PORT_L2TP || d.srcPort === PORT_L2TP ? TUNNEL_L2TP : TUNNEL_NONE;
  }
  return proto === IPPROTO_GRE ? TUNNEL_GRE : proto === IPPROTO_IPIP || proto === IPPROTO_IPV6 ? TUNNEL_IP_IN_IP : TUNNEL_NONE;
}

/**
 * What tunnel packet `d` (of `kind`, from tunnelKind; its transport payload at d.payloadOffset,
 * captured up to capEnd) carries: ETH_TEB or the EtherType of IPv4, IPv6 or MPLS, with
 * d.innerOffset where it starts and d.innerKind the tunnel (GRE carrying ERSPAN is TUNNEL_ERSPAN);
 * or -1 when its header is not that tunnel's, or cut before it ends (d is then unchanged but for
 * those two fields).
 */
export function tunnelPayload(b: Uint8Array, capEnd: number, d: DecodedPacket, kind: number): number {
  const o = d.payloadOffset;
  const have = Math.min(capEnd, o + d.payloadLen) - o;
  d.innerKind = kind;
  switch (kind) {
    case TUNNEL_VXLAN: {
      // flags: I (0x08, a valid VNI) set; the reserved bits are ignored on receipt (RFC 7348), but
      // P (0x04, VXLAN-GPE's next protocol in the fourth byte, as scapy writes by default): 1 IPv4, 2 IPv6, 3 Ethernet
      if (have < 8 || (b[o] & 0x08) === 0) return -1;
      d.innerOffset = o + 8;
      if ((b[o] & 0x04) === 0) return ETH_TEB;
      const next = b[o + 3];
      return next === 3 ? ETH_TEB : next === 1 ? ETH_IPV4 : next === 2 ? ETH_IPV6 : -1;
    }
    case TUNNEL_GENEVE: {
      if (have < 8 || b[o] >> 6 !== 0) return -1;
      const type = (b[o + 2] << 8) | b[o + 3];
      if (type !== ETH_TEB && type !== ETH_IPV4 && type !== ETH_IPV6) return -1;
      const length = 8 + ((b[o] & 0x3f) << 2);
      if (have < length) return -1;
      d.innerOffset = o + length;
      return type;
    }
    case TUNNEL_GTP_U:
      return gtpPayload(b, o, have, d);
    case TUNNEL_GRE:
      return grePayload(b, o, have, d);
    case TUNNEL_L2TP:
      return l2tpPayload(b, o, have, d);
    case TUNNEL_TEREDO:
      return teredoPayload(b, o, have, d);
    case TUNNEL_IP_IN_IP: {
      // the inner header's version must be the one the protocol number names
      if (have < 1 || b[o] >> 4 !== (d.proto === IPPROTO_IPIP ? 4 : 6)) return -1;
      d.innerOffset = o;
      return d.proto === IPPROTO_IPIP ? ETH_IPV4 : ETH_IPV6;
    }
    default:
      return -1;
  }
}

/** GTP-U's header at o: version 1, protocol type GTP, a T-PDU; the sequence number, N-PDU number and extension headers skipped. */
function gtpPayload(b: Uint8Array, o: number, have: number, d: DecodedPacket): number {
  if (have < 8) return -1;
  const flags = b[o];
  if (flags >> 5 !== 1 || (flags & 0x10) === 0 || b[o + 1] !== 0xff) return -1;
  let at = 8;
  if (flags & 0x07) {
    // sequence number (2), N-PDU number (1), next extension header type (1): all four bytes when any flag is set
    if (have < 12) return -1;
    let next = b[o + 11];
    at = 12;
    // each extension header: its length in 4-byte units (its first byte), its last byte the next type
    for (let n = 0; next !== 0; n++) {
      if (n > 16 || have < at + 1) return -1;
      const len = b[o + at] << 2;
      if (len === 0 || have < at + len) return -1;
      next = b[o + at + len - 1];
      at += len;
    }
  }
  if (have <= at) return -1;
  const version = b[o + at] >> 4;
  if (version !== 4 && version !== 6) return -1;
  d.innerOffset = o + at;
  return version === 4 ? ETH_IPV4 : ETH_IPV6;
}

/**
 * L2TPv2's header at o (RFC 2661): a data message (T clear, version 2), its optional length,
 * sequence numbers and offset padding skipped, then PPP (address and control 0xff 0x03 when sent,
 * the protocol one byte when compressed) carrying IPv4 or IPv6. Control messages, and PPP's own
 * (LCP, IPCP, authentication), stay part of the tunnel's UDP flow.
 */
function l2tpPayload(b: Uint8Array, o: number, have: number, d: DecodedPacket): number {
  if (have < 6) return -1;
  const flags = (b[o] << 8) | b[o + 1];
  if ((flags & 0x000f) !== 2 || (flags & 0x8000) !== 0) return -1;
  // (tunnel and session ids: 4 bytes)
  let at = 2 + (flags & 0x4000 ? 2 : 0) + 4 + (flags & 0x0800 ? 4 : 0);
  if (flags & 0x0200) {
    if (have < at + 2) return -1;
    at += 2 + ((b[o + at] << 8) | b[o + at + 1]);
  }
  return pppPayload(b, o, at, have, d);
}

/**
 * PPP at o + at (in L2TP, in PPTP's GRE): address and control 0xff 0x03 when sent, the protocol one
 * byte when compressed (RFC 1661); IPv4 or IPv6 inside, else -1 (PPP's own, compressed or encrypted).
 */
function pppPayload(b: Uint8Array, o: number, at: number, have: number, d: DecodedPacket): number {
  if (have >= at + 2 && b[o + at] === 0xff && b[o + at + 1] === 0x03) at += 2;
  if (have < at + 1) return -1;
  let ppp = b[o + at];
  if ((ppp & 1) === 0) {
    if (have < at + 2) return -1;
    ppp = (ppp << 8) | b[o + at + 1];
    at += 2;
  } else at += 1;
  if ((ppp !== PPP_IPV4 && ppp !== PPP_IPV6) || have <= at) return -1;
  d.innerOffset = o + at;
  return ppp === PPP_IPV4 ? ETH_IPV4 : ETH_IPV6;
}

/**
 * Teredo's payload at o (RFC 4380 5.1.1): an authentication indication (0x0001, the client id's and
 * authentication value's lengths, both, an 8-byte nonce and a confirmation byte), an origin
 * indication (0x0000, the origin's port and address: 8 bytes), both in that order, or neither; then
 * an IPv6 header whose payload length is exactly what follows it in the datagram (a stray datagram
 * to port 3544 is none).
 */
function teredoPayload(b: Uint8Array, o: number, have: number, d: DecodedPacket): number {
  let at = 0;
  if (have >= 4 && b[o] === 0 && b[o + 1] === 1) at = 4 + b[o + 2] + b[o + 3] + 9;
  if (have >= at + 8 && b[o + at] === 0 && b[o + at + 1] === 0) at += 8;
  if (have < at + 40 || b[o + at] >> 4 !== 6) return -1;
  const payload = (b[o + at + 4] << 8) | b[o + at + 5];
  if (at + 40 + payload !== d.payloadLen) return -1;
  d.innerOffset = o + at;
  return ETH_IPV6;
}

const PPP_IPV4 = 0x0021;
const PPP_IPV6 = 0x0057;

/**
 * PPTP's enhanced GRE header at o (RFC 2637 4.1: version 1, key present, no checksum or routing,
 * protocol 0x880B; the key field holds the payload length and call id; then the sequence number
 * (S) and acknowledgement number (A, the second byte's top bit) when present), then PPP. A packet
 * with no payload (an acknowledgement alone) has no PPP.
 */
function pptpPayload(b: Uint8Array, o: number, have: number, d: DecodedPacket): number {
  const flags = b[o];
  if ((flags & 0xc0) !== 0 || (flags & 0x20) === 0 || ((b[o + 2] << 8) | b[o + 3]) !== GRE_PPP) return -1;
  const at = 8 + (flags & 0x10 ? 4 : 0) + (b[o + 1] & 0x80 ? 4 : 0);
  if (have <= at) return -1;
  d.innerKind = TUNNEL_PPTP;
  return pppPayload(b, o, at, have, d);
}

/** GRE's header at o (version 0, no routing), then ERSPAN's when it carries ERSPAN; version 1 is PPTP's. */
function grePayload(b: Uint8Array, o: number, have: number, d: DecodedPacket): number {
  if (have < 4) return -1;
  const flags = b[o];
  if ((b[o + 1] & 0x07) === 1) return pptpPayload(b, o, have, d);
  // version (low 3 bits of the second byte) 0; the routing bit (0x40) is RFC 1701's source routing
  if ((b[o + 1] & 0x07) !== 0 || (flags & 0x40) !== 0) return -1;
  const type = (b[o + 2] << 8) | b[o + 3];
  // checksum (+ reserved), key, sequence number: 4 bytes each when present
  let at = 4 + (flags & 0x80 ? 4 : 0) + (flags & 0x20 ? 4 : 0) + (flags & 0x10 ? 4 : 0);
  if (type === ETH_IPV4 || type === ETH_IPV6 || type === ETH_TEB || type === ETH_MPLS || type === ETH_MPLS_MULTICAST) {
    if (have <= at) return -1;
    d.innerOffset = o + at;
    return type;
  }
  // (ERSPAN's own version field is not checked: the protocol type says which header it is, and
  // writers differ, scapy's type II saying version 0 where Cisco's says 1)
  if (type === GRE_ERSPAN_2) {
    // type II has a sequence number and its own 8-byte header; type I neither
    if (flags & 0x10) at += 8;
  } else if (type === GRE_ERSPAN_3) {
    // 12 bytes; bit O (the last byte's lowest) adds an 8-byte platform-specific subheader
    if (have < at + 12) return -1;
    at += b[o + at + 11] & 1 ? 20 : 12;
  } else return -1;
  if (have < at + 14) return -1;
  d.innerKind = TUNNEL_ERSPAN;
  d.innerOffset = o + at;
  return ETH_TEB;
}
