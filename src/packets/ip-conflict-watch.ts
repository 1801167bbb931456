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
import { widen } from '../util/widen.js';
import { thousands } from '../util/thousands.js';

/** router MACs remembered for the every-packet test (more are still found, by a Map lookup) */
const ROUTER_CACHE = 16;

const macKey = (hi: number, lo: number): number => hi * 4294967296 + lo;
const macOf = (k: number): string => macText(Math.floor(k / 4294967296), k % 4294967296);
const ipText = (a: number): string => `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;

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
  /** by the key's entry: the row of its newest address */
  private heads = new Int32Array(this.uses.capacity);
  /**
   * Addresses and their senders are rows of typed-array columns, not an object, an array and an
   * object per sender for each address (an ordinary capture has tens of thousands of local
   * addresses). Rows are handed out in order and never freed: an address, once kept, is kept (a
   * full table refuses new ones), and so is each of its at most 8 senders.
   */
  private count = 0;
  private ip = new Uint32Array(1024);
  private vlan = new Int32Array(1024);
  /**
   * the MAC of the last packet (its top 16 and low 32 bits: the packet's own two numbers, compared
   * as they are; a 48-bit number made of them per packet was boxed into a heap number by V8 on
   * every IPv4 packet, 16 MB over a million), and how often it changed
   */
  private lastMacHi = new Uint32Array(1024);
  private lastMacLo = new Uint32Array(1024);
  private changes = new Uint32Array(1024);
  /** the next address under the same table key, or -1 */
  private nextUse = new Int32Array(1024);
  /** its first sender's row (the others follow through `nextSender`), and how many */
  private firstSender = new Int32Array(1024);
  private senderCount = new Uint8Array(1024);
  private senders = 0;
  private sMacHi = new Uint32Array(1024);
  private sMacLo = new Uint32Array(1024);
  private sFirst = new Float64Array(1024);
  private sLast = new Float64Array(1024);
  private sPackets = new Float64Array(1024);
  /** the next sender of the same address, or -1 */
  private nextSender = new Int32Array(1024);
  /** MAC → distinct source addresses (up to maxAddressesPerMac + 1: beyond it, a router) */
  private readonly byMac = new Map<number, number[]>();
  /**
   * MACs found to be routers (once one, always: byMac only grows), the first ROUTER_CACHE of them.
   * Most packets come from remote addresses, through a few routers, and have no entry: a scan of a
   * few doubles says "router" instead of a Map lookup by a 48-bit key, which also boxed the key into
   * a heap number for the call on every such packet (a capture with ten routers went there for most
   * of them).
   */
  private readonly routerHi = new Uint32Array(ROUTER_CACHE);
  private readonly routerLo = new Uint32Array(ROUTER_CACHE);
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
    const hi = d.srcMacHi;
    const lo = d.srcMacLo;
    const vlan = d.vlan;
    const at = this.uses.find(ip >>> 2);
    const head = at < 0 ? -1 : this.heads[at];
    let u = head;
    while (u >= 0 && (this.ip[u] !== ip || this.vlan[u] !== vlan)) u = this.nextUse[u];
    if (u >= 0 && this.lastMacLo[u] === lo && this.lastMacHi[u] === hi) {
      // the common case: the same sender again
      let s = this.firstSender[u];
      while (s >= 0 && (this.sMacLo[s] !== lo || this.sMacHi[s] !== hi)) s = this.nextSender[s];
      if (s >= 0) {
        this.sLast[s] = d.tsMicros;
        this.sPackets[s]++;
      }
      return;
    }
    if (u < 0) {
      // a known router's remote addresses are never a host's: not worth an entry each
      const routerHi = this.routerHi;
      const routerLo = this.routerLo;
      for (let i = 0; i < this.routerCount; i++) if (routerLo[i] === lo && routerHi[i] === hi) return;
      if (this.isRouter(macKey(hi, lo))) {
        if (this.routerCount < ROUTER_CACHE) {
          routerHi[this.routerCount] = hi;
          routerLo[this.routerCount++] = lo;
        }
        return;
      }
      if (this.count >= this.limits.maxGroupsPerRule) {
        this.evictions++;
        return;
      }
      u = this.count++;
      if (u === this.ip.length) this.growUses(u * 2);
      this.ip[u] = ip;
      this.vlan[u] = vlan;
      this.lastMacHi[u] = hi;
      this.lastMacLo[u] = lo;
      this.changes[u] = 0;
      this.nextUse[u] = head;
      this.firstSender[u] = -1;
      this.senderCount[u] = 0;
      // a new address under a known key becomes the chain's head; the key keeps its place in order (as a Map's set)
      if (at < 0) {
        const e = this.uses.add(ip >>> 2);
        if (this.uses.capacity > this.heads.length) this.heads = widen(this.heads, new Int32Array(this.uses.capacity));
        this.heads[e] = u;
      } else this.heads[at] = u;
    } else {
      this.changes[u]++;
      this.lastMacHi[u] = hi;
      this.lastMacLo[u] = lo;
    }
    let last = -1;
    for (let s = this.firstSender[u]; s >= 0; s = this.nextSender[s]) {
      if (this.sMacLo[s] === lo && this.sMacHi[s] === hi) {
        this.sLast[s] = d.tsMicros;
        this.sPackets[s]++;
        return;
      }
      last = s;
    }
    if (this.senderCount[u] >= 8) {
      this.evictions++;
      return;
    }
    const s = this.senders++;
    if (s === this.sMacLo.length) this.growSenders(s * 2);
    this.sMacHi[s] = hi;
    this.sMacLo[s] = lo;
    this.sFirst[s] = d.tsMicros;
    this.sLast[s] = d.tsMicros;
    this.sPackets[s] = 1;
    this.nextSender[s] = -1;
    if (last < 0) this.firstSender[u] = s;
    else this.nextSender[last] = s;
    this.senderCount[u]++;
    const mac = macKey(hi, lo);
    let ips = this.byMac.get(mac);
    if (!ips) {
      if (this.byMac.size >= this.limits.maxGroupsPerRule) return;
      this.byMac.set(mac, (ips = []));
    }
    if (ips.length <= this.cfg.maxAddressesPerMac && !ips.includes(ip)) ips.push(ip);
  }

  private growUses(cap: number): void {
    this.ip = widen(this.ip, new Uint32Array(cap));
    this.vlan = widen(this.vlan, new Int32Array(cap));
    this.lastMacHi = widen(this.lastMacHi, new Uint32Array(cap));
    this.lastMacLo = widen(this.lastMacLo, new Uint32Array(cap));
    this.changes = widen(this.changes, new Uint32Array(cap));
    this.nextUse = widen(this.nextUse, new Int32Array(cap));
    this.firstSender = widen(this.firstSender, new Int32Array(cap));
    this.senderCount = widen(this.senderCount, new Uint8Array(cap));
  }

  private growSenders(cap: number): void {
    this.sMacHi = widen(this.sMacHi, new Uint32Array(cap));
    this.sMacLo = widen(this.sMacLo, new Uint32Array(cap));
    this.sFirst = widen(this.sFirst, new Float64Array(cap));
    this.sLast = widen(this.sLast, new Float64Array(cap));
    this.sPackets = widen(this.sPackets, new Float64Array(cap));
    this.nextSender = widen(this.nextSender, new Int32Array(cap));
  }

  private isRouter(mac: number): boolean {
    return (this.byMac.get(mac)?.length ?? 0) > this.cfg.maxAddressesPerMac;
  }

  /**
   * The hosts (not routers) that sent IPv4 packets from `ip`, on any VLAN, each with its MAC and when:
   * arp-watch compares them with who announced the address by ARP.
   */
  sendersOf(ip: number): { mac: number; first: number; last: number }[] {
    const out: { mac: number; first: number; last: number }[] = [];
    const at = this.uses.find(ip >>> 2);
    for (let u = at < 0 ? -1 : this.heads[at]; u >= 0; u = this.nextUse[u]) {
      if (this.ip[u] !== ip) continue;
      for (let r = this.firstSender[u]; r >= 0; r = this.nextSender[r]) {
        const mac = macKey(this.sMacHi[r], this.sMacLo[r]);
        if (!this.isRouter(mac)) out.push({ mac, first: this.sFirst[r], last: this.sLast[r] });
      }
    }
    return out;
  }

  /** The addresses `mac` sent IPv4 packets from, or none for a router's (it sends from many). */
  addressesOf(mac: number): readonly number[] {
    return this.isRouter(mac) ? [] : (this.byMac.get(mac) ?? []);
  }

  /**
   * `reportedByArp`: addresses arp-watch reports as conflicts already (not reported again).
   * `spoofer`: whether a MAC is an ARP spoofer (arp-watch's view), and its own address. A man in the
   * middle (arpspoof, ettercap) forwards the packets of the hosts it poisoned from its own MAC, so
   * their addresses "send from two MACs": when exactly one of the MACs is a spoofer, the finding is
   * about it (its own address the source, the relayed address a target). Before, the source was the
   * relayed address: the victim, a risky source for respond to ban, and the gateway's Internet peers too.
   */
  findings(
    reportedByArp: (ip: number) => boolean = () => false,
    spoofer: (mac: number) => { own: number | undefined; took: readonly number[] } | undefined = () => undefined,
  ): Finding[] {
    if (!this.cfg.enabled) return [];
    const out: Finding[] = [];
    for (let e = this.uses.first(); e >= 0; e = this.uses.after(e)) for (let u = this.heads[e]; u >= 0; u = this.nextUse[u]) {
      if (this.senderCount[u] < 2 || this.changes[u] < this.cfg.minChanges) continue;
      const hosts: { mac: number; first: number; last: number; packets: number }[] = [];
      for (let r = this.firstSender[u]; r >= 0; r = this.nextSender[r]) {
        const mac = macKey(this.sMacHi[r], this.sMacLo[r]);
        if (!this.isRouter(mac)) hosts.push({ mac, first: this.sFirst[r], last: this.sLast[r], packets: this.sPackets[r] });
      }
      if (hosts.length < 2 || reportedByArp(this.ip[u])) continue;
      const changes = this.changes[u];
      const uVlan = this.vlan[u];
      const ip = ipText(this.ip[u]);
      const macs = hosts.map((s) => macOf(s.mac));
      const vlan = uVlan >= 0 ? ` on VLAN ${uVlan}` : '';
      const spoofers = hosts.flatMap((h) => {
        const s = spoofer(h.mac);
        return s ? [{ ...h, ...s }] : [];
      });
      if (spoofers.length === 1) {
        const relay = spoofers[0];
        const owners = hosts.filter((h) => h.mac !== relay.mac);
        const relayName = `${macOf(relay.mac)}${relay.own === undefined ? '' : ` (${ipText(relay.own)}'s MAC)`}`;
        out.push({
          ruleId: 'packet.ip-conflict',
          title: 'A host relaying packets under another address (man in the middle)',
          category: 'spoofing',
          severity: this.cfg.severity,
          srcIp: relay.own === undefined ? null : ipText(relay.own),
          targets: { ips: [ip], ipCount: 1, ports: [], portCount: 0, countsCapped: false },
          firstSeen: isoMicros(relay.first),
          lastSeen: isoMicros(Math.max(...hosts.map((s) => s.last))),
          count: relay.packets,
          counted: ['packet', 'packets'],
          evidence: {
            macs,
            packets: hosts.map((s) => s.packets),
            macChanges: changes,
            vlan: uVlan >= 0 ? uVlan : null,
            threshold: this.cfg.minChanges,
            relayMac: macOf(relay.mac),
            relayIp: relay.own === undefined ? null : ipText(relay.own),
            spoofedByArp: relay.took.map(ipText),
          },
          rows: [],
          reason:
            `${ip}${vlan}'s packets came from ${owners.map((o) => `${macOf(o.mac)} (${thousands(o.packets)} ${plural(o.packets, 'packet')})`).join(', ')} and from ${relayName} ` +
            `(${thousands(relay.packets)} ${plural(relay.packets, 'packet')}), which announced itself by ARP as ${relay.took.map(ipText).join(', ')}: ` +
            `a man in the middle relaying ${ip}'s traffic (or sending under its address).`,
        });
        continue;
      }
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
        evidence: { macs, packets: hosts.map((s) => s.packets), macChanges: changes, vlan: uVlan >= 0 ? uVlan : null, threshold: this.cfg.minChanges },
        rows: [],
        reason:
          `${ip}${vlan} sent IP packets from ${thousands(hosts.length)} MACs in turn (${hosts.map((s) => `${macOf(s.mac)}: ${thousands(s.packets)} ${plural(s.packets, 'packet')}`).join(', ')}; the sender changed ${thousands(changes)} ${plural(changes, 'time')}) without ARP showing it: ` +
          'two machines using one address (a misconfiguration), or one sending under another\'s address.',
      });
    }
    return out;
  }
}
