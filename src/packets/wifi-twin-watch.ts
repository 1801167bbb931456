/**
 * Evil twins (`wifi.evil-twin`): one Wi-Fi network name (SSID) announced with two kinds of security,
 * in the beacons and probe responses of a monitor-mode capture: a protected network (WPA2/WPA3,
 * WPA, WEP) that an access point also announces open, or with other protection. The attacker's
 * access point (airbase-ng, hostapd-mana, wifiphisher) takes the network's name, most often open, so
 * clients that a deauthentication flood knocked off (wifi-deauth-watch.ts) join it and the attacker
 * sits in the middle or shows a fake login page. The access points of one network share its
 * security, so two kinds under one name is the tell; several access points of one kind (a campus,
 * a mesh) are not.
 *
 * Security from the frame: an RSN element (WPA2, WPA3), else Microsoft's WPA vendor element
 * (00:50:F2, type 1), else the capability's Privacy bit (WEP), else open. Hidden networks (an empty
 * or all-zero SSID) are left out.
 *
 * Memory: at most `limits.maxGroupsPerRule` network names (the least recently announced dropped,
 * counted) and 16 (access point, security) pairs per name.
 */
import type { Finding } from '../detect/finding.js';
import type { LimitsConfig, WifiTwinConfig } from '../detect/rules-config.js';
import { macText, type DecodedPacket } from './decoded-packet.js';
import { WLAN_MANAGEMENT } from './decoder.js';
import { isoMicros } from './packet-finding.js';
import { plural } from '../util/plural.js';
import { thousands } from '../util/thousands.js';

const BEACON = WLAN_MANAGEMENT + 8;
const PROBE_RESPONSE = WLAN_MANAGEMENT + 5;
const PAIRS_PER_NAME = 16;

type Security = 'WPA2/WPA3' | 'WPA' | 'WEP' | 'open';

interface Announcer {
  bssid: string;
  security: Security;
  first: number;
  last: number;
  frames: number;
}

interface Name {
  ssid: string;
  announcers: Announcer[];
  dropped: number;
}

/** The security a beacon or probe response announces (its body at `at`, `end` the captured end), or null when unreadable. */
function securityOf(b: Uint8Array, at: number, end: number): { ssid: string; security: Security } | null {
  // fixed fields: timestamp (8), beacon interval (2), capability (2); then the elements
  if (end - at < 12) return null;
  const privacy = (b[at + 10] & 0x10) !== 0;
  let ssid: string | null = null;
  let rsn = false;
  let wpa = false;
  for (let p = at + 12; p + 2 <= end; ) {
    const tag = b[p];
    const len = b[p + 1];
    const v = p + 2;
    if (v + len > end) break;
    if (tag === 0 && ssid === null) {
      let zero = true;
      for (let i = 0; i < len; i++) if (b[v + i] !== 0) zero = false;
      ssid = zero ? '' : Buffer.from(b.buffer, b.byteOffset + v, len).toString('utf8');
    } else if (tag === 48) rsn = true;
    else if (tag === 221 && len >= 4 && b[v] === 0x00 && b[v + 1] === 0x50 && b[v + 2] === 0xf2 && b[v + 3] === 1) wpa = true;
    p = v + len;
  }
  if (!ssid) return null;
  return { ssid, security: rsn ? 'WPA2/WPA3' : wpa ? 'WPA' : privacy ? 'WEP' : 'open' };
}

export class WifiTwinWatch {
  private readonly names = new Map<string, Name>();
  evictions = 0;

  constructor(
    private readonly cfg: WifiTwinConfig,
    private readonly limits: Pick<LimitsConfig, 'maxGroupsPerRule'>,
  ) {}

  /** A decoded 802.11 management frame (only beacons and probe responses are read). */
  observe(d: DecodedPacket): void {
    const t = d.etherType;
    if (t !== BEACON && t !== PROBE_RESPONSE) return;
    const h = d.payloadOffset;
    const s = securityOf(d.bytes, h + 24, h + d.payloadCaptured);
    if (!s) return;
    let n = this.names.get(s.ssid);
    if (n) {
      this.names.delete(s.ssid);
      this.names.set(s.ssid, n);
    } else {
      if (this.names.size >= this.limits.maxGroupsPerRule) {
        this.names.delete(this.names.keys().next().value as string);
        this.evictions++;
      }
      n = { ssid: s.ssid, announcers: [], dropped: 0 };
      this.names.set(s.ssid, n);
    }
    // the transmitter of a beacon is its access point (address 2, the source MAC here)
    const bssid = macText(d.srcMacHi, d.srcMacLo);
    let a = n.announcers.find((x) => x.bssid === bssid && x.security === s.security);
    if (!a) {
      if (n.announcers.length >= PAIRS_PER_NAME) {
        n.dropped++;
        return;
      }
      n.announcers.push((a = { bssid, security: s.security, first: d.tsMicros, last: d.tsMicros, frames: 0 }));
    }
    a.frames++;
    if (d.tsMicros > a.last) a.last = d.tsMicros;
  }

  findings(): Finding[] {
    const out: Finding[] = [];
    for (const n of this.names.values()) {
      const kinds = new Set(n.announcers.map((a) => a.security));
      if (kinds.size < 2) continue;
      // the kind announced first is the network's; the others are the twins
      const first = [...n.announcers].sort((a, b) => a.first - b.first)[0];
      const twins = n.announcers.filter((a) => a.security !== first.security);
      const own = n.announcers.filter((a) => a.security === first.security);
      const times = n.announcers.flatMap((a) => [a.first, a.last]);
      const frames = n.announcers.reduce((k, a) => k + a.frames, 0);
      const list = (as: readonly Announcer[]) => as.map((a) => `${a.bssid} (${thousands(a.frames)} ${plural(a.frames, 'frame')} from ${isoMicros(a.first).slice(11, 19)})`).join(', ');
      out.push({
        ruleId: 'wifi.evil-twin',
        title: 'Wi-Fi evil twin (a network name announced with other security)',
        category: 'spoofing',
        severity: this.cfg.severity,
        srcIp: null,
        // the twins are the access points the attacker runs; the network's own ones are what they imitate
        srcMacs: [...new Set(twins.map((a) => a.bssid))],
        targets: { ips: [], ipCount: 0, ports: [], portCount: 0, countsCapped: false, macs: [...new Set(own.map((a) => a.bssid))] },
        firstSeen: isoMicros(Math.min(...times)),
        lastSeen: isoMicros(Math.max(...times)),
        count: frames,
        counted: ['frame', 'frames'],
        evidence: {
          ssid: n.ssid,
          security: first.security,
          accessPoints: own.map((a) => a.bssid),
          twinSecurity: [...new Set(twins.map((a) => a.security))],
          twins: twins.map((a) => a.bssid),
          twinFrames: twins.reduce((k, a) => k + a.frames, 0),
          pairsDropped: n.dropped,
        },
        rows: [],
        reason:
          `The Wi-Fi network "${n.ssid}" is announced as ${first.security} by ${list(own)} and as ${[...new Set(twins.map((a) => a.security))].join(' and ')} by ${list(twins)}: ` +
          `an evil twin (airbase-ng, hostapd-mana, wifiphisher) luring the network's clients to an access point the attacker runs; the access points of one network share its security.`,
      });
    }
    return out;
  }
}
