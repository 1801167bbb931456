/**
 * Wraps frames into the tunnels the decoder opens (packets/tunnels.ts), as their RFCs and the Linux
 * kernel lay them out: an outer Ethernet + IPv4 (or IPv6) frame between two tunnel endpoints
 * carrying VXLAN (also VXLAN-GPE on 4790), Geneve, GTP-U, GRE (IP, Ethernet, MPLS, ERSPAN types I,
 * II, III), IP in IP, L2TP or PPTP; and Teredo (IPv6 only, so not among the tunnels every test runs
 * through: `teredoFrame`).
 * Never used by the product.
 */
import { ipFrame, udpDatagram } from './frame-builder.js';

export type TunnelName = 'vxlan' | 'vxlan-8472' | 'vxlan-gpe' | 'geneve' | 'geneve-ip' | 'gtp' | 'gre' | 'gre-key-seq' | 'gretap' | 'gre-mpls' | 'erspan1' | 'erspan2' | 'erspan3' | 'ipip' | 'l2tp' | 'pptp';

/** the tunnels every test runs through */
export const TUNNEL_NAMES: readonly TunnelName[] = ['vxlan', 'vxlan-8472', 'vxlan-gpe', 'geneve', 'geneve-ip', 'gtp', 'gre', 'gre-key-seq', 'gretap', 'gre-mpls', 'erspan1', 'erspan2', 'erspan3', 'ipip', 'l2tp', 'pptp'];

/** which of them carry an Ethernet frame (the others the IP packet alone) */
export const CARRIES_ETHERNET: ReadonlySet<TunnelName> = new Set(['vxlan', 'vxlan-8472', 'geneve', 'gretap', 'erspan1', 'erspan2', 'erspan3']);

/** the accounting key (capture-accounting's `tunnels`) each counts under */
export const TUNNEL_KEY: Readonly<Record<TunnelName, string>> = {
  vxlan: 'vxlan',
  'vxlan-8472': 'vxlan',
  'vxlan-gpe': 'vxlan',
  geneve: 'geneve',
  'geneve-ip': 'geneve',
  gtp: 'gtpU',
  gre: 'gre',
  'gre-key-seq': 'gre',
  gretap: 'gre',
  'gre-mpls': 'gre',
  erspan1: 'erspan',
  erspan2: 'erspan',
  erspan3: 'erspan',
  ipip: 'ipInIp',
  l2tp: 'l2tp',
  pptp: 'pptp',
};

export interface Underlay {
  /** the tunnel's endpoints (default 192.0.2.1 → 192.0.2.2; IPv6 when they are IPv6) */
  src?: string;
  dst?: string;
  srcMac?: string;
  dstMac?: string;
}

const u16 = (v: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v);
  return b;
};
const u32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
};

/** the EtherType of an Ethernet frame's payload (after its tags) and the payload */
function ethPayload(frame: Uint8Array): { type: number; ip: Buffer } {
  const f = Buffer.from(frame);
  let o = 12;
  let type = f.readUInt16BE(o);
  while (type === 0x8100 || type === 0x88a8) {
    o += 4;
    type = f.readUInt16BE(o);
  }
  return { type, ip: f.subarray(o + 2) };
}

/** `frame` (an Ethernet frame) inside the tunnel `name` between the underlay's endpoints, as one outer Ethernet frame. */
export function tunnelled(name: TunnelName, frame: Uint8Array, u: Underlay = {}, n = 0): Uint8Array {
  const src = u.src ?? '192.0.2.1';
  const dst = u.dst ?? '192.0.2.2';
  const outer = (proto: number, payload: Uint8Array): Uint8Array => ipFrame({ src, dst, proto, payload, srcMac: u.srcMac ?? '02:00:00:00:0e:01', dstMac: u.dstMac ?? '02:00:00:00:0e:02' });
  const eth = Buffer.from(frame);
  const { type, ip } = ethPayload(frame);
  // a tunnel's UDP source port varies with the inner flow (a hash of it, RFC 7348): any will do
  const sport = 49152 + (n % 4096);
  switch (name) {
    case 'vxlan':
      return outer(17, udpDatagram(sport, 4789, Buffer.concat([Buffer.from([0x08, 0, 0, 0]), u32(42 << 8), eth])));
    case 'vxlan-8472':
      // a Kubernetes overlay's (flannel, Cilium: Linux's port)
      return outer(17, udpDatagram(sport, 8472, Buffer.concat([Buffer.from([0x08, 0, 0, 0]), u32(1 << 8), eth])));
    case 'vxlan-gpe':
      // VXLAN-GPE on its own port: flags I and P, the next protocol (1 IPv4, 2 IPv6) in the fourth byte, the IP packet alone
      return outer(17, udpDatagram(sport, 4790, Buffer.concat([Buffer.from([0x0c, 0, 0, type === 0x86dd ? 2 : 1]), u32(9 << 8), ip])));
    case 'geneve':
      // one 8-byte option (class 0x0103, type 0x80, 4 bytes of data): opt len 2 words
      return outer(17, udpDatagram(sport, 6081, Buffer.concat([Buffer.from([0x02, 0x00]), u16(0x6558), u32(7 << 8), u16(0x0103), Buffer.from([0x80, 0x01]), u32(0xdeadbeef), eth])));
    case 'geneve-ip':
      return outer(17, udpDatagram(sport, 6081, Buffer.concat([Buffer.from([0x00, 0x00]), u16(type), u32(7 << 8), ip])));
    case 'gtp': {
      // flags: version 1, PT, S (sequence number present) and E (an extension header: PDU session container, 4 bytes)
      const ext = Buffer.from([0x01, 0x00, 0x09, 0x00]);
      const body = Buffer.concat([u16(n & 0xffff), Buffer.from([0, 0x85]), ext, ip]);
      return outer(17, udpDatagram(2152, 2152, Buffer.concat([Buffer.from([0x36, 0xff]), u16(body.length), u32(0x1000 + 1), body])));
    }
    case 'gre':
      return outer(47, Buffer.concat([Buffer.from([0, 0]), u16(type), ip]));
    case 'gre-key-seq':
      // checksum, key and sequence number present (RFC 2784, 2890)
      return outer(47, Buffer.concat([Buffer.from([0xb0, 0]), u16(type), u32(0), u32(77), u32(n), ip]));
    case 'gretap':
      return outer(47, Buffer.concat([Buffer.from([0x20, 0]), u16(0x6558), u32(5), eth]));
    case 'gre-mpls':
      // two labels (the bottom one with S set), then the IP packet
      return outer(47, Buffer.concat([Buffer.from([0, 0]), u16(0x8847), u32((1000 << 12) | 64), u32((2000 << 12) | 0x100 | 64), ip]));
    case 'erspan1':
      return outer(47, Buffer.concat([Buffer.from([0, 0]), u16(0x88be), eth]));
    case 'erspan2':
      // GRE with a sequence number; ERSPAN II: version 1, VLAN 0, session 123, index 0
      return outer(47, Buffer.concat([Buffer.from([0x10, 0]), u16(0x88be), u32(n), u16(0x1000), u16(123), u32(0), eth]));
    case 'erspan3':
      // ERSPAN III: version 2, session 123, timestamp, SGT, flags with O set: 8 more bytes of platform data
      return outer(47, Buffer.concat([Buffer.from([0x10, 0]), u16(0x22eb), u32(n), u16(0x2000), u16(123), u32(n * 1000), u16(0), u16(0x0001), Buffer.alloc(8, 0x5a), eth]));
    case 'ipip':
      return outer(type === 0x86dd ? 41 : 4, ip);
    case 'l2tp':
      // L2TPv2 data message with the length and sequence numbers present (L, S), tunnel 3, session 4;
      // PPP with address and control, its protocol uncompressed: IPv4 0x0021, IPv6 0x0057
      return outer(17, udpDatagram(1701, 1701, Buffer.concat([Buffer.from([0x48, 0x02]), u16(12 + 4 + ip.length), u16(3), u16(4), u16(n & 0xffff), u16(0), Buffer.from([0xff, 0x03]), u16(type === 0x86dd ? 0x57 : 0x21), ip])));
    case 'pptp': {
      // PPTP's enhanced GRE (RFC 2637): key and sequence present (0x30), version 1, every other
      // packet with an acknowledgement (0x81); payload length, call id 7; PPP with address and
      // control on even packets, its protocol compressed to one byte on odd ones
      const ppp = n % 2 ? Buffer.from([type === 0x86dd ? 0x57 : 0x21]) : Buffer.concat([Buffer.from([0xff, 0x03]), u16(type === 0x86dd ? 0x57 : 0x21)]);
      const payload = Buffer.concat([ppp, ip]);
      return outer(47, Buffer.concat([Buffer.from([0x30, n % 2 ? 0x81 : 0x01]), u16(0x880b), u16(payload.length), u16(7), u32(n), ...(n % 2 ? [u32(n - 1)] : []), payload]));
    }
  }
}

/**
 * An IPv6 frame (`frame`, Ethernet) as Teredo carries it (RFC 4380): in UDP between a client behind
 * a NAT (port 51000 of 192.0.2.10) and a relay's port 3544 (198.51.100.7), the direction by `toRelay`;
 * `indication`: after an origin indication (what a server adds towards a client), an
 * authentication indication (client id "c1", a 2-byte value, nonce, confirmation), or neither.
 */
export function teredoFrame(frame: Uint8Array, toRelay: boolean, indication: 'origin' | 'auth' | 'none' = 'none'): Uint8Array {
  const { type, ip } = ethPayload(frame);
  if (type !== 0x86dd) throw new Error('Teredo carries IPv6 only');
  const head =
    indication === 'origin'
      ? Buffer.from([0, 0, 0x38, 0x67, 0x3f, 0xff, 0xff, 0xf5])
      : indication === 'auth'
        ? Buffer.concat([Buffer.from([0, 1, 2, 2]), Buffer.from('c1'), Buffer.from([0xab, 0xcd]), Buffer.alloc(8, 0x11), Buffer.from([0])])
        : Buffer.alloc(0);
  const [client, relay] = ['192.0.2.10', '198.51.100.7'];
  const [sport, dport] = toRelay ? [51000, 3544] : [3544, 51000];
  return ipFrame({ src: toRelay ? client : relay, dst: toRelay ? relay : client, proto: 17, payload: udpDatagram(sport, dport, Buffer.concat([head, ip])), srcMac: '02:00:00:00:0e:01', dstMac: '02:00:00:00:0e:02' });
}
