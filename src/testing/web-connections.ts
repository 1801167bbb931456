/**
 * For tests: ordinary web traffic as a capture holds it, the normal a baseline is fitted on. Never
 * used by the product.
 */
import { ipFrame, tcpSegment, TCP } from './frame-builder.js';
import type { RawPacket } from './capture-writer.js';

/**
 * One web connection from `client`:`port` to `server`:80 starting at `t` (µs): handshake, a request
 * of `request` bytes, a reply of `reply` bytes 5 ms later, and both sides' FIN: 8 packets, each as
 * an Ethernet frame.
 */
export function webConnection(client: string, server: string, port: number, t: number, request: number, reply: number): RawPacket[] {
  const seg = (from: string, to: string, a: number, b: number, flags: number, dt: number, n = 0): RawPacket => ({
    tsMicros: t + dt,
    data: ipFrame({ src: from, dst: to, proto: 6, payload: tcpSegment(a, b, flags, 1, 1, new Uint8Array(n)) }),
  });
  return [
    seg(client, server, port, 80, TCP.SYN, 0),
    seg(server, client, 80, port, TCP.SYN | TCP.ACK, 300),
    seg(client, server, port, 80, TCP.ACK, 600),
    seg(client, server, port, 80, TCP.ACK | TCP.PSH, 700, request),
    seg(server, client, 80, port, TCP.ACK | TCP.PSH, 5000, reply),
    seg(client, server, port, 80, TCP.ACK | TCP.FIN, 9000),
    seg(server, client, 80, port, TCP.ACK | TCP.FIN, 9300),
    seg(client, server, port, 80, TCP.ACK, 9600),
  ];
}
