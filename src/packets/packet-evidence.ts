/**
 * The packet detectors as analysis evidence: `analyze` passes `onPacket` to the capture reader and
 * the provider to the pipeline, whose findings then join the rules' (alerts, report, per-source
 * evidence). For inputs that are not captures the detectors see no packets and find nothing.
 */
import type { EvidenceProvider } from '../analysis/evidence.js';
import { ArpWatch } from './arp-watch.js';
import type { DecodedPacket } from './decoded-packet.js';

export function packetDetectors(): { onPacket: (d: DecodedPacket) => void; provider: EvidenceProvider } {
  const arp = new ArpWatch();
  return {
    onPacket: (d) => arp.observe(d),
    provider: {
      name: 'packets',
      finish: async () => ({ findings: arp.findings() }),
    },
  };
}
