/**
 * The per-source flow-alert limit and the cap behind it (flow-alert-limit.ts): which risky flows
 * get an alert, window by window and source by source, in input order; and, against a plain
 * reference written from the documented rule, on random sequences of flows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FlowAlertGate, type FlowAlertDecision } from './flow-alert-limit.js';

const MIN = 60_000;
const decideAll = (g: FlowAlertGate, flows: readonly [string | null, number][]): FlowAlertDecision[] => flows.map(([src, t]) => g.decide(src, t));

test('window boundaries: floor(time / window), epoch-aligned; a window gone back to keeps its count', () => {
  const g = new FlowAlertGate({ perSource: 2, windowSeconds: 60 }, 0);
  const base = 1_700_000_000_000 - (1_700_000_000_000 % MIN); // the start of a UTC minute
  assert.deepEqual(
    decideAll(g, [
      ['a', base], // window k: 1st
      ['a', base + MIN - 1], // still window k (its last millisecond): 2nd
      ['a', base + 30_000], // window k: 3rd, over the limit
      ['a', base + MIN], // window k+1 starts exactly here: 1st
      ['a', base + 59_999], // back to window k: its count is kept, not restarted
      ['a', base + MIN + 1], // window k+1: 2nd
      ['a', base + 2 * MIN - 1], // window k+1: 3rd
      ['a', base - 1], // window k-1: 1st
    ]),
    ['written', 'written', 'suppressed', 'written', 'suppressed', 'written', 'suppressed', 'written'],
  );
  assert.deepEqual(g.ofSource('a'), { written: 5, suppressed: 3, leftOut: 0 });
  // windows are aligned to the epoch, not to the source's first flow: 30 s into a minute and 40 s later are two windows
  const h = new FlowAlertGate({ perSource: 1, windowSeconds: 60 }, 0);
  assert.deepEqual(decideAll(h, [['b', base + 30_000], ['b', base + 70_000], ['b', base + 89_000]]), ['written', 'written', 'suppressed']);
  // negative times (before 1970) floor downwards, to their own window
  const n = new FlowAlertGate({ perSource: 1, windowSeconds: 60 }, 0);
  assert.deepEqual(decideAll(n, [['c', -1], ['c', 0], ['c', -MIN], ['c', -MIN - 1]]), ['written', 'written', 'suppressed', 'written']);
});

test('per-source independence: a source over its limit takes nothing from another', () => {
  const g = new FlowAlertGate({ perSource: 3, windowSeconds: 60 }, 0);
  const scan: [string, number][] = Array.from({ length: 1000 }, (_, i) => ['10.0.0.1', i * 10]);
  const d = decideAll(g, [...scan, ['10.0.0.2', 5000], ['10.0.0.2', 5001], ['10.0.0.1', 5002], ['10.0.0.2', 5003], ['10.0.0.2', 5004]]);
  assert.deepEqual(d.slice(0, 4), ['written', 'written', 'written', 'suppressed']);
  assert.deepEqual(d.slice(1000), ['written', 'written', 'suppressed', 'written', 'suppressed']);
  assert.deepEqual(g.ofSource('10.0.0.1'), { written: 3, suppressed: 998, leftOut: 0 });
  assert.deepEqual(g.ofSource('10.0.0.2'), { written: 3, suppressed: 1, leftOut: 0 });
  assert.equal(g.ofSource('10.0.0.3'), undefined, 'a source with no risky flow has no record');
  assert.equal(g.written, 6);
  assert.equal(g.suppressed, 999);
  assert.equal(g.suppressedSources(), 2);
});

test('N = 0 (or no limit given) is off: every risky flow is written up to the cap, nothing kept per source', () => {
  for (const limit of [{ perSource: 0, windowSeconds: 60 }, undefined]) {
    const g = new FlowAlertGate(limit, 0);
    assert.equal(g.limited, false);
    assert.deepEqual(decideAll(g, Array.from({ length: 50 }, (_, i) => ['a', i] as [string, number])), Array(50).fill('written'));
    assert.equal(g.suppressed, 0);
    assert.equal(g.ofSource('a'), undefined);
    // the cap alone, as before the limit existed: the first N in input order
    const c = new FlowAlertGate(limit, 3);
    assert.deepEqual(decideAll(c, [['a', 0], ['b', 0], ['a', 1], ['c', 0], ['a', 2]]), ['written', 'written', 'written', 'leftOut', 'leftOut']);
    assert.equal(c.leftOut, 2);
  }
});

test('order: the first N of a source in a window, in input order, whatever their times within the window', () => {
  const g = new FlowAlertGate({ perSource: 2, windowSeconds: 60 }, 0);
  // later in time but earlier in input: still the ones alerted
  assert.deepEqual(decideAll(g, [['a', 50_000], ['a', 40_000], ['a', 10_000], ['a', 0]]), ['written', 'written', 'suppressed', 'suppressed']);
});

test('flows without a time share one window per source; window 0 is the whole run; flows without a source are not limited', () => {
  const g = new FlowAlertGate({ perSource: 2, windowSeconds: 60 }, 0);
  assert.deepEqual(decideAll(g, [['a', NaN], ['a', 0], ['a', NaN], ['a', NaN], ['a', 1]]), ['written', 'written', 'written', 'suppressed', 'written']);
  const whole = new FlowAlertGate({ perSource: 2, windowSeconds: 0 }, 0);
  assert.deepEqual(decideAll(whole, [['a', 0], ['a', 10 * 86_400_000], ['a', -5], ['a', NaN]]), ['written', 'written', 'suppressed', 'written']);
  const anon = new FlowAlertGate({ perSource: 1, windowSeconds: 60 }, 0);
  assert.deepEqual(decideAll(anon, [[null, 0], [null, 1], [null, 2]]), ['written', 'written', 'written']);
  assert.equal(anon.written, 3);
  assert.equal(anon.suppressedSources(), 0);
});

test('the cap after the limit: a flow over its limit is suppressed, not left out; the cap counts only flows the limit let through', () => {
  const g = new FlowAlertGate({ perSource: 2, windowSeconds: 60 }, 3);
  assert.deepEqual(decideAll(g, [['a', 0], ['a', 1], ['a', 2], ['b', 0], ['b', 1], ['b', 2], ['c', 0]]), ['written', 'written', 'suppressed', 'written', 'leftOut', 'suppressed', 'leftOut']);
  assert.deepEqual([g.written, g.suppressed, g.leftOut], [3, 2, 2]);
  assert.deepEqual(g.ofSource('b'), { written: 1, suppressed: 1, leftOut: 1 });
  assert.deepEqual(g.ofSource('c'), { written: 0, suppressed: 0, leftOut: 1 });
});

/** The rule as the docs state it, written the plain way: a count per (source, window) key. */
function reference(flows: readonly [string | null, number][], perSource: number, windowSeconds: number, cap: number): FlowAlertDecision[] {
  const counts = new Map<string, number>();
  let written = 0;
  return flows.map(([src, t]) => {
    if (perSource > 0 && src !== null) {
      const key = `${src}|${Number.isFinite(t) ? (windowSeconds > 0 ? Math.floor(t / (windowSeconds * 1000)) : 'run') : 'no time'}`;
      const n = counts.get(key) ?? 0;
      if (n >= perSource) return 'suppressed';
      counts.set(key, n + 1);
    }
    if (cap > 0 && written >= cap) return 'leftOut';
    written++;
    return 'written';
  });
}

test('against the plain reference on random flows: the same decision for every flow, and written + suppressed + left out adds up, overall and per source', () => {
  // times span at most 16 windows of any size drawn (the gate keeps 16 other windows per source; the test below covers more)
  const flow = fc.tuple(fc.option(fc.constantFrom('a', 'b', 'c', 'd'), { freq: 8 }), fc.oneof(fc.integer({ min: -200_000, max: 250_000 }), fc.constant(NaN)));
  fc.assert(
    fc.property(fc.array(flow, { maxLength: 300 }), fc.integer({ min: 0, max: 5 }), fc.constantFrom(0, 1, 30, 60), fc.integer({ min: 0, max: 60 }), (drawn, perSource, windowSeconds, cap) => {
      const flows = windowSeconds === 1 ? drawn.map(([s, t]): [string | null, number] => [s, Math.trunc(t / 30)]) : drawn;
      const g = new FlowAlertGate({ perSource, windowSeconds }, cap);
      const got = decideAll(g, flows);
      assert.deepEqual(got, reference(flows, perSource, windowSeconds, cap));
      const count = (d: FlowAlertDecision): number => got.filter((x) => x === d).length;
      assert.deepEqual([g.written, g.suppressed, g.leftOut], [count('written'), count('suppressed'), count('leftOut')]);
      if (perSource > 0) {
        for (const src of ['a', 'b', 'c', 'd']) {
          const mine = got.filter((_, i) => flows[i][0] === src);
          const s = g.ofSource(src) ?? { written: 0, suppressed: 0, leftOut: 0 };
          assert.deepEqual(s, { written: mine.filter((x) => x === 'written').length, suppressed: mine.filter((x) => x === 'suppressed').length, leftOut: mine.filter((x) => x === 'leftOut').length });
        }
      }
    }),
    { numRuns: 500 },
  );
});

test('a source keeps the counts of at most 16 other windows: a live capture moving forward for days holds no more', () => {
  const g = new FlowAlertGate({ perSource: 1, windowSeconds: 60 }, 0);
  // one risky flow a minute for 100 minutes, each written
  for (let k = 0; k < 100; k++) assert.equal(g.decide('a', k * MIN), 'written');
  // the last 16 windows before the current one are still counted: going back to one is suppressed
  assert.equal(g.decide('a', 90 * MIN), 'suppressed');
  // window 10 was forgotten long ago: going back that far restarts its count (one more alert there)
  assert.equal(g.decide('a', 10 * MIN), 'written');
  const internals = (g as unknown as { sources: Map<string, { other?: Map<number, number> }> }).sources.get('a');
  assert.ok((internals?.other?.size ?? 0) <= 16, `kept ${internals?.other?.size} windows`);
});

test('bound (a stream worker): at most maxSources sources kept, the least recently limited forgotten and counted; a forgotten source starts its window again', () => {
  let told = 0;
  const g = new FlowAlertGate({ perSource: 1, windowSeconds: 60 }, 0, { maxSources: 2, onEvict: (n) => (told += n) });
  assert.deepEqual(decideAll(g, [['a', 0], ['b', 0], ['a', 1]]), ['written', 'written', 'suppressed']);
  // a was limited after b: b is the least recent and goes when c comes
  assert.equal(g.decide('c', 0), 'written');
  assert.deepEqual([g.trackedSources, g.evictions, told], [2, 1, 1]);
  assert.equal(g.ofSource('b'), undefined);
  assert.equal(g.decide('a', 2), 'suppressed', 'a kept its count');
  // b forgotten: its window's count starts again (the cost of the bound: one more alert)
  assert.equal(g.decide('b', 1), 'written');
  assert.deepEqual([g.trackedSources, g.evictions, told], [2, 2, 2]);
  assert.throws(() => new FlowAlertGate({ perSource: 1, windowSeconds: 60 }, 0, { maxSources: 0 }), /maxSources must be at least 1/);
});

test('bound not reached: the same decisions as without it (the reordering it does changes nothing)', () => {
  const flow = fc.tuple(fc.option(fc.constantFrom('a', 'b', 'c', 'd', 'e'), { freq: 8 }), fc.integer({ min: 0, max: 400_000 }));
  fc.assert(
    fc.property(fc.array(flow, { maxLength: 200 }), fc.integer({ min: 1, max: 4 }), (flows, perSource) => {
      const bounded = new FlowAlertGate({ perSource, windowSeconds: 60 }, 0, { maxSources: 5 });
      assert.deepEqual(decideAll(bounded, flows), reference(flows, perSource, 60, 0));
      assert.equal(bounded.evictions, 0);
    }),
    { numRuns: 300 },
  );
});

test('per target: at most perTarget flow alerts towards one host per window, however many sources send them (a flood from forged sources)', () => {
  const g = new FlowAlertGate({ perSource: 10, windowSeconds: 60, perTarget: 5 }, 0);
  // 50 forged sources, one SYN each, all to 10.0.0.5 within a second; then a flow to another host
  const flood = Array.from({ length: 50 }, (_, i) => g.decide(`198.51.${i >> 8}.${i & 255}`, 1000 + i, '10.0.0.5'));
  assert.deepEqual(flood, [...Array(5).fill('written'), ...Array(45).fill('suppressed')]);
  assert.equal(g.decide('203.0.113.9', 2000, '10.0.0.6'), 'written', 'another target has its own count');
  assert.equal(g.written, 6);
  assert.equal(g.suppressed, 45);
  assert.equal(g.suppressedByTarget, 45);
  assert.deepEqual(g.suppressedTargets(), [{ ip: '10.0.0.5', suppressed: 45 }]);
  // counted for each source too: written + suppressed + left out = its risky flows
  assert.deepEqual(g.ofSource('198.51.0.49'), { written: 0, suppressed: 1, leftOut: 0 });
  assert.deepEqual(g.ofSource('198.51.0.0'), { written: 1, suppressed: 0, leftOut: 0 });
  assert.equal(g.suppressedSources(), 45);
  // the senders towards the flooded host, whether their flow got an alert or not, are known only as flood senders
  assert.equal(g.floodSender('198.51.0.49'), true);
  assert.equal(g.floodSender('198.51.0.0'), true, 'one of the first, whose flow had an alert: as forged as the rest');
  assert.equal(g.floodSender('203.0.113.9'), false, 'its target was not flooded');
  assert.equal(g.floodSender('192.0.2.1'), false, 'no risky flow at all');
  // the next window of the target starts afresh
  assert.equal(g.decide('198.51.0.1', 61_000, '10.0.0.5'), 'written');
  // a source with flows to two hosts is not one
  g.decide('198.51.0.2', 62_000, '10.0.0.6');
  assert.equal(g.floodSender('198.51.0.2'), false);
});

test('per target: a flow held back by its target does not use up its source\'s count; the source limit is checked first', () => {
  const g = new FlowAlertGate({ perSource: 2, windowSeconds: 0, perTarget: 1 }, 0);
  assert.deepEqual(
    [g.decide('a', 0, 'x'), g.decide('a', 1, 'x'), g.decide('a', 2, 'y'), g.decide('a', 3, 'z'), g.decide('b', 4, 'z')],
    // a→x written; a→x over x's limit (a's count stays 1); a→y written (a's 2nd); a→z over a's limit; b→z: z's first
    ['written', 'suppressed', 'written', 'suppressed', 'written'],
  );
  assert.equal(g.floodSender('a'), false, 'a sent to three hosts, one flow over its own limit');
  // a bot of a real flood sends more than its own limit: not a flood sender
  const h = new FlowAlertGate({ perSource: 2, windowSeconds: 0, perTarget: 3 }, 0);
  for (let i = 0; i < 5; i++) h.decide('bot', i, 'v');
  for (let i = 0; i < 5; i++) h.decide(`forged-${i}`, 10 + i, 'v');
  assert.equal(h.floodSender('bot'), false);
  assert.equal(h.floodSender('forged-4'), true);
  assert.equal(g.suppressedByTarget, 1, 'only the a→x flow was held back by its target');
  assert.deepEqual(g.suppressedTargets(), [{ ip: 'x', suppressed: 1 }]);
  // flows without a destination are not limited by target; per-source 0 with a per-target limit still limits by target
  const t = new FlowAlertGate({ perSource: 0, windowSeconds: 60, perTarget: 2 }, 0);
  assert.equal(t.limited, true);
  assert.deepEqual(['a', 'b', 'c'].map((s, i) => t.decide(s, i, 'x')), ['written', 'written', 'suppressed']);
  assert.deepEqual(['a', 'b', 'c'].map((s, i) => t.decide(s, i, null)), ['written', 'written', 'written']);
  assert.deepEqual(t.ofSource('c'), { written: 1, suppressed: 1, leftOut: 0 });
});

test('per target under a bound (a stream worker): at most maxSources targets kept, the least recently limited forgotten and counted', () => {
  let told = 0;
  const g = new FlowAlertGate({ perSource: 0, windowSeconds: 0, perTarget: 1 }, 0, { maxSources: 2, onEvict: (n) => (told += n) });
  assert.deepEqual([g.decide(null, 0, 'x'), g.decide(null, 1, 'y'), g.decide(null, 2, 'x'), g.decide(null, 3, 'z')], ['written', 'written', 'suppressed', 'written']);
  // z pushed out y (x was limited more recently): y starts afresh, x is still over its limit
  assert.equal(told, 1);
  assert.equal(g.evictions, 1);
  assert.deepEqual([g.decide(null, 4, 'y'), g.decide(null, 5, 'z')], ['written', 'suppressed']);
});
