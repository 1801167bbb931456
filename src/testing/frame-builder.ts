/**
 * Builds Ethernet frames for tests of the packet detectors: IPv4/IPv6 carrying TCP segments, UDP
 * datagrams (DHCP and DHCPv6 server answers) and ICMP/ICMPv6 messages (redirects, router
 * advertisements), with the fields the detectors read set as a real stack would. The IPv4 header
 * checksum is computed; transport checksums are left zero (our decoder does not check them, and
 * UDP over IPv4 allows "none"). Never used by the product.
 */
import { parseIp } from '../detect/ip-address.js';

export const TCP = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10 } as const;

const macBytes = (m: string): Buffer => Buffer.from(m.split(':').map((x) => parseInt(x, 16)));

function ipBytes(text: string): Buffer {
  const a = parseIp(text);
  if (!a) throw new Error(`not an address: ${text}`);
  const b = Buffer.alloc(a.v === 4 ? 4 : 16);
  if (a.v === 4) b.writeUInt32BE(a.w[3]);
  else for (let i = 0; i < 4; i++) b.writeUInt32BE(a.w[i], 4 * i);
  return b;
}

export interface IpFrame {
  srcMac?: string;
  dstMac?: string;
  src: string;
  dst: string;
  /** TTL or hop limit (default 64) */
  ttl?: number;
  /** 6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6 */
  proto: number;
  payload: Uint8Array;
}

export function ipFrame(f: IpFrame): Uint8Array {
  const v6 = f.src.includes(':');
  const eth = Buffer.concat([macBytes(f.dstMac ?? '02:00:00:00:00:02'), macBytes(f.srcMac ?? '02:00:00:00:00:01'), Buffer.from(v6 ? [0x86, 0xdd] : [0x08, 0x00])]);
  const payload = Buffer.from(f.payload);
  if (v6) {
    const h = Buffer.alloc(40);
    h.writeUInt32BE(0x60000000);
    h.writeUInt16BE(payload.length, 4);
    h[6] = f.proto;
    h[7] = f.ttl ?? 64;
    ipBytes(f.src).copy(h, 8);
    ipBytes(f.dst).copy(h, 24);
    return Buffer.concat([eth, h, payload]);
  }
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(20 + payload.length, 2);
  h[8] = f.ttl ?? 64;
  h[9] = f.proto;
  ipBytes(f.src).copy(h, 12);
  ipBytes(f.dst).copy(h, 16);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += h.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  h.writeUInt16BE(~sum & 0xffff, 10);
  return Buffer.concat([eth, h, payload]);
}

/**
 * The frames of `f` cut into fragments of `size` payload bytes each (a multiple of 8; the last holds
 * the rest), as a stack or nmap -f (size 8) sends them: see ipFragment.
 */
export function ipFragments(f: IpFrame, size: number, id: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < f.payload.length; at += size) out.push(ipFragment({ ...f, payload: f.payload.subarray(at, Math.min(f.payload.length, at + size)) }, at, at + size < f.payload.length, id));
  return out;
}

/**
 * One fragment: `f.payload` as the bytes at `offset` (a multiple of 8) of a datagram with
 * identification `id`, more to follow or not: IPv4 with MF and the offset in its header, IPv6 with a
 * fragment header (next header 44) before the bytes. Overlapping or oversized ones included.
 */
export function ipFragment(f: IpFrame, offset: number, more: boolean, id: number): Uint8Array {
  const piece = Buffer.from(f.payload);
  if (f.src.includes(':')) {
    const fh = Buffer.alloc(8);
    fh[0] = f.proto;
    fh.writeUInt16BE((offset & 0xfff8) | (more ? 1 : 0), 2);
    fh.writeUInt32BE(id >>> 0, 4);
    return ipFrame({ ...f, proto: 44, payload: Buffer.concat([fh, piece]) });
  }
  const frame = Buffer.from(ipFrame({ ...f, payload: piece }));
  const h = 14;
  frame.writeUInt16BE(id & 0xffff, h + 4);
  frame.writeUInt16BE((more ? 0x2000 : 0) | (offset >>> 3), h + 6);
  frame.writeUInt16BE(0, h + 10);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += frame.readUInt16BE(h + i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  frame.writeUInt16BE(~sum & 0xffff, h + 10);
  return frame;
}

/** `options`: TCP options after the 20-byte header (a multiple of 4 bytes; LINUX_SYN_OPTIONS is what a Linux SYN carries) */
export function tcpSegment(sport: number, dport: number, flags: number, seq = 1, ack = 0, data: Uint8Array = new Uint8Array(0), options: Uint8Array = new Uint8Array(0)): Uint8Array {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt32BE(seq >>> 0, 4);
  h.writeUInt32BE(ack >>> 0, 8);
  h[12] = (5 + (options.length >> 2)) << 4;
  h[13] = flags;
  h.writeUInt16BE(65535, 14);
  return Buffer.concat([h, Buffer.from(options), Buffer.from(data)]);
}

/** A Linux SYN's options (20 bytes): MSS 1460, SACK permitted, timestamps, NOP, window scale 7 */
export const LINUX_SYN_OPTIONS: Uint8Array = Uint8Array.from([2, 4, 5, 180, 4, 2, 8, 10, 0, 0, 1, 0, 0, 0, 0, 0, 1, 3, 3, 7]);
/** nmap -sS's probe options: MSS 1460 alone */
export const NMAP_SYN_OPTIONS: Uint8Array = Uint8Array.from([2, 4, 5, 180]);

export function udpDatagram(sport: number, dport: number, data: Uint8Array): Uint8Array {
  const h = Buffer.alloc(8);
  h.writeUInt16BE(sport, 0);
  h.writeUInt16BE(dport, 2);
  h.writeUInt16BE(8 + data.length, 4);
  return Buffer.concat([h, Buffer.from(data)]);
}

/** An ICMP(v6) message: type, code, checksum 0, then `rest` (the second header word and the body). */
export interface ArpFields {
  /** 1 request, 2 reply */
  op: number;
  senderMac: string;
  senderIp: string;
  /** default 00:00:00:00:00:00 (a request's unknown target) */
  targetMac?: string;
  targetIp: string;
  /** the Ethernet destination (default: broadcast for a request, the target MAC for a reply) */
  dstMac?: string;
}

/** An Ethernet ARP frame (RFC 826, IPv4 over Ethernet) from the sender's MAC. */
export function arpFrame(a: ArpFields): Uint8Array {
  const target = a.targetMac ?? '00:00:00:00:00:00';
  const dst = a.dstMac ?? (a.op === 1 ? 'ff:ff:ff:ff:ff:ff' : target);
  const body = Buffer.alloc(8);
  body.writeUInt16BE(1, 0);
  body.writeUInt16BE(0x0800, 2);
  body[4] = 6;
  body[5] = 4;
  body.writeUInt16BE(a.op, 6);
  return Buffer.concat([macBytes(dst), macBytes(a.senderMac), Buffer.from([0x08, 0x06]), body, macBytes(a.senderMac), ipBytes(a.senderIp), macBytes(target), ipBytes(a.targetIp)]);
}

export function icmpMessage(type: number, code: number, rest: Uint8Array): Uint8Array {
  return Buffer.concat([Buffer.from([type, code, 0, 0]), Buffer.from(rest)]);
}

/** IPv4 redirect (type 5 code 1, host): the gateway, then the quoted datagram's IP header and 8 bytes. */
export function icmpRedirectV4(gateway: string, victim: string, destination: string): Uint8Array {
  const quoted = Buffer.from(ipFrame({ src: victim, dst: destination, proto: 17, payload: udpDatagram(40000, 53, new Uint8Array(0)) }).subarray(14));
  return icmpMessage(5, 1, Buffer.concat([ipBytes(gateway), quoted]));
}

/** ICMPv6 redirect (type 137): 4 reserved bytes, the target (better first hop), the destination. */
export function icmpRedirectV6(target: string, destination: string): Uint8Array {
  return icmpMessage(137, 0, Buffer.concat([Buffer.alloc(4), ipBytes(target), ipBytes(destination)]));
}

export interface DhcpAnswer {
  /** 2 OFFER, 5 ACK, 6 NAK */
  type: number;
  serverId?: string;
  yourIp?: string;
  routers?: string[];
  dns?: string[];
  clientMac?: string;
}

/** A BOOTP reply with DHCP options 53, 54, 1, 3, 6 (RFC 2131/2132). */
export function dhcpAnswer(a: DhcpAnswer): Uint8Array {
  const fixed = Buffer.alloc(236);
  fixed[0] = 2;
  fixed[1] = 1;
  fixed[2] = 6;
  fixed.writeUInt32BE(0x1234abcd, 4);
  if (a.yourIp) ipBytes(a.yourIp).copy(fixed, 16);
  macBytes(a.clientMac ?? '02:00:00:00:00:99').copy(fixed, 28);
  const opts: Buffer[] = [Buffer.from([0x63, 0x82, 0x53, 0x63]), Buffer.from([53, 1, a.type])];
  if (a.serverId) opts.push(Buffer.from([54, 4]), ipBytes(a.serverId));
  opts.push(Buffer.from([1, 4, 255, 255, 255, 0]));
  if (a.routers?.length) opts.push(Buffer.from([3, 4 * a.routers.length]), ...a.routers.map(ipBytes));
  if (a.dns?.length) opts.push(Buffer.from([6, 4 * a.dns.length]), ...a.dns.map(ipBytes));
  opts.push(Buffer.from([255]));
  return udpDatagram(67, 68, Buffer.concat([fixed, ...opts]));
}

/** A BOOTP request (op 1) with DHCP option 53: 1 DISCOVER, 3 REQUEST; `clientIp` a renewal's ciaddr, `relay` a relay agent's giaddr. */
export function dhcpRequest(r: { type: number; clientMac: string; clientIp?: string; relay?: string }): Uint8Array {
  const fixed = Buffer.alloc(236);
  fixed[0] = 1;
  fixed[1] = 1;
  fixed[2] = 6;
  fixed.writeUInt32BE(0x5eed0000, 4);
  if (r.clientIp) ipBytes(r.clientIp).copy(fixed, 12);
  if (r.relay) ipBytes(r.relay).copy(fixed, 24);
  macBytes(r.clientMac).copy(fixed, 28);
  return udpDatagram(r.relay ? 67 : 68, 67, Buffer.concat([fixed, Buffer.from([0x63, 0x82, 0x53, 0x63, 53, 1, r.type, 255])]));
}

/** A DHCPv6 message from a server (2 ADVERTISE, 7 REPLY) with server identifier and DNS options. */
export function dhcpv6Answer(type: number, duid: Uint8Array, dns: string[] = []): Uint8Array {
  const opt = (code: number, body: Buffer): Buffer => {
    const h = Buffer.alloc(4);
    h.writeUInt16BE(code, 0);
    h.writeUInt16BE(body.length, 2);
    return Buffer.concat([h, body]);
  };
  const parts = [Buffer.from([type, 0x12, 0x34, 0x56]), opt(2, Buffer.from(duid))];
  if (dns.length) parts.push(opt(23, Buffer.concat(dns.map(ipBytes))));
  return udpDatagram(547, 546, Buffer.concat(parts));
}

/** ICMPv6 neighbor advertisement (type 136) for `target`, solicited+override, with a target link-layer option. */
export function neighborAdvertisementV6(target: string, mac: string): Uint8Array {
  return icmpMessage(136, 0, Buffer.concat([Buffer.from([0x60, 0, 0, 0]), ipBytes(target), Buffer.from([2, 1]), macBytes(mac)]));
}

/**
 * ICMPv6 router advertisement (type 134, RFC 4861 4.2): hop limit 64, no flags, the router
 * lifetime in seconds, then a source link-layer option (when `mac`) and one prefix information
 * option per prefix ("2001:db8:1::/64"; on-link and autonomous, valid/preferred lifetimes `valid`).
 */
export function routerAdvertisementV6(lifetime: number, prefixes: string[], mac?: string, valid = 2592000): Uint8Array {
  const head = Buffer.alloc(12);
  head[0] = 64;
  head.writeUInt16BE(lifetime, 2);
  const opts: Buffer[] = [];
  if (mac) opts.push(Buffer.from([1, 1]), macBytes(mac));
  for (const p of prefixes) {
    const [addr, len] = p.split('/');
    const o = Buffer.alloc(32);
    o[0] = 3;
    o[1] = 4;
    o[2] = Number(len);
    o[3] = 0xc0;
    o.writeUInt32BE(valid, 4);
    o.writeUInt32BE(Math.min(valid, 604800), 8);
    ipBytes(addr).copy(o, 16);
    opts.push(o);
  }
  return icmpMessage(134, 0, Buffer.concat([head, ...opts]));
}
