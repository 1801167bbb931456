/**
 * Wi-Fi deauthentication floods (`wifi.deauth-flood`): more than `wifiDeauth.frames` 802.11
 * deauthentication and disassociation frames (management subtypes 12 and 10) in one network (its
 * BSSID) within a sliding `wifiDeauth.windowSeconds` (window-count.ts, as the ping flood).
 * Those frames are unauthenticated on most networks (802.11w protects them only where management
 * frame protection is on), so anyone in radio range can send them under the access point's address:
 * aireplay-ng -0 and mdk4 knock clients off to capture their WPA handshake when they reconnect, to
 * push them to a rogue access point (an evil twin), or simply to jam the network. An access point
 * or a station sends one now and then (a client leaving, an idle one dropped); dozens a second is
 * an attack. Needs a capture in monitor mode (radiotap, link type 127, or plain 802.11).
 *
 * The finding names no source address: the frames carry MACs only, and the transmitter's is most
 * likely forged (the access point's own); it gives the network, the stations told to leave (a
 * broadcast one tells every station), the transmitters the frames claimed, and the reason codes.
 *
 * Memory: at most `limits.maxGroupsPerRule` networks (the least recently active dropped, its
 * finding kept, counted) and `limits.maxTrackedDistinct` stations and transmitters per network.
 */
import type { Finding } from '../detect/finding.js';
import type { LimitsConfig, WifiDeauthConfig } from '../detect/rules-config.js';
import { macText, type DecodedPacket } from './decoded-packet.js';
import { WLAN_DEAUTHENTICATION, WLAN_DISASSOCIATION } from './decoder.js';
import { CappedSet, isoMicros } from './packet-finding.js';
import { plural } from '../util/plural.js';
import { thousands } from '../util/thousands.js';
import { countInWindow, type WindowCount } from './window-count.js';

interface Network extends WindowCount {
  bssid: string;
  deauths: number;
  disassocs: number;
  first: number;
  last: number;
  receivers: CappedSet<string>;
  broadcast: number;
  transmitters: CappedSet<string>;
  reasons: Map<number, number>;
  over: boolean;
}

const BROADCAST_HI = 0xffff;
const BROADCAST_LO = 0xffffffff;

/** IEEE 802.11 reason codes the tools send most, in words */
const REASONS: Readonly<Record<number, string>> = {
  1: 'unspecified',
  2: 'previous authentication no longer valid',
  3: 'station is leaving',
  4: 'inactivity',
  6: 'class 2 frame from a nonauthenticated station',
  7: 'class 3 frame from a nonassociated station',
  8: 'station is leaving (disassociation)',
};

export class WifiDeauthWatch {
  private readonly networks = new Map<string, Network>();
  /** findings of networks dropped from a full table */
  private readonly closed: Finding[] = [];
  evictions = 0;

  constructor(
    private readonly cfg: WifiDeauthConfig,
    private readonly limits: Pick<LimitsConfig, 'maxGroupsPerRule' | 'maxTrackedDistinct' | 'sampleSize'>,
  ) {}

  /** A decoded 802.11 management frame (any subtype: only deauthentication and disassociation count). */
  observe(d: DecodedPacket): void {
    const t = d.etherType;
    if (t !== WLAN_DEAUTHENTICATION && t !== WLAN_DISASSOCIATION) return;
    const b = d.bytes;
    const h = d.payloadOffset;
    const bssid = macText((b[h + 16] << 8) | b[h + 17], ((b[h + 18] << 24) | (b[h + 19] << 16) | (b[h + 20] << 8) | b[h + 21]) >>> 0);
    let n = this.networks.get(bssid);
    if (n) {
      this.networks.delete(bssid);
      this.networks.set(bssid, n);
    } else {
      if (this.networks.size >= this.limits.maxGroupsPerRule) {
        const old = this.networks.values().next().value as Network;
        if (old.over) this.closed.push(this.finding(old));
        this.networks.delete(old.bssid);
        this.evictions++;
      }
      const capped = <T>(): CappedSet<T> => new CappedSet<T>(this.limits.maxTrackedDistinct, this.limits.sampleSize);
      n = { bssid, start: d.tsMicros, count: 0, previous: 0, peak: 0, deauths: 0, disassocs: 0, first: d.tsMicros, last: d.tsMicros, receivers: capped(), broadcast: 0, transmitters: capped(), reasons: new Map(), over: false };
      this.networks.set(bssid, n);
    }
    const now = d.tsMicros > n.last ? d.tsMicros : n.last;
    if (t === WLAN_DEAUTHENTICATION) n.deauths++;
    else n.disassocs++;
    n.last = now;
    if (d.dstMacHi === BROADCAST_HI && d.dstMacLo === BROADCAST_LO) n.broadcast++;
    else n.receivers.add(macText(d.dstMacHi, d.dstMacLo));
    n.transmitters.add(macText(d.srcMacHi, d.srcMacLo));
    // the reason code: the body's first two bytes (little-endian), when captured
    if (d.payloadCaptured >= 26) {
      const code = b[h + 24] | (b[h + 25] << 8);
      n.reasons.set(code, (n.reasons.get(code) ?? 0) + 1);
    }
    if (countInWindow(n, now, this.cfg.windowSeconds * 1e6) > this.cfg.frames) n.over = true;
  }

  /** Every network flooded so far (a live capture asks again and again: the same finding, its counts grown). */
  findings(): Finding[] {
    const out = [...this.closed];
    for (const n of this.networks.values()) if (n.over) out.push(this.finding(n));
    return out;
  }

  private finding(n: Network): Finding {
    const frames = n.deauths + n.disassocs;
    const span = (n.last - n.first) / 1e6;
    const peak = Math.round(n.peak);
    const stations = n.receivers.size;
    const told = [
      ...(stations > 0 ? [`${thousands(stations)}${n.receivers.capped ? '+' : ''} ${plural(stations, 'station')} (${n.receivers.sample.slice(0, 3).join(', ')}${stations > 3 ? ', …' : ''})`] : []),
      ...(n.broadcast > 0 ? [`every station at once (${thousands(n.broadcast)} broadcast)`] : []),
    ].join(' and ');
    const reasons = [...n.reasons].sort((a, b) => b[1] - a[1]);
    const kinds = [n.deauths ? `${thousands(n.deauths)} deauthentication` : '', n.disassocs ? `${thousands(n.disassocs)} disassociation` : ''].filter((x) => x).join(' and ');
    return {
      ruleId: 'wifi.deauth-flood',
      title: 'Wi-Fi deauthentication flood (clients forced off a network)',
      category: 'denial-of-service',
      severity: this.cfg.severity,
      srcIp: null,
      // the network attacked, by its BSSID: the transmitter addresses are forged, so no source
      targets: { ips: [], ipCount: 0, ports: [], portCount: 0, countsCapped: false, macs: [n.bssid] },
      firstSeen: isoMicros(n.first),
      lastSeen: isoMicros(n.last),
      count: frames,
      counted: ['frame', 'frames'],
      evidence: {
        bssid: n.bssid,
        frames,
        deauthentications: n.deauths,
        disassociations: n.disassocs,
        peakInWindow: peak,
        threshold: this.cfg.frames,
        windowSeconds: this.cfg.windowSeconds,
        perSecond: span > 0 ? Math.round(frames / span) : null,
        durationSeconds: Math.round(span * 1000) / 1000,
        stations,
        stationsCapped: n.receivers.capped,
        sampleStations: n.receivers.sample,
        broadcastFrames: n.broadcast,
        transmitters: n.transmitters.sample,
        // "7×40" per reason code, most frequent first
        reasonCodes: reasons.map(([c, k]) => `${c}×${k}`),
      },
      rows: [],
      reason:
        `${kinds} ${plural(frames, 'frame')} in ${span.toFixed(1)} s in the Wi-Fi network ${n.bssid} (up to ${thousands(peak)} within ${this.cfg.windowSeconds} s, more than ${thousands(this.cfg.frames)}), ` +
        `telling ${told} to leave, sent as ${n.transmitters.sample.slice(0, 2).join(', ')}${n.transmitters.size > 2 ? ', …' : ''}` +
        (reasons.length ? ` (reason ${reasons[0][0]}${REASONS[reasons[0][0]] ? `: ${REASONS[reasons[0][0]]}` : ''})` : '') +
        `: a deauthentication attack (aireplay-ng -0, mdk4) to capture handshakes as clients reconnect, push them to a rogue access point, or jam the network; ` +
        `802.11 management frames carry no proof of their sender (unless 802.11w protects them), so the transmitter address is most likely forged.`,
    };
  }
}
