/**
 * UnansweredRequests, the episode table of arp.scan and packet.ping-sweep: which episode a full
 * table closes first (the least recently active sender's), that an episode restarted after a
 * quiet window counts as the newest, and that ended episodes are closed as time goes on (a drop
 * counted as an eviction only when the episode was still within its window).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { askedAddresses, askedCount, UnansweredRequests } from './unanswered-requests.js';

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
  askMany(t, 'c', 41 * S);
  // a's first episode and b's ended (10 s windows) and were closed at 40 s, so c found room: nothing
  // was dropped while it mattered (before: b was dropped from the full table and counted)
  assert.equal(t.evictions, 0);
  const open = t.crossed().map((ep) => `${ep.sender}@${ep.first / S}`);
  assert.deepEqual(open, ['a@0', 'b@20', 'a@40', 'c@41']);
});

test('episodes past their window are closed as packet time goes on, and only the drop of one still within its window is an eviction', () => {
  const t = table();
  askMany(t, 'a', 0);
  askMany(t, 'b', 1 * S);
  // a day later, two other senders: a's and b's episodes ended long ago and are closed, not dropped
  askMany(t, 'c', 86_400 * S);
  askMany(t, 'd', 86_401 * S);
  assert.equal(t.evictions, 0);
  // a fifth sender while c and d are within their window: the table is full, c (least recently active) goes, counted
  askMany(t, 'e', 86_402 * S);
  assert.equal(t.evictions, 1);
  assert.deepEqual(t.crossed().map((ep) => ep.sender), ['a', 'b', 'c', 'd', 'e']);
  // an answer for a closed episode changes nothing (no episode to reopen)
  t.answer('a', 'a-target-0');
  assert.equal(t.crossed()[0].answered, 0);
});

test('answers count once per address asked, the first address too: before and after a second one is asked', () => {
  const t = table();
  // a asks x, x answers (twice), y answers without being asked; then a asks y and z
  t.ask('a', 'x', 0, () => null);
  t.answer('a', 'x');
  t.answer('a', 'x');
  t.answer('a', 'y');
  t.ask('a', 'x', 1, () => null);
  t.ask('a', 'y', 2, () => null);
  t.ask('a', 'z', 3, () => null);
  // x answers again: it had answered already
  t.answer('a', 'x');
  // unanswered y and z, more than hosts (1): a counts, x's answer kept across, counted once
  let [ep] = t.crossed();
  assert.equal(ep.sender, 'a');
  assert.deepEqual(askedAddresses(ep), ['x', 'y', 'z']);
  assert.equal(askedCount(ep), 3);
  assert.equal(ep.answered, 1);
  assert.equal(ep.requests, 4);
  // y answers now (and again): one unanswered, not more than hosts
  t.answer('a', 'y');
  t.answer('a', 'y');
  assert.equal(t.crossed().length, 0);
  // b asks only w, never answered: one address can never count; the answer to another requester does not reach it
  t.ask('b', 'w', 4, () => null);
  t.answer('c', 'w');
  t.ask('b', 'v', 5, () => null);
  t.ask('b', 'u', 6, () => null);
  [ep] = t.crossed();
  assert.equal(ep.sender, 'b');
  assert.equal(ep.answered, 0);
  assert.deepEqual(askedAddresses(ep), ['w', 'v', 'u']);
});
