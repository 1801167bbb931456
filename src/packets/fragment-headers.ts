/**
 * TCP headers split across fragments, put back together as far as flows and detectors need: the
 * ports are in a tiny first fragment (decoder.ts tinyFirstFragment), the data offset, flags and
 * window come in a later one (nmap -f: 8-byte fragments, the flags in the second; `-f -f` or
 * `--mtu 16`: in the first). The later fragment that holds the flags is handed on as the segment
 * (`FRAGMENT_HEADER_REST`, with the first fragment's ports and its own flags), so the SYN watch sees
 * a fragmented SYN scan's probes and the flow meter counts their SYNs; the header bytes a later
 * fragment holds count as header, not payload, so a fragmented SYN stays an attempt without data
 * (the rules' "failed" attempts, which the TTL rule leaves out, and whose share the scan findings state).
 *
 * Why not reassemble datagrams: flows count fragments as the packets they are (CICFlowMeter and
 * Zeek's conn.log see them so too), and only the transport header's flags, window and length are
 * read from any packet; keeping a train's ports and header length is all that takes, in a small
 * table of fixed size (a train's entry is overwritten by a later train that hashes to it: a flood
 * of fragments cannot grow it). Fragments that arrive before their first are left as they are.
 *
 * Not here: the finding that tiny fragments are an evasion (fragment-watch.ts).
 */
import { FRAGMENT_FIRST, FRAGMENT_HEADER_REST, FRAGMENT_LATER, PROTO_TCP, type DecodedPacket } from './decoded-packet.js';

const SLOTS = 256;
/** per slot: source and destination words (8), fragment id, protocol | 0x100 (in use), ports, header length */
const W = 12;

export class FragmentHeaders {
  private readonly trains = new Float64Array(SLOTS * W);

  /** Complete `d` (a decoded IP packet) from its train, when it is a fragment of a split TCP header. */
  observe(d: DecodedPacket): void {
    if (d.fragment === FRAGMENT_FIRST) {
      if (d.tinyFragment && d.proto === PROTO_TCP) this.start(d);
      return;
    }
    // later fragments past the longest TCP header hold none of it (every ordinary fragment)
    if (d.fragment !== FRAGMENT_LATER || d.fragOffset >= 60 || d.proto !== PROTO_TCP) return;
    const o = this.slotOf(d);
    if (!this.same(o, d)) return;
    const tr = this.trains;
    const at = d.fragOffset;
    const have = d.payloadCaptured;
    const b = d.bytes;
    const p = d.payloadOffset;
    if (tr[o + 11] === 0 && at <= 12 && at + have > 12) tr[o + 11] = (b[p + 12 - at] >> 4) << 2;
    if (at <= 13 && at + have > 13) {
      d.fragment = FRAGMENT_HEADER_REST;
      d.srcPort = tr[o + 10] >>> 16;
      d.dstPort = tr[o + 10] & 0xffff;
      d.tcpFlags = b[p + 13 - at];
      d.tcpWindow = at + have > 15 ? (b[p + 14 - at] << 8) | b[p + 15 - at] : -1;
    }
    // the header's bytes in this fragment (up to the data offset once known, else the minimum header's 20)
    const hdr = tr[o + 11] > 0 ? tr[o + 11] : 20;
    if (at < hdr) {
      const inHeader = Math.min(hdr - at, d.payloadLen);
      d.l4HeaderLen = inHeader;
      d.payloadLen -= inHeader;
    }
  }

  private start(d: DecodedPacket): void {
    const o = this.slotOf(d);
    const tr = this.trains;
    for (let w = 0; w < 4; w++) {
      tr[o + w] = d.src[w];
      tr[o + 4 + w] = d.dst[w];
    }
    tr[o + 8] = d.fragId;
    tr[o + 9] = d.proto | 0x100;
    tr[o + 10] = d.srcPort * 65536 + d.dstPort;
    // the data offset, when the first fragment held byte 12 (else the later fragment that does tells);
    // a tiny first fragment's payloadOffset and payloadCaptured are its header bytes (decoder.ts)
    tr[o + 11] = d.payloadCaptured > 12 ? (d.bytes[d.payloadOffset + 12] >> 4) << 2 : 0;
  }

  private same(o: number, d: DecodedPacket): boolean {
    const tr = this.trains;
    if (tr[o + 9] !== (d.proto | 0x100) || tr[o + 8] !== d.fragId) return false;
    for (let w = 0; w < 4; w++) if (tr[o + w] !== d.src[w] || tr[o + 4 + w] !== d.dst[w]) return false;
    return true;
  }

  private slotOf(d: DecodedPacket): number {
    let h = Math.imul(d.src[3] ^ d.fragId, 0x9e3779b1) ^ Math.imul(d.dst[3] ^ d.src[0], 0x85ebca6b);
    h ^= h >>> 16;
    return (h & (SLOTS - 1)) * W;
  }
}
