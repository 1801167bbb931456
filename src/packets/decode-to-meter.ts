/**
 * The one decode → count → detectors → flow meter step every packet of a capture takes, whether
 * the capture is a file (capture-flows.ts) or a live pipe (live-flow-source.ts): the same packets
 * counted the same way, the same ones metered. Non-IP packets (ARP, LLDP, ...) reach the packet
 * detectors but make no flow; truncated, malformed and unknown-link packets are counted and skipped.
 * Fragments of a TCP header split on purpose are completed first (fragment-headers.ts).
 */
import type { CapturePacket } from './capture-packet.js';
import { DecodedPacket, L3_ARP, L3_IPV4, L3_IPV6 } from './decoded-packet.js';
import { decodePacket, decodeSubframe, DECODE_MALFORMED, DECODE_OK, DECODE_TRUNCATED, DECODE_UNKNOWN_LINK, WLAN_AGGREGATE, WLAN_BAD_FCS, WLAN_PROTECTED } from './decoder.js';
import { WlanDuplicates } from './wlan-duplicates.js';
import { TUNNEL_NAMES } from './tunnels.js';
import type { FlowMeter, FlowMeterStats } from './flow-meter.js';
import { FragmentHeaders } from './fragment-headers.js';
import { plural } from '../util/plural.js';
import { thousands } from '../util/thousands.js';

/** What the step counted (the summaries of files and live captures carry these fields). */
export interface PacketCounts {
  packets: number;
  ipPackets: number;
  arpPackets: number;
  otherPackets: number;
  truncatedPackets: number;
  /** records of no bytes at all (captured and on-the-wire length 0): written so, not cut by a snap length */
  emptyPackets: number;
  malformedPackets: number;
  unsupportedLinkPackets: number;
  /** records whose time is before 1970 or after 9999: a garbled timestamp (no date to give the packet, its flow or a finding) */
  badTimePackets: number;
  /** of otherPackets: inside MPLS or PPPoE, carrying neither IP nor an Ethernet frame (PPP control, other pseudowires) */
  encapsulatedPackets: number;
  /** of ipPackets: TCP/UDP packets whose header the snap length cut after the ports, kept in their flow (decoder.ts tcpCutShort) */
  transportCutShortPackets: number;
  /** of otherPackets: 802.11 data frames whose body is encrypted (WEP, WPA) */
  wlanEncryptedPackets: number;
  /**
   * 802.11 data frames aggregating several packets (A-MSDU): each of their subframes (`wlanSubframes`)
   * is counted as the packet it is (ipPackets, arpPackets, otherPackets), and those that could not
   * be read (`wlanBadSubframes`: cut short, or a length that contradicts the frame) are in none
   */
  wlanAggregatePackets: number;
  wlanSubframes: number;
  wlanBadSubframes: number;
  /** skipped: 802.11 retransmissions of a frame already read (Retry bit, same transmitter and sequence) */
  wlanRetransmittedPackets: number;
  /** skipped: 802.11 frames radiotap marks as failing their frame check (received damaged) */
  wlanBadFcsPackets: number;
  /** of the packets decoded: found inside a tunnel and decoded from the headers inside (tunnels.ts), by the tunnel's kind (TUNNEL_*: index 0 unused) */
  tunnelPackets: number[];
}

/** Carriers the decoder opens only for IP or an Ethernet frame (MPLS unicast and multicast) or IP (a PPPoE session). */
function isUndecodedCarrier(etherType: number): boolean {
  return etherType === 0x8847 || etherType === 0x8848 || etherType === 0x8864;
}

export function emptyPacketCounts(): PacketCounts {
  return { packets: 0, ipPackets: 0, arpPackets: 0, otherPackets: 0, truncatedPackets: 0, emptyPackets: 0, malformedPackets: 0, unsupportedLinkPackets: 0, badTimePackets: 0, encapsulatedPackets: 0, transportCutShortPackets: 0, wlanEncryptedPackets: 0, wlanAggregatePackets: 0, wlanSubframes: 0, wlanBadSubframes: 0, wlanRetransmittedPackets: 0, wlanBadFcsPackets: 0, tunnelPackets: TUNNEL_NAMES.map(() => 0) };
}

/** Capture times from here on (epoch µs, the start of year 10000) are no date: a garbled record's (a pcapng 64-bit timestamp read from noise is typically ~10^19). */
export const END_OF_CAPTURE_TIME_US = 253_402_300_800e6;

/**
 * A packet sink for iterateCapture: decodes into one reused DecodedPacket, counts into `counts`,
 * hands every decoded packet to `onPacket` (before the meter) and IP packets to `meter`, and a
 * malformed one (its headers past the link layer contradict themselves) to `onMalformed`.
 */
export function decodeToMeter(counts: PacketCounts, meter: FlowMeter, onPacket?: (d: DecodedPacket) => void, onMalformed?: (d: DecodedPacket) => void): (p: CapturePacket) => void {
  const d = new DecodedPacket();
  const fragments = new FragmentHeaders();
  const wlan = new WlanDuplicates();
  /** a decoded packet's way on: its fragments' headers completed, counted, to the detectors, IP to the meter */
  const take = (): void => {
    // a TCP header split across fragments: completed before the detectors and the meter see it
    if (d.fragment !== 0) fragments.observe(d);
    if (d.tunnel !== 0) counts.tunnelPackets[d.tunnel]++;
    if (onPacket) onPacket(d);
    if (d.l3 === L3_IPV4 || d.l3 === L3_IPV6) {
      counts.ipPackets++;
      if (d.transportCutShort) counts.transportCutShortPackets++;
      meter.packet(d);
    } else if (d.l3 === L3_ARP) counts.arpPackets++;
    else {
      counts.otherPackets++;
      const t = d.etherType;
      if (isUndecodedCarrier(t)) counts.encapsulatedPackets++;
      else if (t === WLAN_PROTECTED) counts.wlanEncryptedPackets++;
    }
  };
  return (p) => {
    counts.packets++;
    const t = p.tsMicros;
    if (!(t >= 0 && t < END_OF_CAPTURE_TIME_US)) {
      counts.badTimePackets++;
      return;
    }
    const r = decodePacket(p, d);
    if (r !== DECODE_OK) {
      if (r === DECODE_TRUNCATED) {
        if (p.wireLen === 0 && p.capLen === 0) counts.emptyPackets++;
        else counts.truncatedPackets++;
      }
      else if (r === DECODE_MALFORMED) {
        counts.malformedPackets++;
        // its link layer was read (MAC flooding tools send such frames): the detectors that look only there
        if (onMalformed) onMalformed(d);
      }
      else if (r === DECODE_UNKNOWN_LINK) counts.unsupportedLinkPackets++;
      return;
    }
    // 802.11 in monitor mode: a frame received damaged, or a copy of one already read
    if (d.etherType === WLAN_BAD_FCS) {
      counts.wlanBadFcsPackets++;
      return;
    }
    if (d.wlanTa >= 0 && wlan.retransmitted(d)) {
      counts.wlanRetransmittedPackets++;
      return;
    }
    if (d.etherType === WLAN_AGGREGATE) aggregate(p.data);
    else take();
  };

  /** An 802.11 frame aggregating several packets (A-MSDU): each of its subframes taken as a packet. */
  function aggregate(b: Uint8Array): void {
    counts.wlanAggregatePackets++;
    const end = d.innerOffset;
    let at = d.payloadOffset;
    const wireEnd = at + d.payloadLen;
    for (let n = 0; at < end && n < MAX_SUBFRAMES; n++) {
      const r = decodeSubframe(b, at, end, wireEnd, d);
      at = d.innerOffset;
      counts.wlanSubframes++;
      if (r === DECODE_OK) take();
      else counts.wlanBadSubframes++;
    }
  }
}

/** subframes read from one A-MSDU at most (a frame of 7,935 bytes holds at most ~300 of the smallest) */
const MAX_SUBFRAMES = 512;

/**
 * What a capture's reader says on stderr about the packets it skipped or changed, one line each
 * (files and live captures alike): none of them is dropped without a word.
 */
export function packetCountWarnings(c: PacketCounts, meter: FlowMeterStats): string[] {
  const out: string[] = [];
  const n = (k: number, what: string) => `${thousands(k)} ${plural(k, what)}`;
  if (c.malformedPackets > 0) out.push(`skipped ${thousands(c.malformedPackets)} malformed ${plural(c.malformedPackets, 'packet')} (headers that contradict themselves)`);
  if (c.truncatedPackets > 0) out.push(`skipped ${n(c.truncatedPackets, 'packet')} cut before their headers ended (snap length too small)`);
  if (c.transportCutShortPackets > 0) {
    out.push(
      `${n(c.transportCutShortPackets, 'TCP/UDP packet')} cut by the snap length inside ${c.transportCutShortPackets === 1 ? 'its' : 'their'} transport header ${c.transportCutShortPackets === 1 ? 'was' : 'were'} kept in ${c.transportCutShortPackets === 1 ? 'its flow' : 'their flows'} by ${c.transportCutShortPackets === 1 ? 'its' : 'their'} ports and IP lengths ` +
        `(TCP flags and window unknown, no payload read; capture with a larger snap length, e.g. tcpdump -s 128, to have them)`,
    );
  }
  if (c.wlanRetransmittedPackets > 0) out.push(`skipped ${n(c.wlanRetransmittedPackets, '802.11 retransmission')} of frames already read (Retry bit, the same transmitter and sequence number), as a receiver drops them`);
  if (c.wlanBadFcsPackets > 0) out.push(`skipped ${n(c.wlanBadFcsPackets, '802.11 frame')} received damaged (radiotap: bad FCS)`);
  if (c.badTimePackets > 0) out.push(`skipped ${n(c.badTimePackets, 'packet')} whose timestamp is before 1970 or after 9999 (garbled records: no date to give them, their flow or a finding)`);
  if (c.emptyPackets > 0) out.push(`skipped ${n(c.emptyPackets, 'empty packet record')} (no bytes captured, length 0 on the wire)`);
  if (c.encapsulatedPackets > 0) out.push(`${n(c.encapsulatedPackets, 'packet')} inside MPLS or PPPoE carrying neither IP nor an Ethernet frame (PPP control, other pseudowires): they are in no flow (counted as other)`);
  const tunneled = c.tunnelPackets.reduce((a, x) => a + x, 0);
  if (tunneled > 0) {
    const kinds = c.tunnelPackets.flatMap((k, i) => (k > 0 ? [`${TUNNEL_NAMES[i]} ${thousands(k)}`] : [])).join(', ');
    out.push(
      `${n(tunneled, 'packet')} inside tunnels (${kinds}) ${tunneled === 1 ? 'was' : 'were'} read from the headers inside: the flows and detectors see the traffic the tunnels carry; ` +
        `the tunnels' own packets (UDP or GRE between their endpoints) make no flow`,
    );
  }
  if (c.wlanEncryptedPackets > 0) {
    out.push(
      `${n(c.wlanEncryptedPackets, '802.11 data frame')} ${c.wlanEncryptedPackets === 1 ? 'is' : 'are'} encrypted (WEP or WPA): what ${c.wlanEncryptedPackets === 1 ? 'it carries is' : 'they carry is'} in no flow (counted as other); ` +
        `decrypt the capture first with the network's key (airdecap-ng -e SSID -p PASSPHRASE FILE, or Wireshark's 802.11 decryption and File > Export) and analyze that`,
    );
  }
  if (c.wlanBadSubframes > 0) {
    out.push(
      `skipped ${n(c.wlanBadSubframes, 'subframe')} of ${n(c.wlanAggregatePackets, '802.11 frame')} aggregating several packets (A-MSDU): cut short by the snap length, or with a length past the frame's end (the rest of such a frame unread)`,
    );
  }
  if (meter.outOfOrder > 0) {
    out.push(
      `${n(meter.outOfOrder, 'packet')} came earlier than the packet before ${meter.outOfOrder === 1 ? 'it' : 'them'} in ${meter.outOfOrder === 1 ? 'its' : 'their'} flow (several interfaces in one capture, which dumpcap writes in turns, files given out of time order, or a capture merged or edited without sorting): ` +
        `each was taken at that packet's time, so no gap or duration is negative; give the files oldest first, or sort the capture (reordercap)`,
    );
  }
  return out;
}
