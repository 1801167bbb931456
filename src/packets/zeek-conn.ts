/**
 * What Zeek's conn.log says of a connection, derived from the flow meter's per-flow TCP state:
 * `conn_state` (S0, S1, SF, REJ, S2, S3, RSTO, RSTR, RSTOS0, RSTRH, SH, SHR, OTH), the
 * `history` letters (S SYN, H SYN-ACK, A pure ACK, D data, F FIN, R RST; upper case from the
 * originator; each letter once per side, in order of first appearance, where Zeek also repeats
 * letters at 10, 100, ... occurrences), a `service` guessed from the well-known port (Zeek finds it
 * by protocol analysis; we do not look into payloads, so this is a hint, marked as such in docs), and
 * a `uid` that is stable for the same flow (a hash of its start and key, where Zeek draws a random
 * one), so analysing a capture twice yields the same uids.
 */
import { B_ORIG_FIN, B_ORIG_RST, B_ORIG_SYN, B_ORIG_SYNACK, B_RESP_FIN, B_RESP_RST, B_RESP_SYNACK, type FlowMeter } from './flow-meter.js';
import * as S from './flow-state.js';

/** Zeek's conn_state values; connStateIndex gives a flow's index into it. */
export const CONN_STATES = ['SF', 'S0', 'REJ', 'RSTOS0', 'SH', 'OTH', 'RSTRH', 'SHR', 'RSTO', 'RSTR', 'S2', 'S3', 'S1'] as const;
const [SF, S0, REJ, RSTOS0, SH, OTH, RSTRH, SHR, RSTO, RSTR, S2, S3, S1] = CONN_STATES.map((_, i) => i);

export function connState(m: FlowMeter, slot: number): string {
  return CONN_STATES[connStateIndex(m, slot)];
}

/** The flow's conn_state as an index into CONN_STATES (a number: the batch codes it without text). */
export function connStateIndex(m: FlowMeter, slot: number): number {
  const answered = m.state[slot * S.STRIDE + S.DIR0 + S.DIR_STRIDE + S.D_PKTS] > 0;
  if (m.proto(slot) !== 6) return answered ? SF : S0;
  // the TCP state bits are eight (flow-meter.ts's B_*): every answer is in the table
  return TCP_CONN_STATES[(m.tcpBits[slot] & 255) | (answered ? 256 : 0)];
}

/**
 * A TCP flow's conn_state by its state bits (bits 0-7) and whether the responder sent anything
 * (bit 8), worked out once by tcpConnState. Looked up, not decided per flow: the decision is a
 * dozen branches that a capture takes one by one as new kinds of connection end, and V8 threw away
 * and recompiled the batch's per-flow code (where it is inlined) at each new one.
 */
const TCP_CONN_STATES = Uint8Array.from({ length: 512 }, (_, i) => tcpConnState(i & 255, i >= 256));

/** Zeek's conn_state rules for a TCP flow (see connStateIndex). */
export function tcpConnState(b: number, answered: boolean): number {
  const oSyn = (b & B_ORIG_SYN) !== 0;
  const rSynAck = (b & B_RESP_SYNACK) !== 0;
  const oFin = (b & B_ORIG_FIN) !== 0;
  const rFin = (b & B_RESP_FIN) !== 0;
  const oRst = (b & B_ORIG_RST) !== 0;
  const rRst = (b & B_RESP_RST) !== 0;
  if (oSyn && !rSynAck) {
    if (rRst) return REJ;
    if (oRst) return RSTOS0;
    if (oFin) return SH;
    return answered ? OTH : S0;
  }
  if (!oSyn && (rSynAck || (b & B_ORIG_SYNACK) !== 0)) {
    if (rRst) return RSTRH;
    if (rFin) return SHR;
    return OTH;
  }
  if (!oSyn) return OTH;
  if (oRst) return RSTO;
  if (rRst) return RSTR;
  if (oFin && rFin) return SF;
  if (oFin) return S2;
  if (rFin) return S3;
  return S1;
}

const TCP_SERVICES: Readonly<Record<number, string>> = {
  21: 'ftp', 22: 'ssh', 23: 'telnet', 25: 'smtp', 53: 'dns', 80: 'http', 110: 'pop3', 143: 'imap', 443: 'ssl', 445: 'smb',
  587: 'smtp', 993: 'ssl', 995: 'ssl', 3306: 'mysql', 3389: 'rdp', 5432: 'postgresql', 8080: 'http', 8443: 'ssl',
};
const UDP_SERVICES: Readonly<Record<number, string>> = { 53: 'dns', 67: 'dhcp', 68: 'dhcp', 123: 'ntp', 137: 'netbios-ns', 161: 'snmp', 443: 'quic', 514: 'syslog', 5353: 'dns' };

/** Service by the responder's well-known port, or '' when unknown. */
export function serviceGuess(proto: number, respPort: number): string {
  if (proto === 6) return TCP_SERVICES[respPort] ?? '';
  if (proto === 17) return UDP_SERVICES[respPort] ?? '';
  return '';
}

const B62_CODES = Array.from('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', (c) => c.charCodeAt(0));
const uidBytes = Buffer.alloc(18);

/** A Zeek-looking uid ("C" + 17 base-62 characters) derived from the flow's start time and key. */
export function flowUid(m: FlowMeter, slot: number): string {
  flowUidInto(m, slot, uidBytes, 0);
  return uidBytes.toString('latin1', 0, 18);
}

/** The same uid written as 18 ASCII bytes at `at` (a batch builds a row's texts in one buffer). */
export function flowUidInto(m: FlowMeter, slot: number, out: Uint8Array, at: number): void {
  const t = m.state[slot * S.STRIDE + S.FIRST_TS];
  let h1 = 0x9e3779b9 ^ Math.floor(t / 4294967296);
  let h2 = 0x85ebca6b ^ (t >>> 0);
  for (let w = 0; w < 10; w++) {
    const v = m.keys[slot * 10 + w];
    h1 = Math.imul(h1 ^ v, 0x01000193) ^ (h2 >>> 7);
    h2 = Math.imul(h2 ^ v, 0x5bd1e995) ^ (h1 >>> 11);
  }
  let a = h1 >>> 0;
  let c = h2 >>> 0;
  out[at] = 67; // 'C'
  for (let i = 0; i < 17; i++) {
    if (i % 2 === 0) {
      out[at + i + 1] = B62_CODES[a % 62];
      a = (Math.floor(a / 62) ^ Math.imul(c, 31)) >>> 0;
    } else {
      out[at + i + 1] = B62_CODES[c % 62];
      c = (Math.floor(c / 62) ^ Math.imul(a, 17)) >>> 0;
    }
  }
}

/** Zeek's proto field. */
export function protoName(proto: number): string {
  return proto === 6 ? 'tcp' : proto === 17 ? 'udp' : proto === 1 || proto === 58 ? 'icmp' : String(proto);
}
