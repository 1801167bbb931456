import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../util/rng.js';
import { KeyTable } from './key-table.js';

/** The table's entries in order (walking first/after), as keys. */
function order(t: KeyTable, keyOf: Map<number, number>): number[] {
  const out: number[] = [];
  for (let e = t.first(); e >= 0; e = t.after(e)) out.push(keyOf.get(e)!);
  return out;
}

test('KeyTable behaves as an insertion-ordered Map under random adds, deletes, evictions and sweeps', () => {
  const rng = new Rng(7);
  // few distinct keys in a narrow range: long probe runs, many deletions inside them (backward shift)
  for (const range of [64, 5000, 1 << 30]) {
    const t = new KeyTable(16);
    const model = new Map<number, true>();
    /** entry → key, to compare what the table walks with the model */
    const keyOf = new Map<number, number>();
    const entryOf = new Map<number, number>();
    for (let step = 0; step < 20_000; step++) {
      const k = rng.nextUint32() % range;
      const op = rng.nextUint32() % 10;
      const e = t.find(k);
      assert.equal(e >= 0, model.has(k), `step ${step}: find(${k})`);
      if (e >= 0) assert.equal(e, entryOf.get(k));
      if (op < 6 && e < 0) {
        // add; when "full" (a cap as the detectors have), the oldest goes first
        if (model.size >= 300) {
          const oldest = t.first();
          const ok = model.keys().next().value as number;
          assert.equal(keyOf.get(oldest), ok);
          t.delete(oldest);
          model.delete(ok);
          entryOf.delete(ok);
          keyOf.delete(oldest);
        }
        const n = t.add(k);
        assert.ok(n < t.capacity);
        assert.ok(!keyOf.has(n), 'a live entry was handed out again');
        model.set(k, true);
        keyOf.set(n, k);
        entryOf.set(k, n);
      } else if (op < 9 && e >= 0) {
        t.delete(e);
        model.delete(k);
        keyOf.delete(e);
        entryOf.delete(k);
      } else if (op === 9 && step % 50 === 0) {
        // a sweep: delete a third of the entries while walking them, as the TTL watch expires idle ones
        for (let x = t.first(); x >= 0; ) {
          const next = t.after(x);
          if (rng.nextUint32() % 3 === 0) {
            const kx = keyOf.get(x)!;
            t.delete(x);
            model.delete(kx);
            keyOf.delete(x);
            entryOf.delete(kx);
          }
          x = next;
        }
      }
      assert.equal(t.size, model.size);
    }
    assert.deepEqual(order(t, keyOf), [...model.keys()]);
    for (const k of model.keys()) assert.equal(t.find(k), entryOf.get(k));
  }
});

test('KeyTable grows past its first capacity and keeps every entry findable', () => {
  const t = new KeyTable(16);
  const entries: number[] = [];
  for (let k = 0; k < 10_000; k++) entries.push(t.add(k * 4096));
  assert.ok(t.capacity >= 10_000);
  for (let k = 0; k < 10_000; k++) assert.equal(t.find(k * 4096), entries[k]);
  assert.equal(t.find(3), -1);
  assert.equal(t.first(), entries[0]);
});

test('KeyTable.clear empties it for reuse', () => {
  const t = new KeyTable(16);
  for (let k = 0; k < 100; k++) t.add(k);
  t.clear();
  assert.equal(t.size, 0);
  assert.equal(t.first(), -1);
  assert.equal(t.find(5), -1);
  const e = t.add(5);
  assert.equal(t.find(5), e);
  assert.equal(t.key(e), 5);
  assert.equal(t.first(), e);
  assert.equal(t.after(e), -1);
});

test('KeyTable keeps a key added several times as several entries, all found by find and findNext, through deletes and growth', () => {
  const rng = new Rng(11);
  const t = new KeyTable(16);
  /** entry → key, the model */
  const live = new Map<number, number>();
  const entriesOf = (k: number): number[] => {
    const out: number[] = [];
    for (let e = t.find(k); e >= 0; e = t.findNext(k, e)) out.push(e);
    return out.sort((a, b) => a - b);
  };
  for (let step = 0; step < 20_000; step++) {
    // 40 distinct keys over up to 400 entries: every key many times, in long mixed probe runs
    const k = rng.nextUint32() % 40;
    if (rng.nextUint32() % 3 !== 0 && live.size < 400) live.set(t.add(k), k);
    else {
      const es = entriesOf(k);
      if (es.length > 0) {
        const e = es[rng.nextUint32() % es.length];
        t.delete(e);
        live.delete(e);
      }
    }
    const want = [...live].filter(([, kk]) => kk === k).map(([e]) => e).sort((a, b) => a - b);
    assert.deepEqual(entriesOf(k), want, `step ${step}: entries of key ${k}`);
  }
  for (let k = 0; k < 40; k++) assert.deepEqual(entriesOf(k), [...live].filter(([, kk]) => kk === k).map(([e]) => e).sort((a, b) => a - b));
  assert.equal(t.size, live.size);
});
