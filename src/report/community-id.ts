/**
 * Community ID v1 (Corelight's flow hashing spec, used by Zeek, Suricata, Elastic): the same flow
 * gets the same id in every tool, so our alerts join with the user's other logs.
 *   sha1(seed:u16be · ip_a · ip_b · proto:u8 · pad:u8 · port_a:u16be · port_b:u16be), base64, "1:" prefix,
 * with the endpoints ordered so both directions hash alike (smaller address, or smaller port on a tie).
 */
import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';

function ipBytes(ip: string): Buffer | null {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  if (!isIPv6(ip)) return null;
  let [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const expand = (parts: string[]): number[] =>
    parts.flatMap((p) => {
      if (p.includes('.')) {
        const b = p.split('.').map(Number);
        return [(b[0] << 8) | b[1], (b[2] << 8) | b[3]];
      }
      return [parseInt(p, 16)];
    });
  const hw = expand(h);
  const tw = expand(t);
  const words = tail === undefined ? hw : [...hw, ...new Array(8 - hw.length - tw.length).fill(0), ...tw];
  if (words.length !== 8) return null;
  const b = Buffer.alloc(16);
  words.forEach((w, i) => b.writeUInt16BE(w & 0xffff, i * 2));
  return b;
}

export function communityId(srcIp: string, dstIp: string, proto: number, srcPort: number, dstPort: number, seed = 0): string | null {
  const a = ipBytes(srcIp);
  const b = ipBytes(dstIp);
  if (!a || !b || a.length !== b.length || !Number.isInteger(proto)) return null;
  const ports = proto === 6 || proto === 17 || proto === 132 || proto === 1 || proto === 58;
  let sp = ports && Number.isFinite(srcPort) ? srcPort : 0;
  let dp = ports && Number.isFinite(dstPort) ? dstPort : 0;
  let x = a;
  let y = b;
  const cmp = Buffer.compare(a, b);
  if (cmp > 0 || (cmp === 0 && sp > dp)) {
    x = b;
    y = a;
    [sp, dp] = [dp, sp];
  }
  const head = Buffer.alloc(2);
  head.writeUInt16BE(seed, 0);
  const tail = Buffer.alloc(6);
  tail.writeUInt8(proto, 0);
  tail.writeUInt8(0, 1);
  if (ports) {
    tail.writeUInt16BE(sp & 0xffff, 2);
    tail.writeUInt16BE(dp & 0xffff, 4);
  }
  const h = createHash('sha1').update(head).update(x).update(y).update(ports ? tail : tail.subarray(0, 2)).digest('base64');
  return `1:${h}`;
}
