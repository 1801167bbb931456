/**
 * The packet decoder: link layer (Ethernet with 802.1Q/QinQ tags, Linux cooked v1 and v2, raw
 * IPv4/IPv6, BSD and OpenBSD loopback, PPP and Cisco HDLC, 802.11 data frames with or without
 * radiotap, Linux NFLOG; IP or Ethernet inside MPLS labels, IP in a PPPoE session, 802.1ah), then ARP, IPv4 (options, fragments), IPv6 (extension
 * headers, fragment header), TCP (flags, window), UDP, ICMP and ICMPv6, into one reused
 * DecodedPacket. A tunnel's packet (VXLAN, Geneve, GTP-U, GRE, ERSPAN, IP in IP: tunnels.ts) is
 * decoded as the packet it carries.
 *
 * Why our own: the npm `pcap` and `cap` packages are native addons (a compiler at install time,
 * breakage with each Node major), `pcap-parser` is unmaintained and reads classic pcap only, and
 * none decodes into flat numbers without an object per packet. This is the hot path of every
 * capture analysis (a million packets a second is the target), so it reads bytes straight from
 * the reader's buffer with shifts, allocates nothing, and decodes only what flows and the packet
 * detectors use (no payload dissection; nor TCP sequence numbers and options: nothing used them,
 * and the options' walk was on the way of most TCP segments, which carry timestamps).
 *
 * Lengths follow the headers, not the frame: Ethernet padding is not payload, and a packet cut by
 * the capture's snap length still counts its full length. A header that contradicts itself (IPv4
 * version or header length wrong, a TCP data offset below 20 or past the segment) is DECODE_MALFORMED;
 * headers cut off by the snap length are DECODE_TRUNCATED; the caller counts both and moves on.
 */
import { LINKTYPE, type CapturePacket } from './capture-packet.js';
import { L3_ARP, L3_IPV4, L3_IPV6, L3_NONE, PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP, type DecodedPacket } from './decoded-packet.js';
import { ETH_ARP, ETH_IPV4, ETH_IPV6, ETH_MPLS, ETH_MPLS_MULTICAST, ETH_PBB, ETH_PPPOE_SESSION, ETH_TEB } from './ether-types.js';
import { TUNNEL_NONE, tunnelKind, tunnelPayload } from './tunnels.js';


/** Linux cooked capture packet type of a packet this host sent (PACKET_OUTGOING) */
const SLL_OUTGOING = 4;
import { DECODE_MALFORMED, DECODE_OK, DECODE_TRUNCATED, DECODE_UNKNOWN_LINK } from './decode-status.js';
import { INNER_ETHERNET, INNER_IP, INNER_WLAN, newLinkHeader, readLinkHeader } from './link-headers.js';
export { DECODE_MALFORMED, DECODE_OK, DECODE_TRUNCATED, DECODE_UNKNOWN_LINK };

const PPP_IPV4 = 0x0021;
const PPP_IPV6 = 0x0057;
/**
 * What an 802.11 frame that carries no IP or ARP is, as its `etherType` (above every real one):
 * management and control frames and data frames without a body (null function), and data frames
 * whose body is encrypted (WEP, WPA: the Protected bit), which no flow can be made of.
 */
export const WLAN_NO_DATA = 0x10000;
export const WLAN_PROTECTED = 0x10001;
/** a QoS data frame aggregating several packets (A-MSDU, 802.11n and later): its subframes are read by decodeSubframe */
export const WLAN_AGGREGATE = 0x10002;
/** a frame radiotap says failed its frame check (received damaged): nothing in it is trusted */
export const WLAN_BAD_FCS = 0x10003;
/**
 * A management frame: WLAN_MANAGEMENT + its subtype (10 disassociation, 12 deauthentication, 8
 * beacon ...), its transmitter and receiver as the source and destination MACs, d.payloadOffset at
 * its 802.11 header (the BSSID at +16, the body at +24) for a watch that reads it (wifi-deauth-watch.ts)
 */
export const WLAN_MANAGEMENT = 0x10100;
export const WLAN_DISASSOCIATION = WLAN_MANAGEMENT + 10;
export const WLAN_DEAUTHENTICATION = WLAN_MANAGEMENT + 12;

/** the rarer link layer's header, read into this one object (decoding is synchronous) */
const linkHeader = newLinkHeader();

/** Decode a captured packet into `d`. Returns DECODE_OK or why not. */
export function decodePacket(p: CapturePacket, d: DecodedPacket): number {
  const b = p.data;
  const start = p.offset;
  let capEnd = start + p.capLen;
  let wireLen = p.wireLen;
  d.tsMicros = p.tsMicros;
  d.wireLen = p.wireLen;
  d.tunnel = 0;
  resetHeaders(d);
  d.bytes = b;
  let o = start;
  let type = 0;
  switch (p.linkType) {
    case LINKTYPE.ETHERNET:
      type = ethernet(b, o, capEnd, d);
      if (type < 0) return DECODE_TRUNCATED;
      o = d.innerOffset;
      break;
    case LINKTYPE.LINUX_SLL: {
      if (p.capLen < 16) return DECODE_TRUNCATED;
      // an outgoing packet (type 4) carries the sending interface's MAC: on a router captured with
      // -i any, a forwarded packet's source address under the router's own MAC, beside the same
      // packet arriving under its sender's (read as two machines on one address); left without a MAC
      if (((b[o + 4] << 8) | b[o + 5]) === 6 && ((b[o] << 8) | b[o + 1]) !== SLL_OUTGOING) {
        d.srcMacHi = (b[o + 6] << 8) | b[o + 7];
        d.srcMacLo = ((b[o + 8] << 24) | (b[o + 9] << 16) | (b[o + 10] << 8) | b[o + 11]) >>> 0;
      }
      type = (b[o + 14] << 8) | b[o + 15];
      o += 16;
      break;
    }
    case LINKTYPE.LINUX_SLL2: {
      if (p.capLen < 20) return DECODE_TRUNCATED;
      type = (b[o] << 8) | b[o + 1];
      if (b[o + 11] === 6 && b[o + 10] !== SLL_OUTGOING) {
        d.srcMacHi = (b[o + 12] << 8) | b[o + 13];
        d.srcMacLo = ((b[o + 14] << 24) | (b[o + 15] << 16) | (b[o + 16] << 8) | b[o + 17]) >>> 0;
      }
      o += 20;
      break;
    }
    case LINKTYPE.RAW:
    case LINKTYPE.RAW_DLT14:
    case LINKTYPE.RAW_OPENBSD:
      if (p.capLen < 1) return DECODE_TRUNCATED;
      type = b[o] >> 4 === 4 ? ETH_IPV4 : b[o] >> 4 === 6 ? ETH_IPV6 : 0;
      if (type === 0) return DECODE_MALFORMED;
      break;
    case LINKTYPE.IPV4:
      type = ETH_IPV4;
      break;
    case LINKTYPE.IPV6:
      type = ETH_IPV6;
      break;
    case LINKTYPE.NULL:
    case LINKTYPE.LOOP: {
      if (p.capLen < 4) return DECODE_TRUNCATED;
      let fam = ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
      // NULL is in the writer's byte order: a family is small, so a big value is the other order
      if (p.linkType === LINKTYPE.NULL && fam > 0xffff) fam = (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
      type = fam === 2 ? ETH_IPV4 : fam === 24 || fam === 28 || fam === 30 ? ETH_IPV6 : 0;
      o += 4;
      break;
    }
    case LINKTYPE.PPP:
    case LINKTYPE.PPP_HDLC: {
      // RFC 1662 framing (address 0xff, control 0x03) when present; the protocol field is one
      // byte when compressed (RFC 1661: an odd first byte); Cisco HDLC in a PPP_HDLC file
      if (p.capLen < 2) return DECODE_TRUNCATED;
      if ((b[o] === 0x0f || b[o] === 0x8f) && b[o + 1] === 0) {
        if (p.capLen < 4) return DECODE_TRUNCATED;
        type = (b[o + 2] << 8) | b[o + 3];
        o += 4;
        break;
      }
      if (b[o] === 0xff && b[o + 1] === 0x03) o += 2;
      if (capEnd - o < 1) return DECODE_TRUNCATED;
      let ppp = b[o];
      if ((ppp & 1) === 0) {
        if (capEnd - o < 2) return DECODE_TRUNCATED;
        ppp = (ppp << 8) | b[o + 1];
        o += 2;
      } else o += 1;
      type = ppp === PPP_IPV4 ? ETH_IPV4 : ppp === PPP_IPV6 ? ETH_IPV6 : 0;
      break;
    }
    case LINKTYPE.C_HDLC:
      if (p.capLen < 4) return DECODE_TRUNCATED;
      type = (b[o + 2] << 8) | b[o + 3];
      o += 4;
      break;
    case LINKTYPE.IEEE802_11_RADIOTAP: {
      // radiotap: version 0, a pad byte, then the header's whole length (little-endian)
      if (p.capLen < 4) return DECODE_TRUNCATED;
      if (b[o] !== 0) return DECODE_MALFORMED;
      const len = b[o + 2] | (b[o + 3] << 8);
      if (len < 8) return DECODE_MALFORMED;
      if (capEnd - o < len) return DECODE_TRUNCATED;
      const flags = radiotapFlags(b, o, len);
      if (flags & RADIOTAP_BAD_FCS) {
        d.etherType = WLAN_BAD_FCS;
        return DECODE_OK;
      }
      // the frame ends with its 4-byte FCS: not the frame's, when the whole of it was captured
      if (flags & RADIOTAP_FCS && p.capLen === p.wireLen && capEnd - o - len >= 4) {
        capEnd -= 4;
        wireLen -= 4;
      }
      o += len;
      type = wlanFrame(b, o, capEnd, d);
      if (type < 0) return -type;
      if (type < WLAN_NO_DATA) o = d.payloadOffset;
      else if (type === WLAN_AGGREGATE) d.payloadLen = wireLen - (d.payloadOffset - start);
      break;
    }
    case LINKTYPE.NFLOG: {
      // tcpdump -i nflog:GROUP: packets an nftables/iptables rule logged (`log group N`, NFLOG)
      type = nflogPayload(b, o, capEnd, d);
      if (type < 0) return -type;
      if (type === ETH_IPV4 || type === ETH_IPV6) {
        o = d.innerOffset;
        // the rule's copy length (snaplen) may have cut the packet: its IP header says how long it was
        capEnd = d.payloadOffset;
        wireLen = o - start + NFLOG_MAX_PACKET;
      }
      break;
    }
    case LINKTYPE.IEEE802_11:
      type = wlanFrame(b, o, capEnd, d);
      if (type < 0) return -type;
      if (type < WLAN_NO_DATA) o = d.payloadOffset;
      // an A-MSDU's body: its bytes on the wire (decodeSubframe tells a cut frame from a wrong length)
      else if (type === WLAN_AGGREGATE) d.payloadLen = wireLen - (d.payloadOffset - start);
      break;
    default:
      // the rarer link layers (pflog, enc, ipnet, PPI, Prism/AVS, ERF, netANALYZER), apart: this
      // switch runs for every packet, and its function's size is what V8 weighs when optimising it
      return decodeRarerLink(p, d);
  }
  // an all-zero source MAC is the loopback device's (tcpdump -i lo, or -i any's packets on lo), no
  // station's: as a link without MACs. With `-i any`, a host's packets to its own address go over
  // lo under 00:00:00:00:00:00 and the rest under its NIC's MAC, which the duplicate-address
  // detector took for two machines sending from one address.
  if (d.srcMacHi === 0 && d.srcMacLo === 0) d.srcMacHi = -1;
  // IP straight from the link layer, the common case, without decodeNetwork's call in between (V8
  // inlines neither: measured, decode + meter of a 1M-packet capture 2.5 % faster)
  const r =
    type === ETH_IPV4 ? decodeIpv4(b, o, capEnd, wireLen - (o - start), d) : type === ETH_IPV6 ? decodeIpv6(b, o, capEnd, wireLen - (o - start), d) : decodeNetwork(b, o, start, capEnd, wireLen, type, d);
  if (r !== DECODE_OK || d.fragment !== 0 || !openingTunnels) return r;
  const kind = tunnelKind(d);
  return kind === TUNNEL_NONE ? r : openTunnels(p, d, kind, start, capEnd, wireLen);
}

/**
 * decodePacket for the link types link-headers.ts reads: their header skipped, what follows read as
 * decodePacket reads an Ethernet frame, an 802.11 frame or raw IP, then the same network layer and tunnels.
 */
function decodeRarerLink(p: CapturePacket, d: DecodedPacket): number {
  const b = p.data;
  const start = p.offset;
  let capEnd = start + p.capLen;
  let wireLen = p.wireLen;
  const h = linkHeader;
  const r = readLinkHeader(p.linkType, b, start, capEnd, p.capLen === p.wireLen, h);
  if (r !== DECODE_OK) return r;
  if (h.badFcs) {
    d.etherType = WLAN_BAD_FCS;
    return DECODE_OK;
  }
  capEnd -= h.trailer;
  wireLen -= h.trailer;
  let o = h.offset;
  let type = 0;
  if (h.inner === INNER_ETHERNET) {
    type = ethernet(b, o, capEnd, d);
    if (type < 0) return DECODE_TRUNCATED;
    o = d.innerOffset;
  } else if (h.inner === INNER_WLAN) {
    type = wlanFrame(b, o, capEnd, d);
    if (type < 0) return -type;
    if (type < WLAN_NO_DATA) o = d.payloadOffset;
    else if (type === WLAN_AGGREGATE) d.payloadLen = wireLen - (d.payloadOffset - start);
  } else if (h.inner === INNER_IP) {
    if (capEnd - o < 1) return DECODE_TRUNCATED;
    type = b[o] >> 4 === 4 ? ETH_IPV4 : b[o] >> 4 === 6 ? ETH_IPV6 : 0;
    if (type === 0) return DECODE_MALFORMED;
  }
  // as decodePacket's end: a loopback device's all-zero MAC is none; then the network layer and tunnels
  if (d.srcMacHi === 0 && d.srcMacLo === 0) d.srcMacHi = -1;
  const n = decodeNetwork(b, o, start, capEnd, wireLen, type, d);
  if (n !== DECODE_OK || d.fragment !== 0 || !openingTunnels) return n;
  const kind = tunnelKind(d);
  return kind === TUNNEL_NONE ? n : openTunnels(p, d, kind, start, capEnd, wireLen);
}

/** What the link layer carries (`type`, an EtherType) at o: MPLS and PPPoE opened to the IP inside, then IPv4, IPv6 or ARP. */
function decodeNetwork(b: Uint8Array, o: number, start: number, capEnd: number, wireLen: number, type: number, d: DecodedPacket): number {
  // 802.1ah (provider backbone bridging, MAC-in-MAC): the customer's frame after the 4-byte I-TAG,
  // its MACs the hosts'
  if (type === ETH_PBB) {
    type = ethernet(b, o + 4, capEnd, d);
    if (type < 0) return DECODE_TRUNCATED;
    o = d.innerOffset;
  }
  // IP carried in MPLS (a provider's link, a SPAN of a core port) or in a PPPoE session (a DSL
  // uplink): the IP packet after the label stack or the PPP header is decoded as any other; so is
  // the Ethernet frame of an MPLS pseudowire (RFC 4448, with its control word or without) when its
  // EtherType is one decoded here. What they carry otherwise (PPP control, other pseudowires) stays
  // of its carrier's type, counted as other.
  if (type === ETH_MPLS || type === ETH_MPLS_MULTICAST) {
    let q = o;
    for (;;) {
      if (capEnd - q < 4) return DECODE_TRUNCATED;
      const bottom = b[q + 2] & 1;
      q += 4;
      if (bottom) break;
    }
    if (capEnd - q < 1) return DECODE_TRUNCATED;
    const version = b[q] >> 4;
    // an Ethernet frame whose destination MAC starts with a 4 or 6 (4c:e6:76 ...) looks like IP: IP
    // unless its length does not fit the packet and an Ethernet frame does
    const frame = capEnd - q >= 14 && frameEtherType((b[q + 12] << 8) | b[q + 13]);
    if ((version === 4 || version === 6) && !(frame && !ipFits(b, q, capEnd, wireLen - (q - start)))) {
      type = version === 4 ? ETH_IPV4 : ETH_IPV6;
      o = q;
    } else {
      // a control word starts with four zero bits, but so do many MACs (00:0c:29 ...): the frame is
      // where an EtherType of a frame follows its two MACs, after a control word or without one
      const cw = version === 0 && capEnd - q >= 18 && frameEtherType((b[q + 16] << 8) | b[q + 17]);
      if (cw || frame) {
        type = ethernet(b, cw ? q + 4 : q, capEnd, d);
        if (type < 0) return DECODE_TRUNCATED;
        o = d.innerOffset;
      }
    }
  }
  if (type === ETH_PPPOE_SESSION) {
    if (capEnd - o < 8) return DECODE_TRUNCATED;
    const ppp = (b[o + 6] << 8) | b[o + 7];
    if (ppp === PPP_IPV4 || ppp === PPP_IPV6) {
      type = ppp === PPP_IPV4 ? ETH_IPV4 : ETH_IPV6;
      o += 8;
    }
  }
  // bytes on the wire from the network header on
  const wireAvail = wireLen - (o - start);
  if (type === ETH_IPV4) return decodeIpv4(b, o, capEnd, wireAvail, d);
  if (type === ETH_IPV6) return decodeIpv6(b, o, capEnd, wireAvail, d);
  if (type === ETH_ARP) return decodeArp(b, o, capEnd, d);
  d.etherType = type;
  return DECODE_OK;
}

/** an EtherType that says an MPLS pseudowire's payload is an Ethernet frame: IP, ARP or a VLAN tag */
function frameEtherType(t: number): boolean {
  return t === ETH_IPV4 || t === ETH_IPV6 || t === ETH_ARP || t === 0x8100 || t === 0x88a8;
}

/** Whether the bytes at q read as an IPv4 or IPv6 header whose length fits the `wireAvail` bytes on the wire from there (headers not captured: taken as fitting). */
function ipFits(b: Uint8Array, q: number, capEnd: number, wireAvail: number): boolean {
  const version = b[q] >> 4;
  if (version === 4) {
    if (capEnd - q < 4) return true;
    const ihl = (b[q] & 15) << 2;
    const total = (b[q + 2] << 8) | b[q + 3];
    return ihl >= 20 && (total === 0 || (total >= ihl && total <= wireAvail));
  }
  if (capEnd - q < 6) return true;
  const plen = (b[q + 4] << 8) | b[q + 5];
  return plen === 0 || plen + 40 <= wireAvail;
}

/** Every field a packet's headers set, cleared (before a packet, and before the packet inside a tunnel). */
function resetHeaders(d: DecodedPacket): void {
  d.l3 = L3_NONE;
  d.etherType = 0;
  d.vlan = -1;
  d.srcMacHi = -1;
  d.dstMacHi = -1;
  d.proto = 0;
  d.srcPort = 0;
  d.dstPort = 0;
  d.tcpFlags = 0;
  d.fragment = 0;
  d.fragOffset = 0;
  d.fragDataLen = 0;
  d.moreFragments = false;
  d.tinyFragment = false;
  d.icmpType = -1;
  d.icmpCode = -1;
  d.l4HeaderLen = 0;
  d.payloadLen = 0;
  d.payloadCaptured = 0;
  d.transportCutShort = false;
  d.wlanTa = -1;
}

/**
 * An Ethernet header at o (with its 802.1Q/QinQ tags): its MACs and VLAN into d, its EtherType
 * returned (the header's end in d.innerOffset), or -1 when the header is cut short.
 */
function ethernet(b: Uint8Array, o: number, capEnd: number, d: DecodedPacket): number {
  if (capEnd - o < 14) return -1;
  d.dstMacHi = (b[o] << 8) | b[o + 1];
  d.dstMacLo = ((b[o + 2] << 24) | (b[o + 3] << 16) | (b[o + 4] << 8) | b[o + 5]) >>> 0;
  d.srcMacHi = (b[o + 6] << 8) | b[o + 7];
  d.srcMacLo = ((b[o + 8] << 24) | (b[o + 9] << 16) | (b[o + 10] << 8) | b[o + 11]) >>> 0;
  let type = (b[o + 12] << 8) | b[o + 13];
  o += 14;
  while (type === 0x8100 || type === 0x88a8 || type === 0x9100) {
    if (capEnd - o < 4) return -1;
    d.vlan = ((b[o] << 8) | b[o + 1]) & 0xfff;
    type = (b[o + 2] << 8) | b[o + 3];
    o += 4;
  }
  d.innerOffset = o;
  return type;
}

/** tunnels inside tunnels opened at most this deep (a packet nesting more is left as the last one opened) */
const MAX_TUNNEL_DEPTH = 4;
/** false while a packet whose inner packet was malformed is decoded again as the tunnel's own (openTunnels) */
let openingTunnels = true;

/**
 * The packet inside tunnel packet d (tunnels.ts), decoded into d in its place: the flows and
 * detectors see the traffic the tunnel carries, d.tunnel says which tunnel. A header that is not
 * the tunnel's leaves d the tunnel's packet; an inner packet whose headers contradict themselves
 * (UDP to port 4789 that only looked like VXLAN) is decoded again as the tunnel's own packet;
 * one cut by the snap length is DECODE_TRUNCATED, as any packet.
 */
function openTunnels(p: CapturePacket, d: DecodedPacket, kind: number, start: number, capEnd: number, wireLen: number): number {
  const b = p.data;
  for (let depth = 0; depth < MAX_TUNNEL_DEPTH && kind !== TUNNEL_NONE; depth++) {
    let type = tunnelPayload(b, capEnd, d, kind);
    if (type < 0) return DECODE_OK;
    let o = d.innerOffset;
    const outermost = d.tunnel === TUNNEL_NONE ? d.innerKind : d.tunnel;
    // the 802.11 frame's transmitter stays (its retransmissions are told by it, wlan-duplicates.ts)
    const wlanTa = d.wlanTa;
    resetHeaders(d);
    d.tunnel = outermost;
    d.wlanTa = wlanTa;
    if (type === ETH_TEB) {
      type = ethernet(b, o, capEnd, d);
      if (type < 0) return DECODE_TRUNCATED;
      o = d.innerOffset;
      if (d.srcMacHi === 0 && d.srcMacLo === 0) d.srcMacHi = -1;
    }
    const r = decodeNetwork(b, o, start, capEnd, wireLen, type, d);
    if (r === DECODE_MALFORMED) {
      openingTunnels = false;
      try {
        return decodePacket(p, d);
      } finally {
        openingTunnels = true;
      }
    }
    if (r !== DECODE_OK || d.fragment !== 0) return r;
    kind = tunnelKind(d);
  }
  return DECODE_OK;
}

/** the longest IP packet an NFLOG record can hold (an IPv6 header and the largest payload) */
const NFLOG_MAX_PACKET = 40 + 65535;
const NFULA_HWADDR = 8;
const NFULA_PAYLOAD = 9;

/**
 * An NFLOG record at o (LINKTYPE_NFLOG, tcpdump.org): a 4-byte header (address family: 2 IPv4, 10
 * IPv6), then type-length-value attributes, each padded to 4 bytes, in the byte order of the host
 * that captured (an attribute's type is below 256, so which of its two bytes is zero tells the
 * order). The packet is attribute 9 (its IP header first, no link header); attribute 8 holds the
 * sender's hardware address of a packet that came in (a packet going out has none). Returns the
 * EtherType of the packet (start in d.innerOffset, end of its bytes in d.payloadOffset), 0 when the
 * record holds no packet, or minus a DECODE_* code.
 */
function nflogPayload(b: Uint8Array, o: number, capEnd: number, d: DecodedPacket): number {
  if (capEnd - o < 4) return -DECODE_TRUNCATED;
  const family = b[o];
  const type = family === 2 ? ETH_IPV4 : family === 10 ? ETH_IPV6 : 0;
  let q = o + 4;
  if (capEnd - q < 4) return 0;
  const le = b[q + 3] === 0 && b[q + 2] !== 0 ? true : b[q + 2] === 0 && b[q + 3] !== 0 ? false : true;
  while (capEnd - q >= 4) {
    const len = le ? b[q] | (b[q + 1] << 8) : (b[q] << 8) | b[q + 1];
    // the type's two high bits are netlink's nested and byte-order flags
    const t = (le ? b[q + 2] | (b[q + 3] << 8) : (b[q + 2] << 8) | b[q + 3]) & 0x3fff;
    if (len < 4) return -DECODE_MALFORMED;
    if (t === NFULA_PAYLOAD) {
      if (type === 0) return 0;
      d.innerOffset = q + 4;
      d.payloadOffset = Math.min(capEnd, q + len);
      return type;
    }
    // the hardware address: its length (big-endian), 2 bytes of padding, 8 bytes of address
    if (t === NFULA_HWADDR && len >= 16 && capEnd - q >= 16 && b[q + 4] === 0 && b[q + 5] === 6) {
      d.srcMacHi = (b[q + 8] << 8) | b[q + 9];
      d.srcMacLo = ((b[q + 10] << 24) | (b[q + 11] << 16) | (b[q + 12] << 8) | b[q + 13]) >>> 0;
    }
    q += (len + 3) & ~3;
  }
  return type === 0 ? 0 : -DECODE_TRUNCATED;
}

/** radiotap's Flags field bits: the frame ends with its FCS; the FCS was wrong */
const RADIOTAP_FCS = 0x10;
const RADIOTAP_BAD_FCS = 0x40;

/**
 * The Flags field of the radiotap header at o of `len` bytes (0 when absent): present bit 1, after
 * the present bitmaps (more follow while bit 31 is set) and TSFT (bit 0, 8 bytes aligned to 8 from
 * the header's start), as radiotap.org defines them.
 */
function radiotapFlags(b: Uint8Array, o: number, len: number): number {
  const present = (b[o + 4] | (b[o + 5] << 8) | (b[o + 6] << 16) | (b[o + 7] << 24)) >>> 0;
  if ((present & 2) === 0) return 0;
  let q = 8;
  for (let w = present; w & 0x80000000; q += 4) {
    if (q + 4 > len) return 0;
    w = (b[o + q] | (b[o + q + 1] << 8) | (b[o + q + 2] << 16) | (b[o + q + 3] << 24)) >>> 0;
  }
  if (present & 1) q = ((q + 7) & ~7) + 8;
  return q < len ? b[o + q] : 0;
}

/**
 * An 802.11 frame at o (IEEE 802.11-2020 9.2): its type from the frame control, its addresses by
 * the To DS / From DS bits (the source and destination MACs the link-layer detectors read), the
 * QoS and HT control fields a data frame may add, then an LLC/SNAP header naming the EtherType.
 * Returns that EtherType (the body's offset in d.payloadOffset), WLAN_NO_DATA or WLAN_PROTECTED,
 * or minus a DECODE_* code.
 */
function wlanFrame(b: Uint8Array, o: number, capEnd: number, d: DecodedPacket): number {
  if (capEnd - o < 10) return -DECODE_TRUNCATED;
  const fc0 = b[o];
  const flags = b[o + 1];
  if ((fc0 & 3) !== 0) return -DECODE_MALFORMED;
  const kind = (fc0 >> 2) & 3;
  const subtype = fc0 >> 4;
  if (kind === 0) {
    if (capEnd - o < 24) return -DECODE_TRUNCATED;
    d.dstMacHi = (b[o + 4] << 8) | b[o + 5];
    d.dstMacLo = ((b[o + 6] << 24) | (b[o + 7] << 16) | (b[o + 8] << 8) | b[o + 9]) >>> 0;
    d.srcMacHi = (b[o + 10] << 8) | b[o + 11];
    d.srcMacLo = ((b[o + 12] << 24) | (b[o + 13] << 16) | (b[o + 14] << 8) | b[o + 15]) >>> 0;
    d.payloadOffset = o;
    d.payloadCaptured = capEnd - o;
    return WLAN_MANAGEMENT + subtype;
  }
  // control (1), extension (3), and data frames without a body (subtype bit 2: null function, CF-ack/poll)
  if (kind !== 2 || (subtype & 4) !== 0) return WLAN_NO_DATA;
  const toDs = flags & 1;
  const fromDs = flags & 2;
  let hdr = toDs && fromDs ? 30 : 24;
  const qos = (subtype & 8) !== 0;
  if (qos) hdr += 2;
  // the Order bit in a QoS data frame: a 4-byte HT control field follows
  if (qos && (flags & 0x80) !== 0) hdr += 4;
  if (capEnd - o < hdr) return -DECODE_TRUNCATED;
  // the transmitter (address 2) and sequence control: a retransmission repeats both, Retry set
  d.wlanTa = ((b[o + 10] << 8) | b[o + 11]) * 4294967296 + (((b[o + 12] << 24) | (b[o + 13] << 16) | (b[o + 14] << 8) | b[o + 15]) >>> 0);
  d.wlanSeqCtl = b[o + 22] | (b[o + 23] << 8);
  d.wlanRetry = (flags & 0x08) !== 0;
  // addresses 1-4 at 4, 10, 16, 24: DA and SA by the distribution-system bits
  const da = toDs ? o + 16 : o + 4;
  const sa = toDs && fromDs ? o + 24 : fromDs ? o + 16 : o + 10;
  d.dstMacHi = (b[da] << 8) | b[da + 1];
  d.dstMacLo = ((b[da + 2] << 24) | (b[da + 3] << 16) | (b[da + 4] << 8) | b[da + 5]) >>> 0;
  d.srcMacHi = (b[sa] << 8) | b[sa + 1];
  d.srcMacLo = ((b[sa + 2] << 24) | (b[sa + 3] << 16) | (b[sa + 4] << 8) | b[sa + 5]) >>> 0;
  if ((flags & 0x40) !== 0) return WLAN_PROTECTED;
  const body = o + hdr;
  // QoS control's A-MSDU Present bit (bit 7 of its first byte): subframes, each with its own header
  // (decodeSubframe reads them: from the body, d.payloadOffset, to the frame's end, d.innerOffset)
  if (qos && (b[o + (toDs && fromDs ? 30 : 24)] & 0x80) !== 0) {
    d.payloadOffset = body;
    d.innerOffset = capEnd;
    return WLAN_AGGREGATE;
  }
  if (capEnd - body < 8) return -DECODE_TRUNCATED;
  const type = snapEtherType(b, body);
  if (type < 0) return WLAN_NO_DATA;
  d.payloadOffset = body + 8;
  return type;
}

/** An LLC/SNAP header at o (AA AA 03, OUI 00-00-00 RFC 1042 or 00-00-F8 bridge tunnel): its EtherType, or -1 when it is none. */
function snapEtherType(b: Uint8Array, o: number): number {
  if (b[o] !== 0xaa || b[o + 1] !== 0xaa || b[o + 2] !== 0x03 || b[o + 3] !== 0 || b[o + 4] !== 0 || (b[o + 5] !== 0 && b[o + 5] !== 0xf8)) return -1;
  return (b[o + 6] << 8) | b[o + 7];
}

/**
 * The A-MSDU subframe at `at` of an aggregated 802.11 data frame whose body ends at `end`
 * (IEEE 802.11-2020 9.3.2.2: destination and source MAC, the MSDU's length, the MSDU (LLC/SNAP,
 * then the packet), padding to a multiple of 4 bytes after all but the last), decoded into d in
 * place of the frame: its time and 802.11 transmitter stay; `wireEnd` is where the body ends on the
 * wire (past `end` when the snap length cut the frame). Returns a DECODE_* code; d.innerOffset is
 * where the next subframe starts (at or past `end` after the last, or after a subframe whose length
 * runs past the frame: DECODE_MALFORMED). A subframe that is no LLC/SNAP packet is WLAN_NO_DATA, as
 * a frame's would be.
 */
export function decodeSubframe(b: Uint8Array, at: number, end: number, wireEnd: number, d: DecodedPacket): number {
  const wlanTa = d.wlanTa;
  resetHeaders(d);
  d.wlanTa = wlanTa;
  d.tunnel = TUNNEL_NONE;
  if (end - at < 14) {
    d.innerOffset = wireEnd;
    return wireEnd - at < 14 ? DECODE_MALFORMED : DECODE_TRUNCATED;
  }
  const len = (b[at + 12] << 8) | b[at + 13];
  const msdu = at + 14;
  // a length past the frame's end on the wire contradicts the frame: where the next subframe is, nobody knows
  if (msdu + len > wireEnd) {
    d.innerOffset = wireEnd;
    return DECODE_MALFORMED;
  }
  d.innerOffset = msdu + len + ((4 - ((14 + len) & 3)) & 3);
  d.dstMacHi = (b[at] << 8) | b[at + 1];
  d.dstMacLo = ((b[at + 2] << 24) | (b[at + 3] << 16) | (b[at + 4] << 8) | b[at + 5]) >>> 0;
  d.srcMacHi = (b[at + 6] << 8) | b[at + 7];
  d.srcMacLo = ((b[at + 8] << 24) | (b[at + 9] << 16) | (b[at + 10] << 8) | b[at + 11]) >>> 0;
  if (len < 8) return DECODE_MALFORMED;
  const cap = Math.min(end, msdu + len);
  if (cap - msdu < 8) return DECODE_TRUNCATED;
  const type = snapEtherType(b, msdu);
  if (type < 0) {
    d.etherType = WLAN_NO_DATA;
    return DECODE_OK;
  }
  return decodeNetwork(b, msdu + 8, msdu + 8, cap, len - 8, type, d);
}

function decodeArp(b: Uint8Array, o: number, capEnd: number, d: DecodedPacket): number {
  if (capEnd - o < 8) return DECODE_TRUNCATED;
  const hlen = b[o + 4];
  const plen = b[o + 5];
  d.l3 = L3_ARP;
  d.arpOp = (b[o + 6] << 8) | b[o + 7];
  if (hlen !== 6 || plen !== 4) {
    d.arpOp = 0; // not Ethernet/IPv4 ARP: nothing we read further
    return DECODE_OK;
  }
  if (capEnd - o < 28) return DECODE_TRUNCATED;
  d.arpSenderMacHi = (b[o + 8] << 8) | b[o + 9];
  d.arpSenderMacLo = ((b[o + 10] << 24) | (b[o + 11] << 16) | (b[o + 12] << 8) | b[o + 13]) >>> 0;
  d.arpSenderIp = ((b[o + 14] << 24) | (b[o + 15] << 16) | (b[o + 16] << 8) | b[o + 17]) >>> 0;
  d.arpTargetMacHi = (b[o + 18] << 8) | b[o + 19];
  d.arpTargetMacLo = ((b[o + 20] << 24) | (b[o + 21] << 16) | (b[o + 22] << 8) | b[o + 23]) >>> 0;
  d.arpTargetIp = ((b[o + 24] << 24) | (b[o + 25] << 16) | (b[o + 26] << 8) | b[o + 27]) >>> 0;
  return DECODE_OK;
}

function decodeIpv4(b: Uint8Array, o: number, capEnd: number, wireAvail: number, d: DecodedPacket): number {
  if (capEnd - o < 20) return capEnd - o >= 1 && b[o] >> 4 !== 4 ? DECODE_MALFORMED : DECODE_TRUNCATED;
  const vihl = b[o];
  const ihl = (vihl & 15) << 2;
  if (vihl >> 4 !== 4 || ihl < 20) return DECODE_MALFORMED;
  if (capEnd - o < ihl) return DECODE_TRUNCATED;
  let total = (b[o + 2] << 8) | b[o + 3];
  if (total === 0) total = wireAvail; // segmentation offload writes 0
  if (total < ihl) return DECODE_MALFORMED;
  if (total > wireAvail && wireAvail >= ihl) total = wireAvail;
  d.l3 = L3_IPV4;
  d.ipHeaderLen = ihl;
  d.ipLen = total;
  d.ipOptions = ihl > 20;
  d.fragId = (b[o + 4] << 8) | b[o + 5];
  const ff = (b[o + 6] << 8) | b[o + 7];
  d.ttl = b[o + 8];
  d.proto = b[o + 9];
  const src = d.src;
  const dst = d.dst;
  src[0] = src[1] = src[2] = 0;
  dst[0] = dst[1] = dst[2] = 0;
  src[3] = ((b[o + 12] << 24) | (b[o + 13] << 16) | (b[o + 14] << 8) | b[o + 15]) >>> 0;
  dst[3] = ((b[o + 16] << 24) | (b[o + 17] << 16) | (b[o + 18] << 8) | b[o + 19]) >>> 0;
  const l4Len = total - ihl;
  const t = o + ihl;
  const l4CapEnd = o + total < capEnd ? o + total : capEnd;
  if (ff & 0x3fff) {
    d.fragDataLen = l4Len;
    d.moreFragments = (ff & 0x2000) !== 0;
    if ((ff & 0x1fff) !== 0) return laterFragment((ff & 0x1fff) << 3, t, l4CapEnd, l4Len, d);
    d.fragment = 1;
  }
  return decodeTransport(b, t, l4CapEnd, l4Len, d);
}

function decodeIpv6(b: Uint8Array, o: number, capEnd: number, wireAvail: number, d: DecodedPacket): number {
  if (capEnd - o < 40) return capEnd - o >= 1 && b[o] >> 4 !== 6 ? DECODE_MALFORMED : DECODE_TRUNCATED;
  if (b[o] >> 4 !== 6) return DECODE_MALFORMED;
  let plen = (b[o + 4] << 8) | b[o + 5];
  if (plen === 0 || plen + 40 > wireAvail) plen = wireAvail - 40; // jumbogram / offload, or cut
  if (plen < 0) return DECODE_MALFORMED;
  let nh = b[o + 6];
  d.l3 = L3_IPV6;
  d.ttl = b[o + 7];
  d.ipOptions = false;
  const src = d.src;
  const dst = d.dst;
  for (let i = 0; i < 4; i++) {
    const a = o + 8 + 4 * i;
    src[i] = ((b[a] << 24) | (b[a + 1] << 16) | (b[a + 2] << 8) | b[a + 3]) >>> 0;
    const c = o + 24 + 4 * i;
    dst[i] = ((b[c] << 24) | (b[c + 1] << 16) | (b[c + 2] << 8) | b[c + 3]) >>> 0;
  }
  const end = o + 40 + plen;
  const l4CapEnd = end < capEnd ? end : capEnd;
  let p = o + 40;
  for (let hops = 0; ; hops++) {
    if (nh !== 0 && nh !== 43 && nh !== 60 && nh !== 44 && nh !== 51 && nh !== 135 && nh !== 139 && nh !== 140) break;
    if (hops > 16) return DECODE_MALFORMED;
    if (l4CapEnd - p < 8) return end - p < 8 ? DECODE_MALFORMED : DECODE_TRUNCATED;
    const next = b[p];
    if (nh === 44) {
      const fo = (b[p + 2] << 8) | b[p + 3];
      d.fragId = ((b[p + 4] << 24) | (b[p + 5] << 16) | (b[p + 6] << 8) | b[p + 7]) >>> 0;
      p += 8;
      nh = next;
      d.fragDataLen = end - p;
      d.moreFragments = (fo & 1) !== 0;
      if ((fo & 0xfff8) !== 0) {
        d.proto = nh;
        d.ipHeaderLen = p - o;
        d.ipLen = 40 + plen;
        return laterFragment(fo & 0xfff8, p, l4CapEnd, end - p, d);
      }
      if (fo & 1) d.fragment = 1;
      continue;
    }
    const len = nh === 51 ? (b[p + 1] + 2) << 2 : (b[p + 1] + 1) << 3;
    if (p + len > end) return DECODE_MALFORMED;
    p += len;
    nh = next;
  }
  d.proto = nh;
  d.ipHeaderLen = p - o;
  d.ipLen = 40 + plen;
  return decodeTransport(b, p, l4CapEnd, end - p, d);
}

/**
 * A TCP header the snap length cut short after its ports (`tcpdump -s 64` of IPv6: 14 + 40 bytes
 * leave 10 of the header). tshark reads the ports of such a packet and nothing after them, and its
 * `conv,tcp` leaves the packet out of every conversation (its `conv,ipv6` counts it). We keep it in
 * its flow, as its ports say, with the lengths of its IP header, and say how many such packets
 * there were (skipped whole, a capture at snap length 64 lost every IPv6 TCP connection without a
 * trace in the flows): flags read when byte 13 was captured, else 0 (neither a SYN nor a FIN, so
 * the flow ends by its timeouts), window -1 (CICFlowMeter's value for a window it never saw),
 * header length the data offset when captured (else see below), and no payload captured.
 */
function tcpCutShort(b: Uint8Array, t: number, cap: number, l4Len: number, d: DecodedPacket): number {
  // the data offset not captured: a segment of at most 60 bytes (the largest TCP header) is taken
  // as all header (SYNs, ACKs, FINs with their options: taken as 20-byte headers, the timestamp
  // option's 12 bytes became payload and every pure ACK looked like data), a longer one as the
  // minimum header of 20 and its payload
  let off = l4Len <= 60 ? l4Len : 20;
  if (cap >= 13) {
    off = (b[t + 12] >> 4) << 2;
    if (off < 20 || off > l4Len) return DECODE_MALFORMED;
  }
  d.transportCutShort = true;
  d.srcPort = (b[t] << 8) | b[t + 1];
  d.dstPort = (b[t + 2] << 8) | b[t + 3];
  d.tcpFlags = cap >= 14 ? b[t + 13] : 0;
  d.tcpWindow = -1;
  d.l4HeaderLen = off;
  d.payloadLen = l4Len - off;
  d.payloadOffset = t + cap;
  return DECODE_OK;
}

/**
 * A fragment after the first: `l4Len` bytes at `at` bytes into its datagram's payload, none of it a
 * header of its own (its ports are the first fragment's: the flow meter and fragment-headers.ts find them).
 */
function laterFragment(at: number, t: number, capEnd: number, l4Len: number, d: DecodedPacket): number {
  d.fragment = 2;
  d.fragOffset = at;
  d.payloadLen = l4Len;
  d.payloadOffset = t;
  d.payloadCaptured = Math.max(0, Math.min(capEnd - t, l4Len));
  return DECODE_OK;
}

/**
 * A first fragment too small for its transport header (RFC 1858's tiny fragment: nmap -f cuts a
 * TCP header into 8-byte pieces, its flags in the second, so that a filter matching on flags never
 * sees them; an IPv6 first fragment must hold the whole header, RFC 7112). It was refused as a
 * header that contradicts itself, and with it the scan: the later fragments made one port-less
 * flow, the target's refusals 300 flows of their own. Read: the ports (in the first 8 bytes every
 * fragment but the last holds), the TCP flags and window when they are there (else 0 and -1:
 * fragment-headers.ts takes the flags from the fragment that holds them), ICMP type and code; the
 * fragment's bytes are all header.
 */
function tinyFirstFragment(b: Uint8Array, t: number, cap: number, l4Len: number, d: DecodedPacket): number {
  const have = cap < l4Len ? cap : l4Len;
  d.tinyFragment = true;
  const proto = d.proto;
  if (proto === PROTO_TCP || proto === PROTO_UDP) {
    if (have >= 4) {
      d.srcPort = (b[t] << 8) | b[t + 1];
      d.dstPort = (b[t + 2] << 8) | b[t + 3];
    }
    if (proto === PROTO_TCP) {
      d.tcpFlags = have >= 14 ? b[t + 13] : 0;
      d.tcpWindow = have >= 16 ? (b[t + 14] << 8) | b[t + 15] : -1;
    }
  } else if (have >= 2) {
    d.icmpType = b[t];
    d.icmpCode = b[t + 1];
  }
  d.l4HeaderLen = l4Len;
  d.payloadLen = 0;
  // (no payload: these are the header's bytes, where fragment-headers.ts reads the data offset)
  d.payloadOffset = t;
  d.payloadCaptured = have;
  return DECODE_OK;
}

/** Transport header at t; l4Len bytes on the wire, captured up to capEnd. */
function decodeTransport(b: Uint8Array, t: number, capEnd: number, l4Len: number, d: DecodedPacket): number {
  const proto = d.proto;
  const cap = capEnd - t;
  if (proto === PROTO_TCP) {
    if (l4Len < 20) return d.fragment === 1 ? tinyFirstFragment(b, t, cap, l4Len, d) : DECODE_MALFORMED;
    if (cap < 20) return cap >= 4 ? tcpCutShort(b, t, cap, l4Len, d) : DECODE_TRUNCATED;
    const off = (b[t + 12] >> 4) << 2;
    if (off > l4Len && off <= 60 && d.fragment === 1) return tinyFirstFragment(b, t, cap, l4Len, d);
    if (off < 20 || off > l4Len) return DECODE_MALFORMED;
    d.srcPort = (b[t] << 8) | b[t + 1];
    d.dstPort = (b[t + 2] << 8) | b[t + 3];
    d.tcpFlags = b[t + 13];
    d.tcpWindow = (b[t + 14] << 8) | b[t + 15];
    d.l4HeaderLen = off;
    d.payloadLen = l4Len - off;
    d.payloadOffset = t + off;
    d.payloadCaptured = Math.max(0, Math.min(capEnd - t - off, d.payloadLen));
    return DECODE_OK;
  }
  if (proto === PROTO_UDP) {
    if (l4Len < 8) return d.fragment === 1 ? tinyFirstFragment(b, t, cap, l4Len, d) : DECODE_MALFORMED;
    if (cap < 8) {
      if (cap < 4) return DECODE_TRUNCATED;
      // the ports are there, the length and checksum cut off: the lengths come from the IP header
      d.transportCutShort = true;
      d.srcPort = (b[t] << 8) | b[t + 1];
      d.dstPort = (b[t + 2] << 8) | b[t + 3];
      d.l4HeaderLen = 8;
      d.payloadLen = l4Len - 8;
      d.payloadOffset = t + cap;
      return DECODE_OK;
    }
    d.srcPort = (b[t] << 8) | b[t + 1];
    d.dstPort = (b[t + 2] << 8) | b[t + 3];
    d.l4HeaderLen = 8;
    d.payloadLen = l4Len - 8;
    d.payloadOffset = t + 8;
    d.payloadCaptured = Math.max(0, Math.min(cap - 8, d.payloadLen));
    return DECODE_OK;
  }
  if (proto === PROTO_ICMP || proto === PROTO_ICMPV6) {
    if (l4Len < 4) return d.fragment === 1 ? tinyFirstFragment(b, t, cap, l4Len, d) : DECODE_MALFORMED;
    if (cap < 4) return DECODE_TRUNCATED;
    d.icmpType = b[t];
    d.icmpCode = b[t + 1];
    d.l4HeaderLen = l4Len < 8 ? l4Len : 8;
    d.payloadLen = l4Len - d.l4HeaderLen;
    d.payloadOffset = t + d.l4HeaderLen;
    d.payloadCaptured = Math.max(0, Math.min(cap - d.l4HeaderLen, d.payloadLen));
    return DECODE_OK;
  }
  // another protocol (GRE, IP in IP: tunnels.ts reads its header from here)
  d.payloadLen = l4Len;
  d.payloadOffset = t;
  return DECODE_OK;
}
