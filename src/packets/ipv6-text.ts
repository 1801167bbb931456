/**
 * IPv6 addresses (four 32-bit words) as RFC 5952 text, written as bytes, and a cache of those texts:
 * the flow batches name every flow's addresses (capture-flow-batch.ts), and the packet detectors
 * that key their tables by address text (ICMPv6 ping sweeps and floods, neighbour-discovery scans:
 * two addresses a packet, decoded-packet.ts addressTextMemo) meet the same few hosts again and again.
 */

/** An ASCII text (an IPv6 address, at most 39 characters) at `at`; returns the end. As Buffer.write(latin1) without a call into C++. */
export function writeAscii(b: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) b[at++] = text.charCodeAt(i);
  return at;
}

/** A group of 16 bits in lower-case hexadecimal without leading zeros at `at`; returns the end. */
function writeHexGroup(b: Uint8Array, at: number, g: number): number {
  if (g >= 0x1000) b[at++] = HEX_DIGIT[g >>> 12];
  if (g >= 0x100) b[at++] = HEX_DIGIT[(g >>> 8) & 15];
  if (g >= 0x10) b[at++] = HEX_DIGIT[(g >>> 4) & 15];
  b[at++] = HEX_DIGIT[g & 15];
  return at;
}
const HEX_DIGIT = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/**
 * The RFC 5952 text of the IPv6 address in words w[word .. word + 3] at b[0 ...]; returns the end.
 * The same text as detect/ip-address.ts's addressWordsText (the longest run of two or more zero
 * groups, the first of equal ones, becomes "::"), written as bytes: that one builds an array of
 * groups, maps them to texts and joins them, about a microsecond and five objects per address, and
 * a capture's flows meet thousands of IPv6 addresses (capture-flow-batch.test.ts and decoded-packet.test.ts hold the two equal).
 */
export function writeIpv6(b: Uint8Array, w: Uint32Array | readonly number[], word: number): number {
  // IPv4-mapped (::ffff:0:0/96): ::ffff: and the dotted quad, as addressWordsText writes it
  if (w[word] === 0 && w[word + 1] === 0 && w[word + 2] === 0xffff) {
    let at = writeAscii(b, 0, '::ffff:');
    const x = w[word + 3];
    for (let k = 3; k >= 0; k--) {
      at = writeDecimalByte(b, at, (x >>> (8 * k)) & 255);
      if (k > 0) b[at++] = 46;
    }
    return at;
  }
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (ipv6Group(w, word, i) !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && ipv6Group(w, word, j) === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  let at = 0;
  let sep = false;
  for (let i = 0; i < 8; i++) {
    if (i === bestStart) {
      b[at++] = 58;
      b[at++] = 58;
      i += bestLen - 1;
      sep = false;
      continue;
    }
    if (sep) b[at++] = 58;
    at = writeHexGroup(b, at, ipv6Group(w, word, i));
    sep = true;
  }
  return at;
}

function writeDecimalByte(b: Uint8Array, at: number, v: number): number {
  if (v >= 100) b[at++] = 48 + Math.floor(v / 100);
  if (v >= 10) b[at++] = 48 + (Math.floor(v / 10) % 10);
  b[at++] = 48 + (v % 10);
  return at;
}

function ipv6Group(w: Uint32Array | readonly number[], word: number, i: number): number {
  const x = w[word + (i >>> 1)];
  return i & 1 ? x & 0xffff : x >>> 16;
}

/**
 * Texts of IPv6 addresses already made: a direct-mapped table of `size` entries (a power of two) by a
 * hash of the four words, each entry checked against all four (a colliding address replaces it).
 */
export class Ipv6TextCache {
  private readonly keys: Uint32Array;
  /** an empty text: a free entry (no address has one) */
  private readonly texts: string[];
  private readonly mask: number;
  /** scratch for one address's text (at most 45 characters: ::ffff: and a dotted quad) */
  private readonly bytes = Buffer.alloc(48);

  constructor(size: number) {
    this.keys = new Uint32Array(size * 4);
    this.texts = new Array<string>(size).fill('');
    this.mask = size - 1;
  }

  /** The text of the address in w[word .. word + 3]. */
  text(w: Uint32Array | readonly number[], word: number): string {
    const k0 = w[word] >>> 0;
    const k1 = w[word + 1] >>> 0;
    const k2 = w[word + 2] >>> 0;
    const k3 = w[word + 3] >>> 0;
    let h = Math.imul(k0 ^ Math.imul(k1, 0x85ebca6b), 0x9e3779b1) ^ Math.imul(k2 ^ Math.imul(k3, 0xc2b2ae35), 0x27d4eb2f);
    h ^= h >>> 15;
    const i = h & this.mask;
    const o = i * 4;
    const ks = this.keys;
    if (ks[o] === k0 && ks[o + 1] === k1 && ks[o + 2] === k2 && ks[o + 3] === k3 && this.texts[i] !== '') return this.texts[i];
    const b = this.bytes;
    const t = b.toString('latin1', 0, writeIpv6(b, w, word));
    ks[o] = k0;
    ks[o + 1] = k1;
    ks[o + 2] = k2;
    ks[o + 3] = k3;
    this.texts[i] = t;
    return t;
  }
}
