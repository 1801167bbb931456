/**
 * TTL (IPv6: hop limit) jumps inside one direction of an established TCP connection: every segment
 * of a connection from one host crosses the same routers, so a segment arriving with a hop count
 * more than `ttlJump.maxHopChange` away from the connection's first, or from a different initial-TTL
 * class (64/128/255, see detect/ttl-hops.ts's initialTtl, reused), was most likely sent by another
 * machine using the source's address: an injected RST or data segment (a man in the middle or an
 * off-path spoofer).
 *
 * Why not the flow rule: `spoofing.ttl-hop-change` (detect/ttl-hops.ts) compares the first TTL of
 * each *flow* of a source over an hour, so it sees a source's hosts changing but cannot see one
 * packet inside a connection. This looks only there, until a RST ends the connection. Only segments
 * with ACK and without SYN count: a connection's own SYNs may be crafted on purpose (nmap randomises their TTLs, tcptraceroute
 * raises them one by one), and ICMP/UDP traceroute probes are not connections.
 *
 * Memory: at most `limits.maxGroupsPerRule` connection directions (idle ones forgotten after the
 * flow meter's idle timeout, 120 s; beyond that the oldest dropped, counted) and sources with
 * findings. A direction is found by a 30-bit hash of its addresses and ports, checked against the
 * last address word and the ports (a rare IPv6 collision merely restarts a direction).
 *
 * Cost: this looks up the direction of every established TCP segment, so directions are rows of
 * typed-array columns found through a KeyTable (key-table.ts), not objects in a Map: no object per
 * direction, and a lookup that touches two flat arrays instead of a Map's table and an object.
 */
import type { Finding } from '../detect/finding.js';
import { addressWordsText } from '../detect/ip-address.js';
import type { LimitsConfig, TtlJumpConfig } from '../detect/rules-config.js';
import { initialTtl } from '../detect/ttl-hops.js';
import { L3_IPV4, PROTO_TCP, TCP_ACK, TCP_RST, TCP_SYN, type DecodedPacket } from './decoded-packet.js';
import { KeyTable } from './key-table.js';
import { CappedSet, findingTargets, isoMicros, tupleHash } from './packet-finding.js';
import { plural } from '../util/plural.js';
import { thousands } from '../util/thousands.js';

const ROW = 4;
const R_S3 = 0;
const R_D3 = 1;
const R_PORTS = 2;
const R_LAST = 3;
const FLAGGED = 1 << 16;

/** a direction idle this long is forgotten (a connection's next segment starts it afresh): the flow meter's idle timeout */
const IDLE_MICROS = 120e6;

interface SourceJumps {
  ip: string;
  first: number;
  last: number;
  connections: number;
  segments: number;
  resets: number;
  maxChange: number;
  classChange: boolean;
  ttls: CappedSet<number>;
  peers: CappedSet<string>;
  ports: CappedSet<number>;
  example: string;
}

export class TtlJumpWatch {
  /** the directions by tuple hash, in order of arrival (the oldest is dropped when full) */
  private readonly directions = new KeyTable();
  /**
   * a direction's numbers, by its entry in `directions`, side by side (one segment's lookup reads
   * one or two cache lines, not one per column): the last word of its source and destination
   * addresses and source port * 65536 + destination port (to tell a colliding hash), and the time
   * of its last segment (µs)
   */
  private rows = new Float64Array(this.directions.capacity * ROW);
  /** its TTLs: the first segment's (bits 0-7), the latest one's (8-15), and whether it counted as a connection with a jump (16) */
  private ttls = new Uint32Array(this.directions.capacity);
  private readonly sources = new Map<string, SourceJumps>();
  private nextExpiry = 0;
  evictions = 0;

  constructor(
    private readonly cfg: TtlJumpConfig,
    private readonly limits: LimitsConfig,
  ) {}

  /** `h`: the segment's tupleHash (packetDetectors computes it once for this watch and the SYN watch). */
  observe(d: DecodedPacket, h = tupleHash(d.src, d.dst, d.srcPort, d.dstPort)): void {
    if (d.proto !== PROTO_TCP || d.fragment === 2) return;
    const f = d.tcpFlags;
    if (f & TCP_SYN) return;
    if (f & TCP_ACK) this.judge(d, h);
    // a RST ends the connection (judged above when it carries an ACK, as an injected one does): a
    // later segment on the same ports is no part of it. nmap's OS detection sends bare ACKs with
    // random TTLs from one port to an open port, each refused by a RST: they read as one
    // connection 13 hops apart, "another machine injecting packets"
    if (f & TCP_RST) {
      this.forget(h, d.src[3], d.dst[3], d.srcPort * 65536 + d.dstPort);
      this.forget(tupleHash(d.dst, d.src, d.dstPort, d.srcPort), d.dst[3], d.src[3], d.dstPort * 65536 + d.srcPort);
    }
  }

  /** Forget the direction with hash `h`, if it is the one from s3 to d3 on `ports`. */
  private forget(h: number, s3: number, d3: number, ports: number): void {
    const e = this.directions.find(h);
    if (e < 0) return;
    const r = e * ROW;
    if (this.rows[r + R_S3] === s3 && this.rows[r + R_D3] === d3 && this.rows[r + R_PORTS] === ports) this.directions.delete(e);
  }

  /** A segment with ACK and without SYN, in its direction. */
  private judge(d: DecodedPacket, h: number): void {
    const f = d.tcpFlags;
    const ttl = d.ttl;
    // the time is read from the packet where it is used, never held in a local that a call takes:
    // V8 then boxes it into a heap number up front, on every packet
    if (d.tsMicros >= this.nextExpiry) this.expire(d.tsMicros);
    const ports = d.srcPort * 65536 + d.dstPort;
    const dirs = this.directions;
    let e = dirs.find(h);
    let r = e * ROW;
    const rows = this.rows;
    if (e < 0 || rows[r + R_S3] !== d.src[3] || rows[r + R_D3] !== d.dst[3] || rows[r + R_PORTS] !== ports) {
      // (as the Map did: a collision replaces the direction, which goes to the end of the order)
      if (e >= 0) dirs.delete(e);
      else if (dirs.size >= this.limits.maxGroupsPerRule) {
        dirs.delete(dirs.first());
        this.evictions++;
      }
      e = dirs.add(h);
      if (dirs.capacity > this.ttls.length) this.grow(dirs.capacity);
      r = e * ROW;
      this.rows[r + R_S3] = d.src[3];
      this.rows[r + R_D3] = d.dst[3];
      this.rows[r + R_PORTS] = ports;
      this.rows[r + R_LAST] = d.tsMicros;
      this.ttls[e] = ttl | (ttl << 8);
      return;
    }
    rows[r + R_LAST] = d.tsMicros;
    const state = this.ttls[e];
    if (ttl === ((state >>> 8) & 255)) return;
    this.ttls[e] = (state & ~0xff00) | (ttl << 8);
    const first = state & 255;
    const classChange = initialTtl(ttl) !== initialTtl(first);
    const change = Math.abs(initialTtl(ttl) - ttl - (initialTtl(first) - first));
    if (!classChange && change <= this.cfg.maxHopChange) return;
    this.record(d, e, first, change, classChange, (f & TCP_RST) !== 0);
  }

  private grow(cap: number): void {
    const rows = new Float64Array(cap * ROW);
    rows.set(this.rows);
    this.rows = rows;
    const ttls = new Uint32Array(cap);
    ttls.set(this.ttls);
    this.ttls = ttls;
  }

  private expire(now: number): void {
    this.nextExpiry = now + IDLE_MICROS / 4;
    const dirs = this.directions;
    for (let e = dirs.first(); e >= 0; ) {
      const next = dirs.after(e);
      if (now - this.rows[e * ROW + R_LAST] > IDLE_MICROS) dirs.delete(e);
      e = next;
    }
  }

  private record(d: DecodedPacket, e: number, first: number, change: number, classChange: boolean, reset: boolean): void {
    const family = d.l3 === L3_IPV4 ? 4 : 6;
    const ip = addressWordsText(d.src, family);
    let s = this.sources.get(ip);
    if (!s) {
      if (this.sources.size >= this.limits.maxGroupsPerRule) {
        this.evictions++;
        return;
      }
      const { maxTrackedDistinct: cap, sampleSize: n } = this.limits;
      const peer = addressWordsText(d.dst, family);
      s = {
        ip, first: d.tsMicros, last: d.tsMicros, connections: 0, segments: 0, resets: 0, maxChange: 0, classChange: false,
        ttls: new CappedSet(256, 256), peers: new CappedSet(cap, n), ports: new CappedSet(cap, n),
        example: `${ip}:${d.srcPort} → ${peer}:${d.dstPort}: TTL ${first} then ${d.ttl}${reset ? ' (a RST)' : ''}`,
      };
      this.sources.set(ip, s);
    }
    s.segments++;
    if ((this.ttls[e] & FLAGGED) === 0) {
      this.ttls[e] |= FLAGGED;
      s.connections++;
    }
    if (reset) s.resets++;
    s.last = d.tsMicros;
    if (change > s.maxChange) s.maxChange = change;
    if (classChange) s.classChange = true;
    s.ttls.add(first);
    s.ttls.add(d.ttl);
    s.peers.add(addressWordsText(d.dst, family));
    s.ports.add(d.dstPort);
  }

  findings(): Finding[] {
    const out: Finding[] = [];
    for (const s of this.sources.values()) {
      const ttls = [...s.ttls.sample].sort((a, b) => a - b);
      out.push({
        ruleId: 'packet.ttl-jump',
        title: 'TTL jump inside a TCP connection (injected packets)',
        category: 'spoofing',
        severity: this.cfg.severity,
        srcIp: s.ip,
        targets: findingTargets(s.peers, s.ports),
        firstSeen: isoMicros(s.first),
        lastSeen: isoMicros(s.last),
        count: s.segments,
        counted: ['segment', 'segments'],
        evidence: { connections: s.connections, segments: s.segments, resets: s.resets, maxHopChange: s.maxChange, initialTtlClassChanged: s.classChange, ttlsSeen: ttls, threshold: this.cfg.maxHopChange, example: s.example },
        rows: [],
        reason:
          `${s.ip} sent segments inside ${thousands(s.connections)} established TCP ${plural(s.connections, 'connection')} with TTLs ${ttls.join(', ')} ` +
          `(${s.classChange ? 'a different initial TTL class' : `${s.maxChange} hops apart, more than ${this.cfg.maxHopChange}`}; e.g. ${s.example}): another machine injecting packets under its address.`,
      });
    }
    return out;
  }
}
