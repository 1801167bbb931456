/**
 * The link layers met less often than Ethernet, Linux cooked, raw IP, loopback, PPP and 802.11
 * (decoder.ts reads those itself): a header of their own in front of a frame or packet the decoder
 * already knows. Each is skipped as its format documents it, and what follows is named: an
 * Ethernet frame, an 802.11 frame, or an IP packet (by its version nibble). Kept out of
 * decodePacket so its hot switch stays small; written here from the formats' documentation
 * (tcpdump.org's link-layer header types, the PPI and ERF specifications), as the rest of the
 * decoder is (no capture library runs in the process: see decoder.ts).
 *
 * - pflog (117): OpenBSD/FreeBSD pf's log device (`tcpdump -i pflog0`): a header whose first byte
 *   is its length, padded to 4 bytes, then the IP packet pf logged.
 * - enc (109): OpenBSD's IPsec device: a 12-byte header (family, SPI, flags), then IP.
 * - ipnet (226): Solaris' ipnet devices: a 24-byte header, then IP.
 * - PPI (192): Per-Packet Information (Kismet, AirPcap): a header naming the inner link type
 *   (802.11 or Ethernet, mostly) and fields; the 802.11-common field says whether the frame ends
 *   with its FCS and whether that FCS was wrong (as radiotap's flags do).
 * - Prism (119) and AVS (163): older Wi-Fi monitor headers (a length field in each), then 802.11;
 *   a Prism file whose headers are AVS's (their magic) is read as AVS.
 * - ERF (197): Endace DAG records (16-byte header, extension headers, then per record type:
 *   Ethernet after 2 bytes of offset and pad, or IPv4/IPv6); other record types (ATM, SONET) are
 *   counted as other packets.
 * - netANALYZER (240, 241): a 4-byte header (error flags, version), then the Ethernet frame and
 *   its FCS (241: after its preamble and start delimiter); a frame flagged as received with errors
 *   is counted malformed, a GPIO event as other.
 */
import { DECODE_MALFORMED, DECODE_OK, DECODE_TRUNCATED, DECODE_UNKNOWN_LINK } from './decode-status.js';

export const LINKTYPE_ENC = 109;
export const LINKTYPE_PFLOG = 117;
export const LINKTYPE_PRISM = 119;
export const LINKTYPE_AVS = 163;
export const LINKTYPE_PPI = 192;
export const LINKTYPE_ERF = 197;
export const LINKTYPE_IPNET = 226;
export const LINKTYPE_NETANALYZER = 240;
export const LINKTYPE_NETANALYZER_TRANSPARENT = 241;

/** what follows the header */
export const INNER_NONE = 0;
export const INNER_ETHERNET = 1;
export const INNER_WLAN = 105;
/** IPv4 or IPv6, by the version nibble */
export const INNER_IP = 101;

/** A header read: what follows it, where, and bytes of a trailer (an FCS) to leave off the end. */
export interface LinkHeader {
  inner: number;
  offset: number;
  trailer: number;
  /** the capture says the frame failed its check (received damaged): nothing in it is trusted */
  badFcs: boolean;
}

export function newLinkHeader(): LinkHeader {
  return { inner: INNER_NONE, offset: 0, trailer: 0, badFcs: false };
}

/**
 * The header of link type `linkType` at o (the packet's bytes end at capEnd): `h` says what follows.
 * Returns DECODE_OK, DECODE_TRUNCATED (the header is cut short), DECODE_MALFORMED (it is not one)
 * or DECODE_UNKNOWN_LINK (a link type not read here, or a PPI header naming one the decoder lacks).
 * `whole`: the packet was captured whole (its last bytes are there, so an FCS can be left off).
 */
export function readLinkHeader(linkType: number, b: Uint8Array, o: number, capEnd: number, whole: boolean, h: LinkHeader): number {
  h.inner = INNER_NONE;
  h.offset = o;
  h.trailer = 0;
  h.badFcs = false;
  const avail = capEnd - o;
  switch (linkType) {
    case LINKTYPE_PFLOG: {
      if (avail < 1) return DECODE_TRUNCATED;
      // the header's length without its padding (45 in the smallest, older pf; 61 now), padded to 4
      const len = b[o];
      if (len < 45) return DECODE_MALFORMED;
      const padded = (len + 3) & ~3;
      if (avail < padded) return DECODE_TRUNCATED;
      h.inner = INNER_IP;
      h.offset = o + padded;
      return DECODE_OK;
    }
    case LINKTYPE_ENC:
      if (avail < 12) return DECODE_TRUNCATED;
      h.inner = INNER_IP;
      h.offset = o + 12;
      return DECODE_OK;
    case LINKTYPE_IPNET:
      if (avail < 24) return DECODE_TRUNCATED;
      h.inner = INNER_IP;
      h.offset = o + 24;
      return DECODE_OK;
    case LINKTYPE_NETANALYZER:
    case LINKTYPE_NETANALYZER_TRANSPARENT: {
      // little-endian: error flags (low byte), GPIO event (0x100), transparent mode (0x200), the
      // header's version (bits 10-13: 1 or 2), port, frame length; the frame ends with its FCS
      const skip = linkType === LINKTYPE_NETANALYZER ? 4 : 12;
      if (avail < skip) return DECODE_TRUNCATED;
      const word = le32(b, o);
      const version = (word >>> 10) & 15;
      if (version !== 1 && version !== 2) return DECODE_MALFORMED;
      h.offset = o + skip;
      // a GPIO event carries no frame
      if (word & 0x100) return DECODE_OK;
      // a frame the device received with errors (FCS, alignment, length): nothing in it is trusted
      if (word & 0xff) return DECODE_MALFORMED;
      h.inner = INNER_ETHERNET;
      if (whole && capEnd - h.offset >= 18) h.trailer = 4;
      return DECODE_OK;
    }
    case LINKTYPE_PPI:
      return ppi(b, o, capEnd, whole, h);
    case LINKTYPE_PRISM:
    case LINKTYPE_AVS: {
      if (avail < 8) return DECODE_TRUNCATED;
      const magic = be32(b, o);
      let len: number;
      if (linkType === LINKTYPE_AVS || (magic & 0xfffff000) === 0x80211000) len = be32(b, o + 4);
      else {
        // Prism's message length is in the capturing host's byte order
        len = le32(b, o + 4);
        if (len > 0xffff) len = be32(b, o + 4);
      }
      if (len < 8 || len > 0xffff) return DECODE_MALFORMED;
      if (avail < len) return DECODE_TRUNCATED;
      h.inner = INNER_WLAN;
      h.offset = o + len;
      return DECODE_OK;
    }
    case LINKTYPE_ERF:
      return erf(b, o, capEnd, h);
  }
  return DECODE_UNKNOWN_LINK;
}

/** PPI fields: their type, and the 802.11-common field's type and flags (CACE's PPI specification 1.0.10) */
const PPI_80211_COMMON = 2;
const PPI_FCS_PRESENT = 0x0001;
const PPI_FCS_ERROR = 0x0004;

function ppi(b: Uint8Array, o: number, capEnd: number, whole: boolean, h: LinkHeader): number {
  if (capEnd - o < 8) return DECODE_TRUNCATED;
  if (b[o] !== 0) return DECODE_MALFORMED;
  const aligned = (b[o + 1] & 1) !== 0;
  const len = b[o + 2] | (b[o + 3] << 8);
  const dlt = le32(b, o + 4);
  if (len < 8) return DECODE_MALFORMED;
  if (capEnd - o < len) return DECODE_TRUNCATED;
  const inner = dlt === 105 ? INNER_WLAN : dlt === 1 ? INNER_ETHERNET : dlt === 101 || dlt === 12 || dlt === 14 || dlt === 228 || dlt === 229 ? INNER_IP : INNER_NONE;
  if (inner === INNER_NONE) return DECODE_UNKNOWN_LINK;
  if (inner === INNER_WLAN) {
    for (let q = o + 8; q + 4 <= o + len; ) {
      const type = b[q] | (b[q + 1] << 8);
      const flen = b[q + 2] | (b[q + 3] << 8);
      if (q + 4 + flen > o + len) return DECODE_MALFORMED;
      if (type === PPI_80211_COMMON && flen >= 20) {
        const flags = b[q + 12] | (b[q + 13] << 8);
        if (flags & PPI_FCS_ERROR) h.badFcs = true;
        if (flags & PPI_FCS_PRESENT && whole) h.trailer = 4;
      }
      q += 4 + flen;
      if (aligned) q = o + ((q - o + 3) & ~3);
    }
  }
  h.inner = inner;
  h.offset = o + len;
  if (capEnd - h.offset < h.trailer) h.trailer = 0;
  return DECODE_OK;
}

/** ERF record types (Endace's ERF types reference) carrying an Ethernet frame, and IP */
const ERF_ETH = 2;
const ERF_COLOR_ETH = 11;
const ERF_DSM_COLOR_ETH = 16;
const ERF_COLOR_HASH_ETH = 20;
const ERF_IPV4 = 22;
const ERF_IPV6 = 23;

function erf(b: Uint8Array, o: number, capEnd: number, h: LinkHeader): number {
  if (capEnd - o < 16) return DECODE_TRUNCATED;
  const type = b[o + 8];
  let q = o + 16;
  // extension headers, 8 bytes each: the record type's top bit says one follows, each one's first byte's top bit another
  for (let more = type & 0x80; more; q += 8) {
    if (capEnd - q < 8) return DECODE_TRUNCATED;
    more = b[q] & 0x80;
  }
  switch (type & 0x7f) {
    case ERF_ETH:
    case ERF_COLOR_ETH:
    case ERF_DSM_COLOR_ETH:
    case ERF_COLOR_HASH_ETH:
      // an offset byte and a pad byte before the frame
      if (capEnd - q < 2) return DECODE_TRUNCATED;
      h.inner = INNER_ETHERNET;
      h.offset = q + 2;
      return DECODE_OK;
    case ERF_IPV4:
    case ERF_IPV6:
      h.inner = INNER_IP;
      h.offset = q;
      return DECODE_OK;
  }
  // ATM cells, SONET/HDLC, counters: no IP read from them (counted as other packets)
  h.inner = INNER_NONE;
  h.offset = q;
  return DECODE_OK;
}

const be32 = (b: Uint8Array, o: number): number => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
const le32 = (b: Uint8Array, o: number): number => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
