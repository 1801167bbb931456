import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../util/rng.js';
import { KeyLayout } from './key-layout.js';
import { SlotTable } from './slot-table.js';

test('SlotTable agrees with a Map under random inserts, updates and deletes (with growth)', () => {
  const rng = new Rng(11);
  const t = new SlotTable(8);
  const m = new Map<string, number>();
  // few distinct keys so that probe runs collide and deletions shift entries back
  const key = (): [number, number] => [rng.int(3000) * 2 ** 26 + rng.int(50), rng.next() < 0.3 ? -1 : rng.int(4)];
  for (let step = 0; step < 60000; step++) {
    const [a, b] = key();
    const k = `${a}/${b}`;
    const op = rng.next();
    if (op < 0.5) {
      const v = rng.int(1 << 30);
      t.set(a, b, v);
      m.set(k, v);
    } else if (op < 0.8) {
      assert.equal(t.delete(a, b), m.delete(k));
    } else assert.equal(t.get(a, b), m.get(k) ?? -1);
    if (step % 5000 === 0) assert.equal(t.size, m.size);
  }
  for (const [k, v] of m) {
    const [a, b] = k.split('/').map(Number);
    assert.equal(t.get(a, b), v);
  }
  assert.equal(t.size, m.size);
  t.clear();
  assert.equal(t.size, 0);
});

test('KeyLayout packs parts exactly, and splits what does not fit in 53 bits', () => {
  const pair = new KeyLayout(['ip', 'ip']);
  assert.equal(pair.split, 2);
  const maxId = 2 ** 26 - 1;
  assert.equal(pair.first(maxId, maxId, 0), maxId * 2 ** 26 + maxId);
  assert.ok(Number.isSafeInteger(pair.first(maxId, maxId, 0)));
  assert.equal(pair.second(1, 2, 0), -1);
  const triple = new KeyLayout(['ip', 'ip', 'port']);
  assert.equal(triple.split, 2);
  assert.equal(triple.second(5, 6, 443), 443);
  const sweep = new KeyLayout(['ip', 'port', 'proto']);
  assert.equal(sweep.split, 3);
  assert.equal(sweep.first(7, 443, 6), (7 * 65536 + 443) * 256 + 6);
});

test('SlotTable.direct: an address id is its own key', () => {
  const d = SlotTable.direct();
  d.set(5, -1, 50);
  d.set(100000, -1, 7);
  assert.equal(d.get(5, -1), 50);
  assert.equal(d.get(100000, -1), 7);
  assert.equal(d.get(6, -1), -1);
  assert.equal(d.get(1 << 24, -1), -1);
  assert.equal(d.size, 2);
  assert.equal(d.delete(5, -1), true);
  assert.equal(d.delete(5, -1), false);
  assert.equal(d.get(5, -1), -1);
  assert.equal(d.size, 1);
  d.clear();
  assert.equal(d.size, 0);
  assert.equal(d.get(100000, -1), -1);
});
