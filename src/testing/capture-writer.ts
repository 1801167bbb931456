/**
 * Writes captures for tests and benchmarks: classic pcap (micro/nanosecond, either byte order) and
 * pcapng (several sections in either byte order, several interfaces each with its own link type and
 * timestamp resolution, enhanced or simple packet blocks), and re-encapsulates Ethernet frames into
 * the other link types the decoder reads (802.1Q/QinQ, IP in MPLS or PPPoE, Linux cooked v1/v2,
 * raw IP, BSD/OpenBSD loopback), so one real capture becomes the same traffic in every format. Never used by the product.
 */
import { ByteSource } from '../sources/byte-source.js';
import { readCapture } from '../packets/read-capture.js';
import { streamCaptureFlows, type CaptureFlowOptions } from '../packets/capture-flows.js';
import type { FlowTable } from '../flows/table.js';

/** The flow tables of capture files (warnings silenced). */
export async function captureTable(files: string[], opts: CaptureFlowOptions = {}): Promise<FlowTable[]> {
  const out: FlowTable[] = [];
  for await (const t of streamCaptureFlows(files.map((f) => ({ display: f, path: f })), { warn: () => {}, ...opts })) out.push(t);
  return out;
}

export interface RawPacket {
  /** epoch microseconds (integer) */
  tsMicros: number;
  data: Uint8Array;
  wireLen?: number;
  linkType?: number;
}

/** Every packet of a capture file, copied. */
export async function readPackets(path: string): Promise<RawPacket[]> {
  const out: RawPacket[] = [];
  await readCapture(new ByteSource({ display: path, path }).chunks(), path, (p) => {
    out.push({ tsMicros: p.tsMicros, data: p.data.slice(p.offset, p.offset + p.capLen), wireLen: p.wireLen, linkType: p.linkType });
  });
  return out;
}

function u32(v: number, be: boolean): Buffer {
  const b = Buffer.alloc(4);
  if (be) b.writeUInt32BE(v >>> 0);
  else b.writeUInt32LE(v >>> 0);
  return b;
}
function u16(v: number, be: boolean): Buffer {
  const b = Buffer.alloc(2);
  if (be) b.writeUInt16BE(v);
  else b.writeUInt16LE(v);
  return b;
}

export function writePcap(packets: readonly RawPacket[], opts: { linkType: number; nanoseconds?: boolean; bigEndian?: boolean; snapLen?: number }): Buffer {
  const be = opts.bigEndian ?? false;
  const parts: Buffer[] = [u32(opts.nanoseconds ? 0xa1b23c4d : 0xa1b2c3d4, be), u16(2, be), u16(4, be), u32(0, be), u32(0, be), u32(opts.snapLen ?? 262144, be), u32(opts.linkType, be)];
  for (const p of packets) {
    const sec = Math.floor(p.tsMicros / 1e6);
    const frac = opts.nanoseconds ? Math.round((p.tsMicros - sec * 1e6) * 1000) : Math.round(p.tsMicros - sec * 1e6);
    parts.push(u32(sec, be), u32(frac, be), u32(p.data.length, be), u32(p.wireLen ?? p.data.length, be), Buffer.from(p.data));
  }
  return Buffer.concat(parts);
}

export interface PcapngSection {
  bigEndian?: boolean;
  /** link type and if_tsresol byte (6 = µs, 9 = ns, 0x80|k = 2^-k) per interface */
  interfaces: { linkType: number; tsresol?: number }[];
  packets: { iface: number; p: RawPacket; simple?: boolean }[];
}

function block(type: number, body: Buffer, be: boolean): Buffer {
  const pad = (4 - (body.length % 4)) % 4;
  const len = 12 + body.length + pad;
  return Buffer.concat([u32(type, be), u32(len, be), body, Buffer.alloc(pad), u32(len, be)]);
}

export function writePcapng(sections: readonly PcapngSection[]): Buffer {
  const parts: Buffer[] = [];
  for (const s of sections) {
    const be = s.bigEndian ?? false;
    parts.push(block(0x0a0d0d0a, Buffer.concat([u32(0x1a2b3c4d, be), u16(1, be), u16(0, be), Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])]), be));
    for (const i of s.interfaces) {
      const opts = i.tsresol !== undefined ? Buffer.concat([u16(9, be), u16(1, be), Buffer.from([i.tsresol, 0, 0, 0]), u16(0, be), u16(0, be)]) : Buffer.alloc(0);
      parts.push(block(1, Buffer.concat([u16(i.linkType, be), u16(0, be), u32(0, be), opts]), be));
    }
    for (const { iface, p, simple } of s.packets) {
      if (simple) {
        parts.push(block(3, Buffer.concat([u32(p.wireLen ?? p.data.length, be), Buffer.from(p.data)]), be));
        continue;
      }
      const r = s.interfaces[iface].tsresol ?? 6;
      const unitsPerSec = r & 0x80 ? 2 ** (r & 0x7f) : 10 ** r;
      const ts = BigInt(Math.round(p.tsMicros)) * BigInt(Math.round(unitsPerSec)) / 1000000n;
      parts.push(block(6, Buffer.concat([u32(iface, be), u32(Number(ts >> 32n), be), u32(Number(ts & 0xffffffffn), be), u32(p.data.length, be), u32(p.wireLen ?? p.data.length, be), Buffer.from(p.data)]), be));
    }
  }
  return Buffer.concat(parts);
}

/** An Ethernet frame (no VLAN tag) as the same packet on another link type; undefined when it cannot be (ARP on raw IP). */
export type Encapsulation = 'qinq' | 'vlan' | 'mpls' | 'pppoe' | 'plain' | 'compressed' | 'cisco' | 'tods' | 'fromds' | 'wds' | 'swapped' | 'pbb' | 'eompls' | 'eompls-cw' | 'fcs' | 'ip' | 'ext' | 'avs' | 'openbsd';

/**
 * An 802.11 data frame (IEEE 802.11-2020 9.3.2.1) carrying `etherType` and `body` after an
 * LLC/SNAP header, between the stations `src` and `dst` (6-byte MACs) through the access point
 * `bssid`: `tods` a station's frame to the AP (QoS data), `fromds` the AP's to a station (plain
 * data), `wds` between two APs (4 addresses, QoS data with the Order bit and its HT control).
 * `flags` adds frame-control flag bits (0x40 Protected); `amsdu` sets QoS's A-MSDU Present bit.
 */
export function wlanDataFrame(o: { dir: 'tods' | 'fromds' | 'wds'; src: Uint8Array; dst: Uint8Array; bssid?: Uint8Array; etherType: number; body: Uint8Array; flags?: number; amsdu?: boolean; seq?: number; subframes?: readonly AmsduSubframe[] }): Buffer {
  const bssid = Buffer.from(o.bssid ?? [0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0x01]);
  const qos = o.dir !== 'fromds';
  const ds = o.dir === 'tods' ? 1 : o.dir === 'fromds' ? 2 : 3;
  const order = o.dir === 'wds' ? 0x80 : 0;
  const fc = Buffer.from([qos ? 0x88 : 0x08, ds | order | (o.flags ?? 0)]);
  const [a1, a2, a3] = o.dir === 'tods' ? [bssid, o.src, o.dst] : o.dir === 'fromds' ? [o.dst, bssid, o.src] : [Buffer.from([2, 0, 0, 0, 0, 0x0b]), bssid, o.dst];
  // sequence control: the sequence number in its upper 12 bits (fragment 0); each frame its own unless given
  const seq = (o.seq ?? nextSeq++) & 0xfff;
  const parts: Buffer[] = [fc, Buffer.from([0x2c, 0x00]), Buffer.from(a1), Buffer.from(a2), Buffer.from(a3), Buffer.from([(seq << 4) & 0xff, seq >> 4])];
  if (o.dir === 'wds') parts.push(Buffer.from(o.src));
  if (qos) parts.push(Buffer.from([o.amsdu || o.subframes ? 0x80 : 0x00, 0x00]));
  if (order) parts.push(Buffer.from([0, 0, 0, 0]));
  if (o.subframes) parts.push(amsduBody(o.subframes));
  else parts.push(Buffer.from([0xaa, 0xaa, 0x03, 0, 0, 0, o.etherType >> 8, o.etherType & 255]), Buffer.from(o.body));
  return Buffer.concat(parts);
}

/** One packet of an A-MSDU: its destination and source MAC, EtherType and bytes. */
export interface AmsduSubframe {
  readonly dst: Uint8Array;
  readonly src: Uint8Array;
  readonly etherType: number;
  readonly body: Uint8Array;
}

/** An A-MSDU's body (IEEE 802.11-2020 9.3.2.2): each subframe's MACs, length, LLC/SNAP and packet, padded to 4 bytes but the last. */
function amsduBody(subframes: readonly AmsduSubframe[]): Buffer {
  const out: Buffer[] = [];
  subframes.forEach((f, i) => {
    const msdu = Buffer.concat([Buffer.from([0xaa, 0xaa, 0x03, 0, 0, 0, f.etherType >> 8, f.etherType & 255]), Buffer.from(f.body)]);
    const len = Buffer.alloc(2);
    len.writeUInt16BE(msdu.length);
    const sub = Buffer.concat([Buffer.from(f.dst), Buffer.from(f.src), len, msdu]);
    out.push(sub);
    if (i < subframes.length - 1) out.push(Buffer.alloc((4 - (sub.length % 4)) % 4));
  });
  return Buffer.concat(out);
}

/** An 802.11 management frame (8 beacon, 10 disassociation, 12 deauthentication ...) with its body. */
export function wlanManagement(subtype: number, o: { receiver: Uint8Array; transmitter: Uint8Array; bssid: Uint8Array; body: Uint8Array }): Buffer {
  return Buffer.concat([Buffer.from([subtype << 4, 0x00, 0x3a, 0x01]), Buffer.from(o.receiver), Buffer.from(o.transmitter), Buffer.from(o.bssid), Buffer.from([0x00, 0x00]), Buffer.from(o.body)]);
}

/** An RSN element (WPA2: version 1, CCMP group and pairwise cipher, PSK key management), for a beacon's `security`. */
export const RSN_ELEMENT = Buffer.from([48, 20, 1, 0, 0x00, 0x0f, 0xac, 4, 1, 0, 0x00, 0x0f, 0xac, 4, 1, 0, 0x00, 0x0f, 0xac, 2, 0, 0]);

/**
 * A radiotap-framed beacon (or probe response, subtype 5) of `ssid` from access point `ap`: fixed
 * fields, the SSID element, rates, and the `security` elements; `privacy` the capability bit.
 */
export function wlanBeacon(ap: Uint8Array, ssid: string | Uint8Array, security: readonly Uint8Array[], privacy: boolean, subtype = 8): Buffer {
  const name = typeof ssid === 'string' ? Buffer.from(ssid) : Buffer.from(ssid);
  const fixed = Buffer.concat([Buffer.alloc(8), Buffer.from([0x64, 0x00, privacy ? 0x11 : 0x01, 0x04])]);
  const body = Buffer.concat([fixed, Buffer.from([0, name.length]), name, Buffer.from([1, 4, 0x82, 0x84, 0x8b, 0x96]), ...security.map((e) => Buffer.from(e))]);
  return radiotap(wlanManagement(subtype, { receiver: Buffer.alloc(6, 0xff), transmitter: ap, bssid: ap, body }));
}

let nextSeq = 1;

/**
 * A radiotap header (version 0) of TSFT, flags, rate and channel fields in front of an 802.11 frame;
 * `flags`: radiotap's Flags (0x10 the frame ends with its FCS, 0x40 that FCS was wrong).
 */
export function radiotap(frame: Uint8Array, flags = 0): Buffer {
  // present: TSFT (bit 0, 8 bytes at offset 8), Flags (1), Rate (2), Channel (3); rate 2 Mb/s, channel 2437 MHz 2.4 GHz CCK
  const h = Buffer.from([0, 0, 0, 0, 0x0f, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, flags, 0x04, 0x85, 0x09, 0xa0, 0x00]);
  h.writeUInt16LE(h.length, 2);
  return Buffer.concat([h, frame]);
}

export function reencapsulate(frame: Uint8Array, linkType: number, variant: Encapsulation = 'plain'): Uint8Array | undefined {
  const f = Buffer.from(frame);
  const type = f.readUInt16BE(12);
  const payload = f.subarray(14);
  const srcMac = f.subarray(6, 12);
  const ip = type === 0x0800 || type === 0x86dd;
  const v6 = type === 0x86dd;
  switch (linkType) {
    case 1: {
      if (variant === 'plain') return f;
      // IP under two MPLS labels (the second the bottom of the stack), or in a PPPoE session
      // (PPPoE header, then the PPP protocol: 0x0021 IPv4, 0x0057 IPv6); other frames as they were
      if (variant === 'mpls') return ip ? Buffer.concat([f.subarray(0, 12), Buffer.from([0x88, 0x47, 0x00, 0x3e, 0x80, 0x40, 0x00, 0x7d, 0x01, 0x40]), payload]) : f;
      // the whole frame in a provider's: 802.1ah (backbone MACs, B-TAG, I-TAG), or an MPLS
      // pseudowire (RFC 4448: a label, a control word or none, the frame)
      const backbone = Buffer.from([0x02, 0xbb, 0, 0, 0, 2, 0x02, 0xbb, 0, 0, 0, 1]);
      if (variant === 'pbb') return Buffer.concat([backbone, Buffer.from([0x88, 0xa8, 0x00, 0x64, 0x88, 0xe7, 0x00, 0x01, 0x23, 0x45]), f]);
      if (variant === 'eompls-cw') return Buffer.concat([backbone, Buffer.from([0x88, 0x47, 0x00, 0x3e, 0x81, 0x40, 0, 0, 0, 7]), f]);
      if (variant === 'eompls') return Buffer.concat([backbone, Buffer.from([0x88, 0x47, 0x00, 0x3e, 0x81, 0x40]), f]);
      if (variant === 'pppoe') {
        if (!ip) return f;
        const h = Buffer.from([0x88, 0x64, 0x11, 0x00, 0x12, 0x34, 0, 0, 0x00, v6 ? 0x57 : 0x21]);
        h.writeUInt16BE(payload.length + 2, 6);
        return Buffer.concat([f.subarray(0, 12), h, payload]);
      }
      const tags = variant === 'qinq' ? Buffer.from([0x88, 0xa8, 0x00, 0x64, 0x81, 0x00, 0x00, 0x0a]) : Buffer.from([0x81, 0x00, 0x00, 0x0a]);
      return Buffer.concat([f.subarray(0, 12), tags, f.subarray(12)]);
    }
    case 113: {
      const h = Buffer.alloc(16);
      h.writeUInt16BE(0, 0);
      h.writeUInt16BE(1, 2);
      h.writeUInt16BE(6, 4);
      srcMac.copy(h, 6);
      h.writeUInt16BE(type, 14);
      return Buffer.concat([h, payload]);
    }
    case 276: {
      const h = Buffer.alloc(20);
      h.writeUInt16BE(type, 0);
      h.writeUInt32BE(1, 4);
      h.writeUInt16BE(1, 8);
      h[10] = 0;
      h[11] = 6;
      srcMac.copy(h, 12);
      return Buffer.concat([h, payload]);
    }
    case 9:
    case 50: {
      if (!ip) return undefined;
      // RFC 1662 framing and a 2-byte protocol; `compressed`: neither (RFC 1661 protocol field
      // compression, one byte); `cisco`: Cisco HDLC (address 0x0f, control 0, an EtherType)
      if (variant === 'cisco') return Buffer.concat([Buffer.from([0x0f, 0x00, type >> 8, type & 255]), payload]);
      if (variant === 'compressed') return Buffer.concat([Buffer.from([v6 ? 0x57 : 0x21]), payload]);
      return Buffer.concat([Buffer.from([0xff, 0x03, 0x00, v6 ? 0x57 : 0x21]), payload]);
    }
    case 104:
      return Buffer.concat([Buffer.from([0x0f, 0x00, type >> 8, type & 255]), payload]);
    case 105:
    case 127: {
      const dir = variant === 'fromds' || variant === 'wds' ? variant : 'tods';
      const w = wlanDataFrame({ dir, src: srcMac, dst: f.subarray(0, 6), etherType: type, body: payload });
      return linkType === 127 ? radiotap(w) : w;
    }
    case 239: {
      if (!ip) return undefined;
      // NFLOG as the kernel writes it (little-endian attributes on x86; `swapped`: a big-endian
      // host's): the packet header (hardware protocol, hook), the mark, the sender's MAC, the prefix
      // text, then the packet, each attribute padded to 4 bytes
      const be = variant === 'swapped';
      const tlv = (type: number, body: Buffer): Buffer => {
        const h = Buffer.alloc(4);
        if (be) {
          h.writeUInt16BE(4 + body.length, 0);
          h.writeUInt16BE(type, 2);
        } else {
          h.writeUInt16LE(4 + body.length, 0);
          h.writeUInt16LE(type, 2);
        }
        return Buffer.concat([h, body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
      };
      const hw = Buffer.alloc(12);
      hw.writeUInt16BE(6, 0);
      srcMac.copy(hw, 4);
      return Buffer.concat([Buffer.from([v6 ? 10 : 2, 0, 0, 5]), tlv(1, Buffer.from([type >> 8, type & 255, 1, 0])), tlv(2, Buffer.alloc(4)), tlv(8, hw), tlv(10, Buffer.from('dropped: \0')), tlv(9, payload)]);
    }
    case 117: {
      // pf's log header (pfloghdr): its length without padding (61: FreeBSD's; `openbsd`: 100, with
      // the addresses and ports OpenBSD adds), the family (2, or 24: AF_INET6 on OpenBSD), action
      // (1: block), reason, the interface and ruleset names, rule numbers, ids, direction; padded to 4
      if (!ip) return undefined;
      const len = variant === 'openbsd' ? 100 : 61;
      const h = Buffer.alloc((len + 3) & ~3);
      h[0] = len;
      h[1] = v6 ? 24 : 2;
      h[2] = 1;
      h.write('em0', 4, 'latin1');
      h.writeUInt32BE(7, 36);
      h.writeUInt32BE(0xffffffff, 40);
      h[60] = 1;
      return Buffer.concat([h, payload]);
    }
    case 109: {
      // OpenBSD's enc(4) header in the host's byte order (little-endian here): family, SPI, flags
      if (!ip) return undefined;
      const h = Buffer.alloc(12);
      h.writeUInt32LE(v6 ? 24 : 2, 0);
      h.writeUInt32BE(0x1234abcd, 4);
      h.writeUInt32LE(0x0400, 8);
      return Buffer.concat([h, payload]);
    }
    case 226: {
      // Solaris ipnet (dl_ipnetinfo): version 2, family (2, 26 IPv6 on Solaris), hook type, the packet's length, interface and zone ids
      if (!ip) return undefined;
      const h = Buffer.alloc(24);
      h[0] = 2;
      h[1] = v6 ? 26 : 2;
      h.writeUInt16BE(0, 2);
      h.writeUInt32BE(payload.length, 4);
      h.writeUInt32BE(2, 8);
      return Buffer.concat([h, payload]);
    }
    case 192: {
      // PPI (CACE's specification 1.0.10): version 0, flags, header length and the inner link type
      // (little-endian), then fields. 'plain': an Ethernet frame, no field; otherwise an 802.11
      // frame after an 802.11-common field (type 2: TSF, flags, rate, channel, signal), `fcs`
      // with the flag "FCS present" and the frame's 4-byte FCS after it
      if (variant === 'plain') return Buffer.concat([ppiHeader(1, Buffer.alloc(0)), f]);
      const w = wlanDataFrame({ dir: 'tods', src: srcMac, dst: f.subarray(0, 6), etherType: type, body: payload });
      const common = Buffer.alloc(24);
      common.writeUInt16LE(2, 0);
      common.writeUInt16LE(20, 2);
      common.writeUInt16LE(variant === 'fcs' ? 1 : 0, 12);
      common.writeUInt16LE(108, 14);
      common.writeUInt16LE(2437, 16);
      common.writeUInt16LE(0x00a0, 18);
      common.writeInt8(-42, 22);
      common.writeInt8(-95, 23);
      return Buffer.concat([ppiHeader(105, common), w, ...(variant === 'fcs' ? [crc32le(w)] : [])]);
    }
    case 119:
    case 163: {
      const w = wlanDataFrame({ dir: 'tods', src: srcMac, dst: f.subarray(0, 6), etherType: type, body: payload });
      if (linkType === 163 || variant === 'avs') {
        // AVS (big-endian): version 0x80211001, header length 64, MAC and host times, PHY type, channel, rate, antenna, priority, SSI type, signal, noise, preamble, encoding
        const h = Buffer.alloc(64);
        h.writeUInt32BE(0x80211001, 0);
        h.writeUInt32BE(64, 4);
        h.writeUInt32BE(4, 24);
        h.writeUInt32BE(6, 28);
        h.writeUInt32BE(110, 32);
        h.writeUInt32BE(3, 48);
        h.writeInt32BE(-40, 52);
        h.writeInt32BE(-95, 56);
        return Buffer.concat([h, w]);
      }
      // Prism (little-endian here, the capturing host's order): message code 0x44, length 144, the
      // device name, then ten items (DID, status, length, data): host time, MAC time, channel, ...
      const h = Buffer.alloc(144);
      h.writeUInt32LE(0x44, 0);
      h.writeUInt32LE(144, 4);
      h.write('wlan0', 8, 'latin1');
      for (let i = 0; i < 10; i++) {
        const at = 24 + 12 * i;
        h.writeUInt32LE(0x1044 + 0x1000 * i, at);
        h.writeUInt16LE(0, at + 4);
        h.writeUInt16LE(4, at + 6);
        h.writeUInt32LE(i === 2 ? 6 : i === 9 ? w.length : 0, at + 8);
      }
      return Buffer.concat([h, w]);
    }
    case 197: {
      // an ERF record (Endace): timestamp (little-endian 32.32 fixed point), type, flags (variable
      // length), record length, loss counter, wire length (big-endian); `ext`: with one extension
      // header; Ethernet records then an offset and a pad byte before the frame and its FCS; `ip`:
      // IPv4 and IPv6 records (types 22 and 23), the packet alone
      if (variant === 'ip' && !ip) return undefined;
      const ext = variant === 'ext' ? Buffer.from([0x05, 0, 0, 0, 0, 0, 0, 1]) : Buffer.alloc(0);
      const body = variant === 'ip' ? payload : Buffer.concat([Buffer.alloc(2), f, crc32le(f)]);
      const h = Buffer.alloc(16);
      h.writeUInt32LE(0x80000000, 0);
      h.writeUInt32LE(1_700_000_000, 4);
      h[8] = (variant === 'ip' ? (v6 ? 23 : 22) : 2) | (ext.length ? 0x80 : 0);
      h[9] = 0x04;
      h.writeUInt16BE(16 + ext.length + body.length, 10);
      h.writeUInt16BE(0, 12);
      h.writeUInt16BE(variant === 'ip' ? payload.length : f.length + 4, 14);
      return Buffer.concat([h, ext, body]);
    }
    case 240:
    case 241:
    {
      // netANALYZER: a 4-byte header (little-endian: no error flag, transparent mode for 241, header
      // version 1, port 0, the frame's length), then the frame and its FCS (241: after its preamble and start delimiter)
      const h = Buffer.alloc(4);
      h.writeUInt32LE((0x0400 | (linkType === 241 ? 0x200 : 0) | ((f.length + 4) << 16)) >>> 0, 0);
      return Buffer.concat([h, ...(linkType === 241 ? [Buffer.from([0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55, 0xd5])] : []), f, crc32le(f)]);
    }
    case 101:
      return ip ? payload : undefined;
    case 228:
      return ip && !v6 ? payload : undefined;
    case 229:
      return ip && v6 ? payload : undefined;
    case 0:
      return ip ? Buffer.concat([u32(v6 ? 30 : 2, false), payload]) : undefined;
    case 108:
      return ip ? Buffer.concat([u32(v6 ? 24 : 2, true), payload]) : undefined;
  }
  return undefined;
}

/** a PPI header (version 0, no alignment) for inner link type `dlt` and the fields that follow */
function ppiHeader(dlt: number, fields: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt16LE(8 + fields.length, 2);
  h.writeUInt32LE(dlt, 4);
  return Buffer.concat([h, fields]);
}

/** the frame check sequence of an Ethernet or 802.11 frame (CRC-32, sent least significant byte first) */
function crc32le(frame: Uint8Array): Buffer {
  let c = 0xffffffff;
  for (const x of frame) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  const out = Buffer.alloc(4);
  out.writeUInt32LE((c ^ 0xffffffff) >>> 0, 0);
  return out;
}
