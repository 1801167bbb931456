/**
 * Duplicate IPv4 addresses seen in IP traffic itself, without ARP telling: two machines on one
 * link (one VLAN) sending packets from the same address, each from its own MAC. arp-watch's
 * `arp.ip-conflict` sees a duplicate only when both announce the address by ARP; a host with a
 * static neighbour entry, a capture that started after the ARP exchange, or an attacker sending
 * under a victim's address without answering ARP shows up only here.
 *  - `packet.ip-conflict` (severity `duplicateIp.severity`): one address sent from by two or more
 *    MACs, the sending MAC changing at least `duplicateIp.minChanges` times (A, B, A is 2): both
 *    are in use at once. One change (A then only B) is a replaced machine or a DHCP lease handed
 *    on, and is not reported.
 * Routers are left out: the MAC that carries off-link traffic sends from many addresses (more than
 * `duplicateIp.maxAddressesPerMac`), and a second router (or a failover) would otherwise make every
 * remote address a "duplicate". Addresses arp-watch already reports are not reported twice.
 *
 * Cost: one table lookup per IPv4 packet with a MAC; the rest only when an (address, MAC) pair is new
 * or the sending MAC changes. Addresses first seen from a known router's MAC get no entry. Memory: at most `limits.maxGroupsPerRule` addresses, 8 MACs each.
 */
import type { Finding } from '../detect/finding.js';
import type { DuplicateIpConfig, LimitsConfig } from '../detect/rules-config.js';
import { L3_IPV4, macText, type DecodedPacket } from './decoded-packet.js';
import { KeyTable } from './key-table.js';
import { isoMicros } from './packet-finding.js';
import { plural } from '../util/plural.js';

interface Sender {
  mac: number;
  first: number;
  last: number;
  packets: number;
}

interface AddressUse {
  ip: number;
  vlan: number;
  senders: Sender[];
  /** the MAC of the last packet, and how often it changed */
  lastMac: number;
  changes: number;
  /** the next address under the same table key */
  next: AddressUse | undefined;
}

/** router MACs remembered for the every-packet test (more are still found, by a Map lookup) */
const ROUTER_CACHE = 16;

const macKey = (hi: number, lo: number): number => hi * 4294967296 + lo;
const macOf = (k: number): string => macText(Math.floor(k / 4294967296), k % 4294967296);
const ipText = (a: number): string => `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;

/**
 * The sender with this MAC. A loop, not `senders.find(x => x.mac === mac)`: a closure over `mac`
 * (a 48-bit number) would allocate its context and box the number on every packet of this path.
 */
function senderOf(senders: readonly Sender[], mac: number): Sender | undefined {
  for (let i = 0; i < senders.length; i++) if (senders[i].mac === mac) return senders[i];
  return undefined;
}

/** Sources that are never a host's own address on a link: unspecified, multicast, broadcast. */
const notAHost = (a: number): boolean => a === 0 || a >>> 28 === 14 || a >>> 28 === 15;

export class IpConflictWatch {
  /**
   * keyed by the address's top 30 bits; the four addresses (and VLANs) sharing a key are chained
   * from `heads` (by the key's entry). A KeyTable, not a Map: every IPv4 packet looks its source up
   * here, and most find nothing (remote addresses behind a router), which one probe of a flat
   * array says.
   */
  private readonly uses = new KeyTable();
  private heads: (AddressUse | undefined)[] = [];
  private count = 0;
  /** MAC → distinct source addresses (up to maxAddressesPerMac + 1: beyond it, a router) */
  private readonly byMac = new Map<number, number[]>();
  /**
   * MACs found to be routers (once one, always: byMac only grows), the first ROUTER_CACHE of them.
   * Most packets come from remote addresses, through a few routers, and have no entry: a scan of a
   * few doubles says "router" instead of a Map lookup by a 48-bit key, which also boxed the key into
   * a heap number for the call on every such packet (a capture with ten routers went there for most
   * of them).
   */
  private readonly routers = new Float64Array(ROUTER_CACHE);
  private routerCount = 0;
  evictions = 0;

  constructor(
    private readonly cfg: DuplicateIpConfig,
    private readonly limits: LimitsConfig,
  ) {}

  observe(d: DecodedPacket): void {
    if (d.l3 !== L3_IPV4 || d.srcMacHi < 0) return;
    const ip = d.src[3];
    if (notAHost(ip)) return;
    const mac = macKey(d.srcMacHi, d.srcMacLo);
    const vlan = d.vlan;
    const at = this.uses.find(ip >>> 2);
    const head = at < 0 ? undefined : this.heads[at];
    let u = head;
    while (u !== undefined && (u.ip !== ip || u.vlan !== vlan)) u = u.next;
    if (u !== undefined && u.lastMac === mac) {
      // the common case: the same sender again
      // u.lastMac, not mac, though equal here: it is already a heap number in the object, while
      // passing `mac` had V8 box it before the branch, on every packet (measured: 16 bytes each)
      const s = u.senders[0].mac === mac ? u.senders[0] : senderOf(u.senders, u.lastMac);
      if (s) {
        s.last = d.tsMicros;
        s.packets++;
      }
      return;
    }
    if (u === undefined) {
      // a known router's remote addresses are never a host's: not worth an entry each
      const routers = this.routers;
      for (let i = 0; i < this.routerCount; i++) if (routers[i] === mac) return;
      if (this.isRouter(mac)) {
        if (this.routerCount < ROUTER_CACHE) routers[this.routerCount++] = mac;
        return;
      }
      if (this.count >= this.limits.maxGroupsPerRule) {
        this.evictions++;
        return;
      }
      u = { ip, vlan, senders: [], lastMac: mac, changes: 0, next: head };
      // a new address under a known key becomes the chain's head; the key keeps its place in order (as a Map's set)
      this.heads[at < 0 ? this.uses.add(ip >>> 2) : at] = u;
      this.count++;
    } else {
      u.changes++;
      u.lastMac = mac;
    }
    const known = senderOf(u.senders, mac);
    if (known) {
      known.last = d.tsMicros;
      known.packets++;
      return;
    }
    if (u.senders.length >= 8) {
      this.evictions++;
      return;
    }
    u.senders.push({ mac, first: d.tsMicros, last: d.tsMicros, packets: 1 });
    let ips = this.byMac.get(mac);
    if (!ips) {
      if (this.byMac.size >= this.limits.maxGroupsPerRule) return;
      this.byMac.set(mac, (ips = []));
    }
    if (ips.length <= this.cfg.maxAddressesPerMac && !ips.includes(ip)) ips.push(ip);
  }

  private isRouter(mac: number): boolean {
    return (this.byMac.get(mac)?.length ?? 0) > this.cfg.maxAddressesPerMac;
  }

  /** `reportedByArp`: addresses arp-watch reports as conflicts already (not reported again). */
  findings(reportedByArp: (ip: number) => boolean = () => false): Finding[] {
    if (!this.cfg.enabled) return [];
    const out: Finding[] = [];
    for (let e = this.uses.first(); e >= 0; e = this.uses.after(e)) for (let u = this.heads[e]; u !== undefined; u = u.next) {
      if (u.senders.length < 2 || u.changes < this.cfg.minChanges) continue;
      const hosts = u.senders.filter((s) => !this.isRouter(s.mac));
      if (hosts.length < 2 || reportedByArp(u.ip)) continue;
      const ip = ipText(u.ip);
      const macs = hosts.map((s) => macOf(s.mac));
      const vlan = u.vlan >= 0 ? ` on VLAN ${u.vlan}` : '';
      out.push({
        ruleId: 'packet.ip-conflict',
        title: 'One IPv4 address sending from several MACs (duplicate address)',
        category: 'spoofing',
        severity: this.cfg.severity,
        srcIp: ip,
        targets: { ips: [ip], ipCount: 1, ports: [], portCount: 0, countsCapped: false },
        firstSeen: isoMicros(Math.min(...hosts.map((s) => s.first))),
        lastSeen: isoMicros(Math.max(...hosts.map((s) => s.last))),
        count: hosts.reduce((a, s) => a + s.packets, 0),
        counted: ['packet', 'packets'],
        evidence: { macs, packets: hosts.map((s) => s.packets), macChanges: u.changes, vlan: u.vlan >= 0 ? u.vlan : null, threshold: this.cfg.minChanges },
        rows: [],
        reason:
          `${ip}${vlan} sent IP packets from ${hosts.length} MACs in turn (${hosts.map((s) => `${macOf(s.mac)}: ${s.packets} ${plural(s.packets, 'packet')}`).join(', ')}; the sender changed ${u.changes} ${plural(u.changes, 'time')}) without ARP showing it: ` +
          'two machines using one address (a misconfiguration), or one sending under another\'s address.',
      });
    }
    return out;
  }
}
