import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { communityId } from './community-id.js';

// Reference values from the Community ID specification's test vectors (baseline pcaps).
test('Community ID v1 matches the specification examples', () => {
  assert.equal(communityId('128.232.110.120', '66.35.250.204', 6, 34855, 80), '1:LQU9qZlK+B5F3KDmev6m5PMibrg=');
  // either direction hashes alike
  assert.equal(communityId('66.35.250.204', '128.232.110.120', 6, 80, 34855), '1:LQU9qZlK+B5F3KDmev6m5PMibrg=');
  assert.equal(communityId('192.168.1.52', '8.8.8.8', 17, 54585, 53), '1:d/FP5EW3wiY1vCndhwleRRKHowQ=');
});

test('IPv6 addresses are hashed as 16 bytes', () => {
  const id = communityId('fe80::200:86ff:fe05:80da', 'fe80::260:97ff:fe07:69ea', 58, 135, 136);
  assert.match(id!, /^1:[A-Za-z0-9+/]{27}=$/);
  assert.equal(communityId('not-an-ip', '1.2.3.4', 6, 1, 2), null);
});

test('cached address bytes give the same id on every call, in any order of calls', () => {
  // the addresses' bytes are cached and the hash input is assembled in one shared buffer: an IPv6
  // pair hashed between two IPv4 calls must not leave bytes behind that change the IPv4 id
  const v4 = (): string | null => communityId('192.168.1.52', '8.8.8.8', 17, 54585, 53);
  assert.equal(v4(), '1:d/FP5EW3wiY1vCndhwleRRKHowQ=');
  const v6 = communityId('fe80::200:86ff:fe05:80da', 'fe80::260:97ff:fe07:69ea', 58, 135, 136);
  assert.equal(v4(), '1:d/FP5EW3wiY1vCndhwleRRKHowQ=');
  assert.equal(communityId('fe80::200:86ff:fe05:80da', 'fe80::260:97ff:fe07:69ea', 58, 135, 136), v6);
  // an IPv4 and an IPv6 address never make a flow
  assert.equal(communityId('192.168.1.52', 'fe80::1', 6, 1, 2), null);
  // a protocol without ports hashes no port bytes, whatever ports are given
  assert.equal(communityId('10.0.0.1', '10.0.0.2', 47, 1, 2), communityId('10.0.0.1', '10.0.0.2', 47, 3, 4));
});

/** the specification's hash, written plainly from the address bytes (no caches, no shared buffer) */
function specId(a: Buffer, b: Buffer, proto: number, sp: number, dp: number, seed: number): string {
  const ports = [1, 6, 17, 58, 132].includes(proto);
  if (!ports) sp = dp = 0;
  const swap = Buffer.compare(a, b) > 0 || (Buffer.compare(a, b) === 0 && sp > dp);
  const [x, y, p, q] = swap ? [b, a, dp, sp] : [a, b, sp, dp];
  const head = Buffer.from([seed >> 8, seed & 0xff]);
  const mid = Buffer.from([proto, 0]);
  const tail = ports ? Buffer.from([(p >> 8) & 0xff, p & 0xff, (q >> 8) & 0xff, q & 0xff]) : Buffer.alloc(0);
  return `1:${createHash('sha1').update(Buffer.concat([head, x, y, mid, tail])).digest('base64')}`;
}

const v4Text = (b: Buffer): string => [...b].join('.');
const v6Text = (b: Buffer, compress: boolean): string => {
  const words = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2).toString(16));
  if (!compress) return words.join(':');
  // "::" for the first run of zero words, as inet_ntop writes it (any run is valid input)
  const start = words.indexOf('0');
  if (start < 0) return words.join(':');
  let end = start;
  while (end < 8 && words[end] === '0') end++;
  return `${words.slice(0, start).join(':')}::${words.slice(end).join(':')}`;
};

test('communityId equals the specification hash for generated IPv4 and IPv6 flows, any order of calls', () => {
  const v4 = fc.uint8Array({ minLength: 4, maxLength: 4 }).map((u) => Buffer.from(u));
  const v6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((u) => Buffer.from(u));
  // few distinct bytes so equal addresses (the port tie-break) and zero runs come up often
  const smallV6 = fc.array(fc.constantFrom(0, 1, 0xfe, 0x80), { minLength: 16, maxLength: 16 }).map((u) => Buffer.from(u));
  const flow = fc.record({
    six: fc.boolean(),
    a4: v4,
    b4: fc.oneof(v4, fc.constant(Buffer.from([10, 0, 0, 1]))),
    a6: fc.oneof(v6, smallV6),
    b6: fc.oneof(v6, smallV6),
    same: fc.boolean(),
    compress: fc.boolean(),
    proto: fc.constantFrom(1, 6, 17, 47, 58, 132, 0, 255),
    sp: fc.integer({ min: 0, max: 65535 }),
    dp: fc.integer({ min: 0, max: 65535 }),
    seed: fc.constantFrom(0, 0, 1, 65535),
  });
  fc.assert(
    fc.property(fc.array(flow, { minLength: 1, maxLength: 8 }), (flows) => {
      for (const f of flows) {
        const a = f.six ? f.a6 : f.a4;
        const b = f.same ? a : f.six ? f.b6 : f.b4;
        const text = (x: Buffer): string => (f.six ? v6Text(x, f.compress) : v4Text(x));
        assert.equal(communityId(text(a), text(b), f.proto, f.sp, f.dp, f.seed), specId(a, b, f.proto, f.sp, f.dp, f.seed));
      }
    }),
    { numRuns: 3000 },
  );
  // out-of-range protocol and seed still throw, as the checked writes always did
  assert.throws(() => communityId('1.2.3.4', '5.6.7.8', 300, 1, 2), RangeError);
  assert.throws(() => communityId('1.2.3.4', '5.6.7.8', 6, 1, 2, 70000), RangeError);
});
