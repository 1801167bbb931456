/**
 * The one decode → count → detectors → flow meter step every packet of a capture takes, whether
 * the capture is a file (capture-flows.ts) or a live pipe (live-flow-source.ts): the same packets
 * counted the same way, the same ones metered. Non-IP packets (ARP, LLDP, ...) reach the packet
 * detectors but make no flow; truncated, malformed and unknown-link packets are counted and skipped.
 */
import type { CapturePacket } from './capture-packet.js';
import { DecodedPacket, L3_ARP, L3_IPV4, L3_IPV6 } from './decoded-packet.js';
import { decodePacket, DECODE_MALFORMED, DECODE_OK, DECODE_TRUNCATED, DECODE_UNKNOWN_LINK } from './decoder.js';
import type { FlowMeter } from './flow-meter.js';

/** What the step counted (the summaries of files and live captures carry these fields). */
export interface PacketCounts {
  packets: number;
  ipPackets: number;
  arpPackets: number;
  otherPackets: number;
  truncatedPackets: number;
  malformedPackets: number;
  unsupportedLinkPackets: number;
}

export function emptyPacketCounts(): PacketCounts {
  return { packets: 0, ipPackets: 0, arpPackets: 0, otherPackets: 0, truncatedPackets: 0, malformedPackets: 0, unsupportedLinkPackets: 0 };
}

/**
 * A packet sink for iterateCapture: decodes into one reused DecodedPacket, counts into `counts`,
 * hands every decoded packet to `onPacket` (before the meter) and IP packets to `meter`.
 */
export function decodeToMeter(counts: PacketCounts, meter: FlowMeter, onPacket?: (d: DecodedPacket) => void): (p: CapturePacket) => void {
  const d = new DecodedPacket();
  return (p) => {
    counts.packets++;
    const r = decodePacket(p, d);
    if (r !== DECODE_OK) {
      if (r === DECODE_TRUNCATED) counts.truncatedPackets++;
      else if (r === DECODE_MALFORMED) counts.malformedPackets++;
      else if (r === DECODE_UNKNOWN_LINK) counts.unsupportedLinkPackets++;
      return;
    }
    if (onPacket) onPacket(d);
    if (d.l3 === L3_IPV4 || d.l3 === L3_IPV6) {
      counts.ipPackets++;
      meter.packet(d);
    } else if (d.l3 === L3_ARP) counts.arpPackets++;
    else counts.otherPackets++;
  };
}
