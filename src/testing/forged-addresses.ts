/**
 * For tests: the source addresses a flood from forged senders uses (hping3 --rand-source), made by
 * xorshift32 from a seed so every run sends the same ones. Never used by the product.
 */

/**
 * `n` IPv4 addresses, the first octet 1..`firstOctets` (254: any, bogons among them, as hping3's;
 * 223: below multicast and reserved space), the last 1..254.
 */
export function forgedAddresses(n: number, seed: number, firstOctets = 254): string[] {
  let x = seed >>> 0;
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const a = x >>> 0;
    out.push(`${1 + (a % firstOctets)}.${(a >>> 8) & 255}.${(a >>> 16) & 255}.${1 + ((a >>> 24) % 254)}`);
  }
  return out;
}
