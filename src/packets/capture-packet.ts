/**
 * One captured packet as the readers hand it over: a view into the reader's own buffer (never a
 * copy) plus the record's metadata. The object is reused for every packet of a capture, so a
 * consumer that wants to keep anything copies it before returning (the decoder copies the numbers
 * it needs into its own reused struct). This is what keeps the hot path free of allocation.
 */
export interface CapturePacket {
  /** the reader's buffer; the packet's bytes are data[offset, offset + capLen) */
  data: Uint8Array;
  offset: number;
  /** bytes captured (≤ wireLen when the capture used a snap length) */
  capLen: number;
  /** bytes on the wire */
  wireLen: number;
  /** epoch time in microseconds (fractional for nanosecond captures) */
  tsMicros: number;
  /** LINKTYPE_* of the interface the packet was captured on */
  linkType: number;
  /** pcapng interface index (0 for classic pcap) */
  ifIndex: number;
  /** byte offset of the packet's record in the (decompressed) capture, for messages */
  fileOffset: number;
  /** 1-based packet number in the capture, as Wireshark numbers frames */
  number: number;
}

export function newCapturePacket(): CapturePacket {
  return { data: new Uint8Array(0), offset: 0, capLen: 0, wireLen: 0, tsMicros: 0, linkType: 1, ifIndex: 0, fileOffset: 0, number: 0 };
}

/** Link types (tcpdump.org/linktypes.html) the decoder understands. */
export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  PPP: 9,
  PPP_HDLC: 50,
  C_HDLC: 104,
  IEEE802_11: 105,
  IEEE802_11_RADIOTAP: 127,
  RAW_OPENBSD: 12,
  RAW_DLT14: 14,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
  NFLOG: 239,
} as const;

/** the link types read, in words, for the message about one that is not */
export const SUPPORTED_LINKS = 'Ethernet, Linux cooked, raw IP, loopback, PPP, Cisco HDLC, 802.11 (radiotap, PPI, Prism, AVS), Linux NFLOG, pflog, enc, ipnet, ERF and netANALYZER are';

export const LINKTYPE_NAMES: Readonly<Record<number, string>> = {
  0: 'BSD loopback (NULL)',
  1: 'Ethernet',
  9: 'PPP',
  50: 'PPP in HDLC framing',
  104: 'Cisco HDLC',
  105: '802.11 (Wi-Fi)',
  127: '802.11 with radiotap (Wi-Fi monitor mode)',
  12: 'raw IP',
  14: 'raw IP',
  101: 'raw IP',
  108: 'OpenBSD loopback (LOOP)',
  113: 'Linux cooked v1 (SLL)',
  228: 'raw IPv4',
  229: 'raw IPv6',
  276: 'Linux cooked v2 (SLL2)',
  239: 'Linux netfilter log (NFLOG)',
  // the rarer ones, read by link-headers.ts
  109: 'OpenBSD IPsec (enc)',
  117: 'pf log (pflog)',
  119: '802.11 with Prism header (Wi-Fi monitor mode)',
  163: '802.11 with AVS header (Wi-Fi monitor mode)',
  192: 'Per-Packet Information (PPI)',
  197: 'Endace ERF',
  226: 'Solaris ipnet',
  240: 'netANALYZER',
  241: 'netANALYZER transparent',
};
