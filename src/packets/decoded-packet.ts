/**
 * What the decoder extracts from one packet, in one object reused for every packet (numbers only,
 * addresses as 32-bit words), so decoding a capture allocates nothing per packet. Consumers that
 * keep something (the flow meter, the packet detectors) copy the numbers they need.
 */
import { addressWordsText } from '../detect/ip-address.js';
import { Ipv6TextCache } from './ipv6-text.js';
import { Ipv4TextCache } from './ipv4-text.js';
export const L3_NONE = 0;
export const L3_IPV4 = 4;
export const L3_IPV6 = 6;
export const L3_ARP = 0x806;

export const PROTO_ICMP = 1;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;
export const PROTO_ICMPV6 = 58;

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;
export const TCP_URG = 0x20;
export const TCP_ECE = 0x40;
export const TCP_CWR = 0x80;

/** `fragment` values: not a fragment, the first of a datagram's fragments, a later one */
export const FRAGMENT_NONE = 0;
export const FRAGMENT_FIRST = 1;
export const FRAGMENT_LATER = 2;
/**
 * A later fragment that holds the TCP flags of a segment whose first fragment was too small to hold
 * them (fragment-headers.ts): its ports and flags are set as the segment's, so the detectors see the
 * segment's SYN, FIN or NULL probe here, where the flags arrive
 */
export const FRAGMENT_HEADER_REST = 3;

const EMPTY = new Uint8Array(0);

export class DecodedPacket {
  tsMicros = 0;
  wireLen = 0;
  /** link layer: source and destination MAC as two numbers each (high 16 bits, low 32 bits); -1 when the link has none */
  srcMacHi = -1;
  srcMacLo = 0;
  dstMacHi = -1;
  dstMacLo = 0;
  /** VLAN id of the innermost 802.1Q tag, -1 for none */
  vlan = -1;
  /** network layer: L3_NONE, L3_IPV4, L3_IPV6, L3_ARP */
  l3 = L3_NONE;
  /** EtherType when l3 is L3_NONE (a protocol we do not decode) */
  etherType = 0;
  /** addresses: IPv4 in word 3 (words 0-2 zero), IPv6 in words 0-3 */
  readonly src = new Uint32Array(4);
  readonly dst = new Uint32Array(4);
  ttl = 0;
  /** IP header length (IPv6: 40 plus extension headers) */
  ipHeaderLen = 0;
  /** bytes of IP datagram on the wire (IPv4 total length; IPv6 40 + payload length) */
  ipLen = 0;
  /** transport protocol (after IPv6 extension headers) */
  proto = 0;
  /** fragment: FRAGMENT_NONE, _FIRST (offset 0, more to come), _LATER, or _HEADER_REST (see there) */
  fragment = 0;
  /** a later fragment's offset in bytes within its datagram's payload (0 otherwise) */
  fragOffset = 0;
  /** a fragment's bytes of its datagram's payload (IPv6: of the part after the fragment header) */
  fragDataLen = 0;
  /** whether more fragments follow this one (IPv4 MF, IPv6 M): 0 on a datagram's last fragment */
  moreFragments = false;
  /**
   * a first fragment too small to hold its whole transport header (RFC 1858's "tiny fragment", or
   * an IPv6 first fragment without its upper-layer header, RFC 7112): what it holds was read (ports
   * from 4 bytes, TCP flags from 14), the rest follows in a later fragment; all of it counts as header
   */
  tinyFragment = false;
  /** fragment identification (IPv4 16 bits, IPv6 32 bits) */
  fragId = 0;
  /** IPv4 options present */
  ipOptions = false;
  srcPort = 0;
  dstPort = 0;
  /** TCP flags byte (FIN..CWR) */
  tcpFlags = 0;
  tcpWindow = 0;
  /**
   * the snap length cut the TCP or UDP header after its ports: ports known, lengths from the IP
   * header, TCP flags known only when byte 13 was captured (else 0), window -1, nothing of the payload
   */
  transportCutShort = false;
  /** transport header length (TCP with options, UDP 8, ICMP 8); 0 for a later fragment */
  l4HeaderLen = 0;
  /** payload bytes after the transport header (a later fragment: its whole IP payload) */
  payloadLen = 0;
  icmpType = -1;
  icmpCode = -1;
  /** ARP: operation (1 request, 2 reply), sender/target MAC and IPv4 */
  arpOp = 0;
  arpSenderMacHi = 0;
  arpSenderMacLo = 0;
  arpSenderIp = 0;
  arpTargetMacHi = 0;
  arpTargetMacLo = 0;
  arpTargetIp = 0;
  /**
   * an 802.11 data frame's transmitter address as one number (-1: not one), its sequence control
   * field and Retry bit: what tells a retransmission of a frame already read (wlan-duplicates.ts)
   */
  wlanTa = -1;
  wlanSeqCtl = 0;
  wlanRetry = false;
  /**
   * the tunnel the packet was found in (tunnels.ts TUNNEL_*: the outermost, when tunnels nest), 0
   * when none: every other field is then the inner packet's (its MACs those of an inner Ethernet
   * frame, else none)
   */
  tunnel = 0;
  /** where a tunnel's payload starts and which tunnel it is (tunnels.ts tunnelPayload; the decoder's scratch) */
  innerOffset = 0;
  innerKind = 0;
  /** offset of the transport payload in the packet buffer, and bytes of it captured (a tiny first fragment: of its header bytes; a later fragment: of its bytes) */
  payloadOffset = 0;
  payloadCaptured = 0;
  /**
   * the buffer the packet was decoded from (the reader's, valid only during the callback):
   * the few detectors that look into payloads (DHCP, ICMP redirects) parse it lazily from
   * `payloadOffset` (packet-fields.ts), so the hot path decodes nothing more for them
   */
  bytes: Uint8Array = EMPTY;
}

/** Dotted quad or RFC 5952 text of an address held as four words (IPv4: words 0-2 are zero, family 4). */
export function addressText(w: Uint32Array | readonly number[], family: number, at = 0): string {
  return addressWordsText(w, family, at);
}

/**
 * addressText through a memo (the detectors that key their tables by address text, ICMP, ICMPv6
 * and stealth-scan watches, see the same few hosts again and again: building the text per packet
 * was most of their cost): direct-mapped caches of 16,384 IPv4 texts (ipv4-text.ts) and 4,096
 * IPv6 ones (ipv6-text.ts, as the flow batches'): a network's neighbour discovery is ICMPv6, two
 * addresses a packet.
 */
export function addressTextMemo(w: Uint32Array | readonly number[], family: number): string {
  if (family === 4) return ipv4Texts.text(w[3] >>> 0);
  return family === 6 ? ipv6Texts.text(w, 0) : addressWordsText(w, family, 0);
}
const ipv4Texts = new Ipv4TextCache(16384);
const ipv6Texts = new Ipv6TextCache(4096);

export function macText(hi: number, lo: number): string {
  // a direct-mapped memo by the low bytes (a link's hosts send again and again; the NDP watch asks
  // for the sender's MAC of every ICMPv6 packet), checked against the whole address
  const slot = (lo ^ (lo >>> 12) ^ hi) & (MAC_MEMO - 1);
  if (macMemoLo[slot] === lo && macMemoHi[slot] === hi) return macMemoText[slot];
  const t = `${HEX_BYTE[(hi >>> 8) & 255]}:${HEX_BYTE[hi & 255]}:${HEX_BYTE[lo >>> 24]}:${HEX_BYTE[(lo >>> 16) & 255]}:${HEX_BYTE[(lo >>> 8) & 255]}:${HEX_BYTE[lo & 255]}`;
  macMemoHi[slot] = hi;
  macMemoLo[slot] = lo;
  macMemoText[slot] = t;
  return t;
}
const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
const MAC_MEMO = 256;
// NaN equals nothing: an empty slot never matches
const macMemoHi = new Float64Array(MAC_MEMO).fill(NaN);
const macMemoLo = new Float64Array(MAC_MEMO);
const macMemoText: string[] = new Array<string>(MAC_MEMO).fill('');
