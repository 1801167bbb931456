/**
 * Floods, as leaky buckets: connections or small packets per second from one source, or towards one
 * target from any number of sources, above a rate sustained longer than the bucket absorbs.
 *
 * Connection floods weigh an unanswered or refused SYN more than an ordinary connection (SYN floods
 * exhaust half-open state; `failedSynWeight`). Packet floods count only flows of small packets
 * (mean forward payload per packet at most `smallPacketBytes`), so a large download is not a flood,
 * and a flow longer than the window pours only the share of its packets that fits in one window,
 * because flow records arrive with all their packets at once.
 *
 * Not here: volumetric bandwidth alarms (bytes per second is capacity planning, not an attack sign
 * by itself), or slow floods like Slowloris (few long connections: no rate to see).
 */
import { share, spanSeconds, type BucketRule, type EpisodeView } from './bucket.js';
import { FLAG_FAILED, FLAG_SYN } from './batch.js';
import { formatShare, formatSpan } from './finding.js';
import type { FloodConfig } from './rules-config.js';
import { plural } from '../util/plural.js';
import { thousands } from '../util/thousands.js';

type Side = 'source' | 'target';

/** failed SYNs to more distinct destination ports than this are a scan's, not a SYN flood's */
const SYN_FLOOD_MAX_PORTS = 20;
type Measure = 'connections' | 'packets';

function rate(v: EpisodeView): number | null {
  const span = spanSeconds(v.episode);
  if (span === null || span <= 0) return null;
  return Math.round((v.episode.weight / span) * 10) / 10;
}

function floodRule(cfg: FloodConfig, side: Side, measure: Measure): BucketRule {
  const perSecond =
    side === 'source'
      ? measure === 'connections'
        ? cfg.sourceConnectionsPerSecond
        : cfg.sourcePacketsPerSecond
      : measure === 'connections'
        ? cfg.targetConnectionsPerSecond
        : cfg.targetPacketsPerSecond;
  const capacity = perSecond * cfg.windowSeconds;
  const unit = measure === 'connections' ? 'connections' : 'small packets';
  return {
    id: `flood.${side}-${measure}`,
    title: `${measure === 'connections' ? 'Connection' : 'Packet'} flood ${side === 'source' ? 'from a source' : 'towards a target'}`,
    category: 'denial-of-service',
    severity: cfg.severity,
    requires: measure === 'packets' ? [side === 'source' ? 'srcIp' : 'dstIp', 'fwdPackets'] : [side === 'source' ? 'srcIp' : 'dstIp'],
    bucket: {
      groupBy: [side === 'source' ? 'srcIp' : 'dstIp'],
      window: 'leaky',
      capacity,
      windowSeconds: cfg.windowSeconds,
      weight:
        measure === 'connections'
          ? { failedSynWeight: cfg.failedSynWeight }
          : { packets: true, maxMeanPacketBytes: cfg.smallPacketBytes, spreadOverDuration: true },
      // connections: their destination ports too, to tell a fast port scan from a SYN flood
      track: measure === 'connections' ? [side === 'source' ? 'dstIp' : 'srcIp', 'dstPort'] : [side === 'source' ? 'dstIp' : 'srcIp'],
      evidenceOnly: ['dstPort'],
    },
    describe(v) {
      const ep = v.episode;
      const other = ep.tracked[0];
      const span = spanSeconds(ep);
      const observed = rate(v);
      const failedShare = share(ep.failed, ep.flows, (ep.flagsKnown & FLAG_FAILED) !== 0);
      const synShare = share(ep.syn, ep.flows, (ep.flagsKnown & FLAG_SYN) !== 0);
      const failedSyns = measure === 'connections' && failedShare !== null && failedShare >= 0.5 && synShare !== null && synShare >= 0.5;
      // a SYN flood hammers a service (a port or a few); failed SYNs spread over many ports are a
      // fast scan's pace (a 1,000-port connect scan in a second read "a SYN flood")
      const ports = measure === 'connections' ? ep.tracked[1] : undefined;
      const scanPaced = failedSyns && ports !== undefined && ports.count > SYN_FLOOD_MAX_PORTS;
      const synFlood = failedSyns && !scanPaced;
      const portsCount = ports ? `${thousands(ports.count)}${ports.capped ? '+' : ''}` : '';
      const otherCount = `${thousands(other.count)}${other.capped ? '+' : ''}`;
      const who =
        side === 'source'
          ? `${v.srcIp} sent ${thousands(Math.round(ep.weight))} weighted ${unit} to ${otherCount} ${plural(other.count, 'host')}`
          : `${v.dstIp} received ${thousands(Math.round(ep.weight))} weighted ${unit} from ${otherCount} ${plural(other.count, 'source')}`;
      const singleSource = side === 'target' && other.count === 1 && !other.capped ? (other.sample[0] as string) : null;
      return {
        srcIp: side === 'source' ? v.srcIp : singleSource,
        reason:
          `${who} over ${formatSpan(span)}` +
          (observed === null ? '' : ` (${thousands(observed)}/s)`) +
          `, above ${thousands(perSecond)}/s sustained beyond a ${cfg.windowSeconds} s burst` +
          (synFlood
            ? `; ${formatShare(failedShare)} were unanswered or refused SYNs (a SYN flood).`
            : scanPaced
              ? `; ${formatShare(failedShare)} were unanswered or refused SYNs, to ${portsCount} distinct ports since it overflowed: the pace of a fast port scan rather than a SYN flood on a service.`
              : '.'),
        evidence: {
          flows: ep.flows,
          weighted: Math.round(ep.weight * 10) / 10,
          perSecond: observed,
          thresholdPerSecond: perSecond,
          windowSeconds: cfg.windowSeconds,
          bucketCapacity: capacity,
          peakLevel: Math.round(ep.peak * 10) / 10,
          durationSeconds: span,
          packets: ep.packetsKnown ? ep.packets : null,
          bytes: ep.bytesKnown ? ep.bytes : null,
          failedShare,
          synShare,
          synFlood,
          ...(ports ? { distinctPorts: ports.count, scanPaced } : {}),
          ...(side === 'source'
            ? { distinctTargets: other.count, targetsSample: other.sample as string[] }
            : { distinctSources: other.count, sourcesCapped: other.capped, sourcesSample: other.sample as string[] }),
        },
      };
    },
  };
}

/** The four flood rules: connections and packets, per source and per target. */
export function floodRules(cfg: FloodConfig): BucketRule[] {
  return [floodRule(cfg, 'source', 'connections'), floodRule(cfg, 'target', 'connections'), floodRule(cfg, 'source', 'packets'), floodRule(cfg, 'target', 'packets')];
}
