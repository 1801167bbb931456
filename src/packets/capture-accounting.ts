/**
 * What became of every packet of a capture, as summary.json (`capture`) and `analyze --json` give
 * it: read, decoded, skipped by reason, out of order, and what the flow table did (flows, flows
 * evicted when it was full, restarts at files out of time order). The reader already counted all
 * of this for its warnings; the outputs kept none of it, so a summary could not tell a quiet
 * capture from one whose packets were mostly skipped (a snap length too small, a wrong link type)
 * or whose flows were cut by the table bound.
 *
 * Invariant: packetsRead = packetsDecoded + packetsSkipped, and packetsDecoded = ipPackets +
 * arpPackets + otherPackets (only IP packets make flows), but that an 802.11 frame aggregating
 * several packets (A-MSDU) counts there as the packets it holds: ipPackets + arpPackets +
 * otherPackets = packetsDecoded − wlanAggregatePackets + wlanSubframes − wlanBadSubframes.
 */
import type { PacketCounts } from './decode-to-meter.js';
import type { FlowMeterStats } from './flow-meter.js';
import { namedTunnelCounts } from './tunnels.js';

export interface CaptureAccounting {
  /** packet records read from the capture (pcap records, pcapng packet blocks) */
  readonly packetsRead: number;
  /** of those, decoded: IP (metered into flows), ARP and other link-layer types (no flow) */
  readonly packetsDecoded: number;
  readonly ipPackets: number;
  readonly arpPackets: number;
  readonly otherPackets: number;
  /** of otherPackets: inside MPLS or PPPoE, carrying neither IP nor an Ethernet frame */
  readonly encapsulatedPackets: number;
  /** of otherPackets: 802.11 data frames encrypted (WEP, WPA) */
  readonly wlanEncryptedPackets: number;
  /**
   * of packetsDecoded: 802.11 data frames aggregating several packets (A-MSDU), opened: their
   * subframes (wlanSubframes) counted as the packets they are, but those that could not be read
   * (wlanBadSubframes: cut short, a length that contradicts the frame)
   */
  readonly wlanAggregatePackets: number;
  readonly wlanSubframes: number;
  readonly wlanBadSubframes: number;
  /** of packetsDecoded: found inside a tunnel (VXLAN, Geneve, GRE, ERSPAN, IP in IP, GTP-U) and read from the headers inside */
  readonly tunneledPackets: number;
  /** those by the (outermost) tunnel they were in */
  readonly tunnels: Readonly<Record<string, number>>;
  /**
   * of ipPackets: TCP or UDP packets whose transport header the snap length cut after the ports,
   * kept in their flow by their ports and IP lengths (TCP flags and window unknown)
   */
  readonly transportCutShortPackets: number;
  /** packet records skipped (in no flow, seen by no detector) */
  readonly packetsSkipped: number;
  readonly skippedByReason: {
    /** cut by the snap length before the headers needed for a flow ended (IP header, ports) */
    readonly truncated: number;
    /** records of no bytes at all (length 0 on the wire too) */
    readonly empty: number;
    /** headers that contradict themselves */
    readonly malformed: number;
    /** a link type the decoder does not read */
    readonly unsupportedLink: number;
    /** a timestamp before 1970 or after 9999 (garbled) */
    readonly badTime: number;
    /** 802.11 retransmissions of a frame already read, and frames received damaged (bad FCS) */
    readonly wlanRetransmitted: number;
    readonly wlanBadFcs: number;
  };
  /** pcapng blocks whose framing was right but contents garbled, skipped whole (not counted as packets) */
  readonly garbledBlocks: number;
  /** packets earlier than the packet before them in their flow (taken at that packet's time) */
  readonly outOfOrderPackets: number;
  /** flows metered */
  readonly flows: number;
  /** flows ended early because the flow table was full (--max-flows) */
  readonly flowsEvicted: number;
  /** the flow table's bound (--max-flows) */
  readonly maxFlows: number;
  /** files whose first packet came over a second before the packets read before them: the meter restarted there */
  readonly filesOutOfTimeOrder: number;
}

/** Packet records in no flow and seen by no detector, whatever the reason. */
export function skippedPackets(c: PacketCounts): number {
  return c.truncatedPackets + c.emptyPackets + c.malformedPackets + c.unsupportedLinkPackets + c.badTimePackets + c.wlanRetransmittedPackets + c.wlanBadFcsPackets;
}

/** The accounting of a capture's counts (a file capture's or a live one's summary). */
export function captureAccounting(c: PacketCounts, meter: FlowMeterStats, o: { flows: number; maxFlows: number; garbledBlocks: number }): CaptureAccounting {
  const skipped = skippedPackets(c);
  return {
    packetsRead: c.packets,
    packetsDecoded: c.packets - skipped,
    ipPackets: c.ipPackets,
    arpPackets: c.arpPackets,
    otherPackets: c.otherPackets,
    encapsulatedPackets: c.encapsulatedPackets,
    wlanEncryptedPackets: c.wlanEncryptedPackets,
    wlanAggregatePackets: c.wlanAggregatePackets,
    wlanSubframes: c.wlanSubframes,
    wlanBadSubframes: c.wlanBadSubframes,
    tunneledPackets: c.tunnelPackets.reduce((a, x) => a + x, 0),
    tunnels: namedTunnelCounts(c.tunnelPackets),
    transportCutShortPackets: c.transportCutShortPackets,
    packetsSkipped: skipped,
    skippedByReason: { truncated: c.truncatedPackets, empty: c.emptyPackets, malformed: c.malformedPackets, unsupportedLink: c.unsupportedLinkPackets, badTime: c.badTimePackets, wlanRetransmitted: c.wlanRetransmittedPackets, wlanBadFcs: c.wlanBadFcsPackets },
    garbledBlocks: o.garbledBlocks,
    outOfOrderPackets: meter.outOfOrder,
    flows: o.flows,
    flowsEvicted: meter.evictions,
    maxFlows: o.maxFlows,
    filesOutOfTimeOrder: meter.earlierFiles,
  };
}
