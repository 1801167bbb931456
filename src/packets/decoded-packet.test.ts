import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addressWordsText } from '../detect/ip-address.js';
import { addressTextMemo, macText } from './decoded-packet.js';

/** a deterministic generator (xorshift32), so a failure names the same addresses every run */
function words(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>>= 0);
  };
}

test('addressTextMemo gives IPv6 addresses the text addressWordsText gives, through collisions and replacements in its table', () => {
  const next = words(7);
  const special: number[][] = [
    [0, 0, 0, 0],
    [0, 0, 0, 1],
    [0, 0, 0xffff, 0xc0a80001],
    [0x20010db8, 0, 0, 1],
    [0xfe800000, 0, 0x021122ff, 0xfe334455],
    [0xff020000, 0, 0, 1],
    [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff],
  ];
  // 20,000 addresses into a table of 4,096 entries: most entries are replaced, many collide
  const all: number[][] = [...special];
  for (let i = 0; i < 20_000; i++) {
    const a = [next(), next(), next(), next()];
    // runs of zero groups, as real addresses have (the '::' of their text)
    if (i % 3 === 0) a[1] = 0;
    if (i % 5 === 0) a[2] = 0;
    all.push(a);
  }
  // a network's hosts: the same first three words, the last one apart (collisions that only the
  // last word tells apart), and the same host in other networks
  for (let i = 0; i < 20_000; i++) all.push([0x20010db8, 0x00010002, 0, 0x1000 + i * 7]);
  for (let i = 0; i < 2_000; i++) all.push([0x20010db8, i, 0, 5], [0x20010db8, 0, i, 5]);
  // twice over, and each as a Uint32Array and a plain array: the second pass meets replaced entries
  for (let pass = 0; pass < 2; pass++) {
    for (const a of all) {
      const expected = addressWordsText(a, 6, 0);
      assert.equal(addressTextMemo(Uint32Array.from(a), 6), expected);
      assert.equal(addressTextMemo(a, 6), expected);
    }
  }
  // an address right after another that lands on the same entry (found by searching) keeps its own text
  const seen = new Map<string, number[]>();
  for (const a of all) {
    const t = addressTextMemo(a, 6);
    const before = seen.get(t);
    if (before) assert.deepEqual(before.map((x) => x >>> 0), a.map((x) => x >>> 0), `one text for two addresses: ${t}`);
    seen.set(t, a);
  }
});

test('addressTextMemo of IPv4 words is the dotted quad, through collisions and replacements in its table', () => {
  assert.equal(addressTextMemo(Uint32Array.of(0, 0, 0, 0xc0a80a01), 4), '192.168.10.1');
  assert.equal(addressTextMemo([0, 0, 0, 0x0a000001], 4), '10.0.0.1');
  // 0.0.0.0 and 255.255.255.255, a /16 of 65,536 hosts (four times the table), random ones, twice over
  const next = words(7);
  const addresses = [0, 0xffffffff, ...Array.from({ length: 65536 }, (_, i) => 0x0a140000 + i), ...Array.from({ length: 20000 }, next)];
  const quad = (a: number): string => [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join('.');
  for (let round = 0; round < 2; round++) {
    for (const a of addresses) {
      assert.equal(addressTextMemo(Uint32Array.of(0, 0, 0, a), 4), quad(a));
      // the decoder's words are unsigned; a signed word of the same bits is the same address
      assert.equal(addressTextMemo([0, 0, 0, a | 0], 4), quad(a));
    }
  }
});

test('macText is the colon-separated lower-case hex of the six bytes, through collisions in its memo', () => {
  assert.equal(macText(0x0025, 0xb3bf91ee), '00:25:b3:bf:91:ee');
  assert.equal(macText(0, 0), '00:00:00:00:00:00');
  assert.equal(macText(0xffff, 0xffffffff), 'ff:ff:ff:ff:ff:ff');
  const next = words(11);
  const hex = (n: number, digits: number): string => n.toString(16).padStart(digits, '0');
  const reference = (hi: number, lo: number): string => (hex(hi, 4) + hex(lo >>> 0, 8)).match(/../g)!.join(':');
  // the same low bytes under 300 vendors (one memo entry for all of them), and 5,000 random MACs, twice over
  const macs: [number, number][] = [...Array.from({ length: 300 }, (_, i): [number, number] => [i * 211, 0x00a0c9ff]), ...Array.from({ length: 5000 }, (): [number, number] => [next() & 0xffff, next()])];
  for (let round = 0; round < 2; round++) for (const [hi, lo] of macs) assert.equal(macText(hi, lo), reference(hi, lo));
});
