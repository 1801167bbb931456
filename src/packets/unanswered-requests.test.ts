/**
 * UnansweredRequests, the episode table of arp.scan and packet.ping-sweep: which episode a full
 * table closes first (the least recently active sender's), and that an episode restarted after a
 * quiet window counts as the newest.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UnansweredRequests } from './unanswered-requests.js';

const S = 1_000_000;
const limits = { maxGroupsPerRule: 2, maxTrackedDistinct: 100 };

/** a table of two senders at most; `hosts` 1: two unanswered addresses make an episode count */
function table(): UnansweredRequests<null> {
  return new UnansweredRequests<null>({ hosts: 1, windowSeconds: 10 }, limits);
}

/** `sender` asks for n addresses of its own at `ts` */
function askMany(t: UnansweredRequests<null>, sender: string, ts: number, n = 3): void {
  for (let i = 0; i < n; i++) t.ask(sender, `${sender}-target-${i}`, ts + i, () => null);
}

test('a full table closes the least recently active sender, however often the newest asks', () => {
  const t = table();
  askMany(t, 'a', 0);
  askMany(t, 'b', 1 * S);
  askMany(t, 'a', 2 * S); // a is the newest again
  askMany(t, 'c', 3 * S); // the table is full: b goes
  assert.equal(t.evictions, 1);
  // b's episode was closed (and kept, it had crossed); a and c are still open
  assert.deepEqual(t.crossed().map((ep) => ep.sender), ['b', 'a', 'c']);
});

test('an episode restarted after a quiet window is the newest, not kept in its old place', () => {
  const t = table();
  askMany(t, 'a', 0);
  askMany(t, 'b', 20 * S);
  askMany(t, 'a', 40 * S); // 40 s after its last request: a new episode of a, the newest
  askMany(t, 'c', 41 * S); // the table is full: b, the least recently active, goes (before: a's new episode)
  assert.equal(t.evictions, 1);
  const open = t.crossed().map((ep) => `${ep.sender}@${ep.first / S}`);
  // a's first episode closed when it restarted, b's by eviction; a's second and c's are open
  assert.deepEqual(open, ['a@0', 'b@20', 'a@40', 'c@41']);
});
