/**
 * Addresses for the bench's replayed captures: every replay of ../shared/pcaps must look like other
 * hosts of the same kind of network, so its flows are new flows, and no two hosts may share an
 * address. An earlier scheme set the low 16 bits of every address to the replay number, which made
 * all hosts of a /16 in one replay one address (192.168.0.114, 192.168.11.1 and 192.168.100.138 of
 * three unrelated captures became one "host" whose TTL changed between flows), and XORing those bits
 * with a per-replay value still let hosts of different replays collide; both raised TTL findings that
 * no real network would. Here each original address gets an index of its own kind and the replay
 * number goes beside it, so (replay, host) → address is one to one and the address keeps its kind:
 *   private IPv4 (10/8, 172.16/12, 192.168/16)   → 10.R.R.h            (still private)
 *   public IPv4 (first octet a)                  → a.(128 + R>>8).R.h  (still public, same first octet)
 *   IPv6 (any but multicast and ::/8)            → first 12 bytes kept, then R (16 bits), h (16 bits)
 *   loopback, link-local IPv4, multicast, broadcast, 0.0.0.0, IPv6 multicast, ::, ::1: unchanged (shared by all)
 * h = the host's index + 1: a host part of 0 is no host's address (the first host once became
 * 10.R.R.0 and 2001:db8:1:2::R:0, IPv6's subnet-router anycast address, which no packet may come
 * from, so every replay of the "ordinary" captures raised "Source address that cannot be on a wire"
 * alerts that no real network would), and 255 is left out too (a /24's broadcast address).
 * R < 32,768 and fewer than 255 hosts per kind (IPv4) keep it one to one; beyond that it throws.
 */

type Kind = 'private' | `public${number}` | 'v6';

export class ReplayAddresses {
  private readonly index = new Map<string, number>();
  private readonly used = new Map<Kind, number>();

  private indexOf(kind: Kind, key: string, limit: number): number {
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.used.get(kind) ?? 0;
      if (i >= limit) throw new Error(`replay re-addressing: more than ${limit} ${kind} hosts in the sources`);
      this.used.set(kind, i + 1);
      this.index.set(key, i);
    }
    return i;
  }

  /** Rewrite the IPv4 address at buf[at..at+4) for replay `replay`. */
  ipv4(buf: Buffer, at: number, replay: number): void {
    if (replay >= 32768) throw new Error('replay re-addressing: replay numbers must be < 32,768');
    const a = buf[at];
    const b = buf[at + 1];
    if (a === 0 || a === 127 || a >= 224 || (a === 169 && b === 254)) return;
    const key = `4:${a}.${b}.${buf[at + 2]}.${buf[at + 3]}`;
    const priv = a === 10 || (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168);
    if (priv) {
      const i = this.indexOf('private', key, 254) + 1;
      buf[at] = 10;
      buf[at + 1] = replay >> 8;
      buf[at + 2] = replay & 0xff;
      buf[at + 3] = i;
    } else {
      const i = this.indexOf(`public${a}`, key, 254) + 1;
      buf[at + 1] = 128 + (replay >> 8);
      buf[at + 2] = replay & 0xff;
      buf[at + 3] = i;
    }
  }

  /** Rewrite the IPv6 address at buf[at..at+16) for replay `replay`. */
  ipv6(buf: Buffer, at: number, replay: number): void {
    if (buf[at] === 0xff || buf[at] === 0) return;
    const key = `6:${buf.toString('hex', at, at + 16)}`;
    const i = this.indexOf('v6', key, 65535) + 1;
    buf.writeUInt16BE(replay & 0xffff, at + 12);
    buf.writeUInt16BE(i, at + 14);
  }
}
