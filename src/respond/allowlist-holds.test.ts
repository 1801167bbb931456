/**
 * Target "Allowlist holds": over 100,000+ random findings against random allowlists, no
 * allowlisted address ever reaches blocked_ips.txt, the nftables sets or the ipset file, whatever
 * form the address takes (a host inside an allowlisted network, a range around or inside one,
 * an IPv4-mapped IPv6 spelling, a manual ban that bypasses the policy).
 *
 * The check is independent of the code under test: every address and network is lifted into
 * one 128-bit space with BigInt (IPv4 a.b.c.d as ::ffff:a.b.c.d) and two networks overlap when
 * their shorter prefix agrees.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Allowlist } from './allowlist.js';
import { parseCidr, type Cidr } from '../detect/ip-address.js';
import { runPolicy, type SourceEvidence } from './policy.js';
import { respondConfigFrom } from './respond-config.js';
import { blockTargets } from './block/block-targets.js';
import { blockedIpsText } from './block/blocked-ips-file.js';
import { nftablesScript } from './block/nftables.js';
import { ipsetRestoreText } from './block/ipset.js';
import type { Decision } from './decision.js';

interface Net {
  /** 128-bit value in the mapped space */
  bits: bigint;
  /** prefix in the 128-bit space */
  prefix: number;
}

const MAPPED = 0xffffn << 32n;
const ALL = (1n << 128n) - 1n;

function mask(prefix: number): bigint {
  return prefix === 0 ? 0n : (ALL << BigInt(128 - prefix)) & ALL;
}

function overlap(a: Net, b: Net): boolean {
  const p = Math.min(a.prefix, b.prefix);
  return (a.bits & mask(p)) === (b.bits & mask(p));
}

/** text → Net, by our own simple parsing (oracle side) */
function toNet(text: string): Net {
  const [addr, pfx] = text.split('/');
  if (!addr.includes(':')) {
    const v = addr.split('.').reduce((acc, o) => (acc << 8n) | BigInt(Number(o)), 0n);
    return { bits: MAPPED | v, prefix: 96 + (pfx === undefined ? 32 : Number(pfx)) };
  }
  let head = addr;
  let v4tail: bigint | null = null;
  const lastColon = addr.lastIndexOf(':');
  if (addr.slice(lastColon + 1).includes('.')) {
    v4tail = toNet(addr.slice(lastColon + 1)).bits & 0xffffffffn;
    head = addr.slice(0, lastColon + 1) + '0:0';
  }
  const [l, r] = head.includes('::') ? head.split('::') : [head, undefined];
  const left = l ? l.split(':') : [];
  const right = r === undefined ? [] : r ? r.split(':') : [];
  const groups = r === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  let v = groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
  if (v4tail !== null) v = (v & ~0xffffffffn) | v4tail;
  return { bits: v, prefix: pfx === undefined ? 128 : Number(pfx) };
}

function v4Text(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

function v6Text(groups: readonly number[]): string {
  return groups.map((g) => g.toString(16)).join(':');
}

/** an allowlist entry: family, bytes, prefix, and how it is written */
const entryArb = fc.oneof(
  fc.record({ v: fc.constant(4 as const), n: fc.nat({ max: 0xffffffff }), prefix: fc.integer({ min: 8, max: 32 }), mapped: fc.boolean() }),
  fc.record({ v: fc.constant(6 as const), g: fc.array(fc.oneof(fc.constant(0), fc.nat({ max: 0xffff })), { minLength: 8, maxLength: 8 }), prefix: fc.integer({ min: 16, max: 128 }), mapped: fc.constant(false) }),
);

type Entry = { v: 4; n: number; prefix: number; mapped: boolean } | { v: 6; g: number[]; prefix: number; mapped: boolean };

function entryText(e: Entry): string {
  if (e.v === 4) return e.mapped ? `::ffff:${v4Text(e.n)}/${96 + e.prefix}` : `${v4Text(e.n)}/${e.prefix}`;
  return `${v6Text(e.g)}/${e.prefix}`;
}

/** a source that is tricky for this allowlist: inside, around, mapped, or random */
function sourceFor(entries: readonly Entry[], pick: number, offset: number, kind: number, randomV4: number, randomG: readonly number[]): string {
  const e = entries[pick % entries.length];
  if (e.v === 4) {
    const hostBits = 32 - e.prefix;
    const inside = hostBits === 0 ? e.n : ((e.n >>> hostBits) << hostBits) + (offset % 2 ** hostBits);
    const ins = inside >>> 0;
    switch (kind % 6) {
      case 0: return v4Text(ins);
      case 1: return `::ffff:${v4Text(ins)}`;
      case 2: return `${v4Text(ins)}/${Math.max(0, e.prefix - 1 - (offset % 8))}`; // a wider range around it
      case 3: return `${v4Text(ins)}/${Math.min(32, e.prefix + (offset % 4))}`; // inside it
      case 4: return `::/${offset % 97}`; // an IPv6 range that may cover all mapped IPv4
      default: return v4Text(randomV4);
    }
  }
  const g = [...e.g];
  // vary the last group when the prefix leaves it free
  if (e.prefix <= 112) g[7] = offset & 0xffff;
  switch (kind % 5) {
    case 0: return v6Text(g);
    case 1: return `${v6Text(g)}/${Math.max(0, e.prefix - 1 - (offset % 16))}`;
    case 2: return `${v6Text(g)}/${Math.min(128, e.prefix + (offset % 8))}`;
    case 3: return v6Text(randomG);
    default: return v4Text(randomV4);
  }
}

/** everything any writer put into any of the three files */
function written(targets: ReturnType<typeof blockTargets>): string[] {
  const out: string[] = [];
  const txt = blockedIpsText(targets);
  if (txt) out.push(...txt.split('\n'));
  const nft = nftablesScript(targets);
  for (const m of nft.matchAll(/elements = \{([^}]*)\}/g)) for (const el of m[1].split(',')) out.push(el.trim().split(/\s+/)[0]);
  for (const line of ipsetRestoreText(targets).split('\n')) if (line.startsWith('add ')) out.push(line.split(' ')[2]);
  return out;
}

const config = respondConfigFrom({ actions: { critical: ['ban'], high: ['ban'], medium: ['ban'], low: ['ban'] } }, {}, 'test');
const FINDINGS_PER_RUN = 50;
const RUNS = 2100;

test(`allowlist holds over ${(FINDINGS_PER_RUN * RUNS).toLocaleString('en-US')} random findings`, () => {
  let findings = 0;
  let blocked = 0;
  let refused = 0;
  fc.assert(
    fc.property(
      fc.array(entryArb, { minLength: 1, maxLength: 6 }),
      fc.array(fc.tuple(fc.nat(), fc.nat(), fc.nat(), fc.nat({ max: 0xffffffff }), fc.array(fc.nat({ max: 0xffff }), { minLength: 8, maxLength: 8 }), fc.double({ min: 0.81, max: 1, noNaN: true })), { minLength: FINDINGS_PER_RUN, maxLength: FINDINGS_PER_RUN }),
      fc.boolean(),
      (entries, raw, manual) => {
        const allowTexts = (entries as Entry[]).map(entryText);
        const allowlist = new Allowlist(allowTexts.map((t) => ({ cidr: parseCidr(t) as Cidr, why: 'config' })));
        const sources: SourceEvidence[] = raw.map(([pick, offset, kind, v4, g, risk]) => ({ ip: sourceFor(entries as Entry[], pick, offset, kind, v4, g), risk }));
        findings += sources.length;
        const now = 1_800_000_000_000;
        const { decisions } = runPolicy(sources, { config, allowlist, origin: 'test', nowMs: now, apply: true });
        // manual bans bypass the policy: the writers must still refuse the allowlisted ones
        const extra: Decision[] = manual
          ? sources.map((s, i) => ({ id: `m${i}`, scope: 'ip', value: s.ip, type: 'ban', severity: 'high', reason: 'manual', reasonKey: 'manual', origin: 'manual', created: new Date(now).toISOString(), expires: new Date(now + 3600_000).toISOString(), simulated: false }))
          : [];
        const targets = blockTargets([...decisions, ...extra], allowlist, now);
        refused += targets.refused.length;
        const allowNets = allowTexts.map(toNet);
        const out = written(targets);
        blocked += out.length;
        for (const w of out) {
          const n = toNet(w);
          for (let i = 0; i < allowNets.length; i++) {
            if (overlap(n, allowNets[i])) throw new Error(`${w} was written although ${allowTexts[i]} is allowlisted`);
          }
        }
      },
    ),
    { numRuns: RUNS, seed: 20261203 },
  );
  assert.ok(findings >= 100_000, `only ${findings} findings`);
  // the generator must exercise both sides: plenty blocked, plenty refused
  assert.ok(blocked > 10_000, `only ${blocked} written`);
  assert.ok(refused > 10_000, `only ${refused} refused`);
});

test('the oracle itself: overlap in the shared 128-bit space', () => {
  assert.ok(overlap(toNet('10.0.0.0/8'), toNet('10.1.2.3')));
  assert.ok(overlap(toNet('::ffff:10.1.2.3'), toNet('10.1.2.3/32')));
  assert.ok(overlap(toNet('::/64'), toNet('192.0.2.1')));
  assert.ok(!overlap(toNet('11.0.0.0/8'), toNet('10.1.2.3')));
  assert.ok(overlap(toNet('2001:db8::/32'), toNet('2001:db8:1::5')));
  assert.ok(!overlap(toNet('2001:db8::/32'), toNet('2001:db9::5')));
});
