import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F32Arena } from './arena.js';
import { pad4 } from './simd-kernels.js';

test('arena blocks are 16-byte aligned, zeroed, disjoint, and never at pointer 0', () => {
  const arena = F32Arena.create(F32Arena.bytesFor(5) + F32Arena.bytesFor(3) + F32Arena.bytesFor(8));
  const a = arena.alloc(5);
  const b = arena.alloc(3);
  const c = arena.alloc(8);
  for (const blk of [a, b, c]) {
    assert.ok(blk.ptr > 0 && blk.ptr % 16 === 0, `pointer ${blk.ptr}`);
    assert.ok(blk.view.every((v) => v === 0));
  }
  assert.ok(b.ptr >= a.ptr + 5 * 4 && c.ptr >= b.ptr + 3 * 4);
  a.view.fill(1);
  assert.ok(b.view.every((v) => v === 0));
  // a view of the same bytes sees the same values
  assert.equal(arena.view(a.ptr, 5).view[4], 1);
});

test('arena refuses to grow past what it was sized for', () => {
  const arena = F32Arena.create(1024);
  const room = Math.floor((arena.capacity - arena.used) / 4);
  arena.alloc(room - 8);
  assert.throws(() => arena.alloc(64), /out of room/);
});

test('pad4 rounds widths up to the SIMD lane count', () => {
  assert.deepEqual([0, 1, 3, 4, 5, 118].map(pad4), [0, 4, 4, 4, 8, 120]);
});

test('a shared arena is a SharedArrayBuffer that a second handle (a worker) can run kernels on', () => {
  const arena = F32Arena.create(4096, { shared: true });
  assert.ok(arena.memory.buffer instanceof SharedArrayBuffer);
  const z = arena.alloc(8);
  const out = arena.alloc(4);
  z.view.set([1, 2, 3, 4, 10, 20, 30, 40]);
  const other = F32Arena.attach(arena.memory);
  other.kernels.colSum(z.ptr, out.ptr, 2, 4, 0);
  assert.deepEqual([...out.view], [11, 22, 33, 44]);
  assert.throws(() => other.alloc(1), /out of room/);
});
