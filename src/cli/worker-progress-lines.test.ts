import { test } from 'node:test';
import assert from 'node:assert/strict';
import { progressLines } from './worker-progress-lines.js';

test('progressLines: in a log, an idle worker writes a line every 5 min, not every second; a busy one at most every 10 s; on a terminal every offer', () => {
  let t = 0;
  const written: number[] = [];
  const offer = progressLines(() => written.push(t), { tty: false, now: () => t });
  // an hour idle, offered every second
  for (; t < 3_600_000; t += 1000) offer(`0 flows in ${t / 1000} s`, '0');
  assert.deepEqual(written, Array.from({ length: 12 }, (_, i) => i * 300_000));
  // then busy: the totals change every second for a minute
  written.length = 0;
  for (let i = 1; i <= 60; i++, t += 1000) offer(`${i} flows`, String(i));
  assert.equal(written.length, 6);
  assert.ok(written.every((w, i) => i === 0 || w - written[i - 1]! >= 10_000));

  const tty: number[] = [];
  const live = progressLines(() => tty.push(t), { tty: true, now: () => t });
  for (let i = 0; i < 5; i++, t += 1000) live('0 flows', '0');
  assert.equal(tty.length, 5);
});
