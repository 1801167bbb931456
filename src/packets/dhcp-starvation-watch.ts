/**
 * DHCP starvation (`dhcp.starvation`): DHCPDISCOVERs for more than `dhcpStarvation.clients`
 * distinct client hardware addresses (BOOTP chaddr) on the link, with no gap longer than
 * `dhcpStarvation.windowSeconds` between them. A starvation tool (dhcpig, yersinia, dhcpstarv)
 * asks for a lease under one made-up MAC after another until the server's pool is empty: the real
 * clients then get no address, or take one from a rogue server the attacker starts next (the
 * rogue-server finding of dhcp-watch.ts). A real host sends one DISCOVER and gets its lease; even a
 * building booting at once spreads its hosts' DISCOVERs over minutes, and renewals are REQUESTs,
 * not DISCOVERs. Switches stop it with DHCP snooping rate limits; a sensor sees it only here.
 *
 * The finding has no source address (the clients have none yet); when the frames came from at most
 * `SOURCE_MACS` link-layer addresses (one attacker changing only the chaddr, as dhcpig by default),
 * those MACs are its `srcMacs`; when each frame has a MAC of its own (yersinia), none. The evidence
 * counts the DISCOVERs, the distinct clients, the frame sources, the relays (a relay's forwarded
 * DISCOVERs carry their giaddr: many clients behind it are told as one link's), and the OFFERs
 * answered meanwhile (a pool that ran dry answers fewer and fewer).
 *
 * Memory: one open episode, its clients counted in a CappedSet of `limits.maxTrackedDistinct`.
 */
import type { Finding } from '../detect/finding.js';
import type { DhcpStarvationConfig, LimitsConfig } from '../detect/rules-config.js';
import { L3_IPV4, PROTO_UDP, macText, type DecodedPacket } from './decoded-packet.js';
import { CappedSet, isoMicros } from './packet-finding.js';
import { thousands } from '../util/thousands.js';

/** at most this many frame source MACs are named as the finding's source */
const SOURCE_MACS = 3;
const MAGIC_COOKIE = 0x63825363;

interface Episode {
  first: number;
  last: number;
  discovers: number;
  offers: number;
  clients: CappedSet<string>;
  frameMacs: CappedSet<string>;
  relays: CappedSet<string>;
}

export class DhcpStarvationWatch {
  private open: Episode | null = null;
  private readonly crossed: Episode[] = [];

  constructor(
    private readonly cfg: DhcpStarvationConfig,
    private readonly limits: Pick<LimitsConfig, 'maxTrackedDistinct' | 'sampleSize'>,
  ) {}

  /** A UDP packet to or from the DHCP server port (packetDetectors hands over only those). */
  observe(d: DecodedPacket): void {
    if (d.proto !== PROTO_UDP || d.fragment === 2 || d.l3 !== L3_IPV4) return;
    const b = d.bytes;
    const p = d.payloadOffset;
    const end = p + d.payloadCaptured;
    // BOOTP: 236 fixed bytes, the magic cookie, options; a request (op 1) to the server port, a reply (op 2) from it
    if (end - p < 240 || ((b[p + 236] << 24) | (b[p + 237] << 16) | (b[p + 238] << 8) | b[p + 239]) >>> 0 !== MAGIC_COOKIE) return;
    const type = messageType(b, p + 240, end);
    if (d.srcPort === 67 && b[p] === 2) {
      if (type === 2 && this.open) this.open.offers++;
      return;
    }
    if (d.dstPort !== 67 || b[p] !== 1 || type !== 1) return;
    // Ethernet chaddr (htype 1, hlen 6)
    if (b[p + 1] !== 1 || b[p + 2] !== 6) return;
    const ts = d.tsMicros;
    let ep = this.open;
    if (ep && ts - ep.last > this.cfg.windowSeconds * 1e6) {
      this.close(ep);
      ep = null;
    }
    if (!ep) {
      const cap = this.limits.maxTrackedDistinct;
      const n = this.limits.sampleSize;
      ep = this.open = { first: ts, last: ts, discovers: 0, offers: 0, clients: new CappedSet(cap, n), frameMacs: new CappedSet(cap, n), relays: new CappedSet(cap, n) };
    }
    ep.last = ts;
    ep.discovers++;
    const c = p + 28;
    ep.clients.add(macText((b[c] << 8) | b[c + 1], ((b[c + 2] << 24) | (b[c + 3] << 16) | (b[c + 4] << 8) | b[c + 5]) >>> 0));
    if (d.srcMacHi >= 0) ep.frameMacs.add(macText(d.srcMacHi, d.srcMacLo));
    const g = p + 24;
    if (b[g] | b[g + 1] | b[g + 2] | b[g + 3]) ep.relays.add(`${b[g]}.${b[g + 1]}.${b[g + 2]}.${b[g + 3]}`);
  }

  private close(ep: Episode): void {
    this.open = null;
    if (this.hasCrossed(ep)) this.crossed.push(ep);
  }

  private hasCrossed(ep: Episode): boolean {
    return ep.clients.size > this.cfg.clients;
  }

  /** The episodes past the threshold, closed ones first, then the open one. */
  findings(): Finding[] {
    const eps = [...this.crossed, ...(this.open && this.hasCrossed(this.open) ? [this.open] : [])];
    return eps.map((ep) => {
      const span = (ep.last - ep.first) / 1e6;
      const few = !ep.frameMacs.capped && ep.frameMacs.size <= SOURCE_MACS;
      const plus = ep.clients.capped ? '+' : '';
      const from = few ? `from ${ep.frameMacs.sample.join(', ')}` : `from ${thousands(ep.frameMacs.size)}${ep.frameMacs.capped ? '+' : ''} link-layer addresses (made up as well)`;
      return {
        ruleId: 'dhcp.starvation',
        title: 'DHCP starvation (lease requests under many made-up MACs)',
        category: 'denial-of-service',
        severity: this.cfg.severity,
        srcIp: null,
        ...(few && ep.frameMacs.size > 0 ? { srcMacs: [...ep.frameMacs.sample] } : {}),
        targets: { ips: [], ipCount: 0, ports: [67], portCount: 1, countsCapped: ep.clients.capped },
        firstSeen: isoMicros(ep.first),
        lastSeen: isoMicros(ep.last),
        count: ep.discovers,
        counted: ['DHCPDISCOVER', 'DHCPDISCOVERs'],
        evidence: {
          clients: ep.clients.size,
          clientSample: [...ep.clients.sample],
          discovers: ep.discovers,
          offers: ep.offers,
          frameSourceMacs: ep.frameMacs.size,
          frameSourceSample: [...ep.frameMacs.sample],
          relays: [...ep.relays.sample],
          threshold: this.cfg.clients,
          windowSeconds: this.cfg.windowSeconds,
          durationSeconds: Math.round(span * 1000) / 1000,
        },
        rows: [],
        reason:
          `${thousands(ep.clients.size)}${plus} distinct clients asked for a DHCP lease (${thousands(ep.discovers)} DHCPDISCOVERs) in ${span.toFixed(1)} s ${from}` +
          `${ep.relays.size ? ` (relayed by ${ep.relays.sample.join(', ')})` : ''}, ${thousands(ep.offers)} answered with an offer: DHCP starvation, emptying the server's address pool ` +
          `(more than ${thousands(this.cfg.clients)} clients with no gap over ${this.cfg.windowSeconds} s; a rogue DHCP server often follows).`,
      };
    });
  }
}

/** Option 53 (DHCP message type) among the options from `o`, or -1. */
function messageType(b: Uint8Array, o: number, end: number): number {
  while (o < end) {
    const code = b[o];
    if (code === 0) {
      o++;
      continue;
    }
    if (code === 255 || o + 1 >= end) return -1;
    const len = b[o + 1];
    if (code === 53 && len >= 1 && o + 2 < end) return b[o + 2];
    o += 2 + len;
  }
  return -1;
}
