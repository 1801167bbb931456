/**
 * Community ID v1 (Corelight's flow hashing spec, used by Zeek, Suricata, Elastic): the same flow
 * gets the same id in every tool, so our alerts join with the user's other logs.
 *   sha1(seed:u16be · ip_a · ip_b · proto:u8 · pad:u8 · port_a:u16be · port_b:u16be), base64, "1:" prefix,
 * with the endpoints ordered so both directions hash alike (smaller address, or smaller port on a tie).
 */
import { hash } from 'node:crypto';
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

/**
 * Address bytes by address text, bounded: a capture's flows share few addresses, and parsing one
 * (validate, split, a Buffer) cost more than the hash itself when analyze raised 100k+ alerts.
 * Entries are never mutated by the callers below.
 */
const ipCache = new Map<string, Buffer | null>();
const IP_CACHE_LIMIT = 65_536;

function cachedIpBytes(ip: string): Buffer | null {
  let b = ipCache.get(ip);
  if (b === undefined) {
    b = ipBytes(ip);
    if (ipCache.size >= IP_CACHE_LIMIT) ipCache.clear();
    ipCache.set(ip, b);
  }
  return b;
}

/**
 * the hashed bytes of one flow, assembled in place (seed, two addresses, proto, pad, ports): one
 * buffer per length (12, 16, 36 or 40 bytes), so no subarray per call, and the address bytes copied
 * by a loop (Buffer#copy of 4 bytes cost more than the loop: it goes through C++ for each call)
 */
const scratchByLength: Buffer[] = [];

export function communityId(srcIp: string, dstIp: string, proto: number, srcPort: number, dstPort: number, seed = 0): string | null {
  const a = cachedIpBytes(srcIp);
  const b = cachedIpBytes(dstIp);
  if (!a || !b || a.length !== b.length || !Number.isInteger(proto)) return null;
  const ports = proto === 6 || proto === 17 || proto === 132 || proto === 1 || proto === 58;
  let sp = ports && Number.isFinite(srcPort) ? srcPort : 0;
  let dp = ports && Number.isFinite(dstPort) ? dstPort : 0;
  let x = a;
  let y = b;
  // which address is smaller, byte by byte as Buffer.compare (same length, checked above): a loop
  // over 4 or 16 bytes costs less than Buffer.compare's call into C++ for every flow alert
  let cmp = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      cmp = a[i] < b[i] ? -1 : 1;
      break;
    }
  }
  if (cmp > 0 || (cmp === 0 && sp > dp)) {
    x = b;
    y = a;
    const t = sp;
    sp = dp;
    dp = t;
  }
  const len = x.length;
  const total = 2 + 2 * len + 2 + (ports ? 4 : 0);
  let scratch = scratchByLength[total];
  if (scratch === undefined) scratch = scratchByLength[total] = Buffer.alloc(total);
  // the checked writes stay: they throw RangeError for a seed or protocol out of range, as before
  scratch.writeUInt16BE(seed, 0);
  for (let i = 0; i < len; i++) {
    scratch[2 + i] = x[i];
    scratch[2 + len + i] = y[i];
  }
  let n = 2 + 2 * len;
  scratch.writeUInt8(proto, n);
  scratch[n + 1] = 0;
  n += 2;
  if (ports) {
    scratch.writeUInt16BE(sp & 0xffff, n);
    scratch.writeUInt16BE(dp & 0xffff, n + 2);
  }
  // one-shot hash, no Hash object per flow alert
  return `1:${hash('sha1', scratch, 'base64')}`;
}
