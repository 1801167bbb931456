/**
 * SourceWindows' alert keys: one key per closed window of a source. A message whose flows of a
 * source straddle the end of its open window closes that window, and its flows open the next one;
 * that next window used to start at the window of the message's earliest flow — the one just
 * closed — so both had one alert key and the store dropped the second alert (its flows, its
 * suppressed flow alerts) as "already there" (CIC-IDS2017 port scan in time order, 60-s windows,
 * 200-flow messages: 3 of 9 risky-source alerts lost, in the store and on <prefix>.alerts alike).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SourceWindows } from './source-windows.js';
import { createScoreStage, type ScoredFlows } from '../analysis/score-stage.js';
import { flowFields } from '../flows/flow-fields.js';
import { fitBaseline } from '../risk/baseline.js';
import { readDataset } from '../sources/read-dataset.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { takeTableRows } from '../flows/table.js';
import type { Finding } from '../detect/finding.js';

const skip = skipWithoutShared('datasets', 'cicids2017-sample', 'Portscan_2500.csv');

/** a CIC file read, and a scorer of the baseline fitted on the BENIGN sample (fitted once, for the tests that share it) */
const readCic = (name: string) => readDataset([sharedPath('datasets', 'cicids2017-sample', name) as string], { warn: () => undefined });
let benignScorer: Promise<{ benign: Awaited<ReturnType<typeof readCic>>; scoreOf: (t: Awaited<ReturnType<typeof readCic>>) => ScoredFlows }> | undefined;
const scorerOnBenign = () =>
  (benignScorer ??= (async () => {
    const benign = await readCic('BENIGN_2500.csv');
    const score = createScoreStage({ baseline: await fitBaseline(benign, { seed: 7, threads: 1 }), flowThreshold: 0.9 });
    return { benign, scoreOf: (t) => score.score(t, flowFields(t), new Float64Array(t.rowCount), 0) };
  })());

test('SourceWindows: every window a source closes has its own alert key, also when the closing message straddles the window end', { skip }, async () => {
  const { scoreOf } = await scorerOnBenign();
  const scan = await readCic('Portscan_2500.csv');
  const all = scoreOf(scan);
  const order = Array.from({ length: all.rows }, (_, r) => r).sort((a, b) => all.time(a) - all.time(b));
  assert.ok(Number.isFinite(all.time(order[0]!)), 'the flows have times');

  const windowMs = 60_000;
  // threshold 0: every closed window is returned
  const windows = new SourceWindows({ windowMs, maxSources: 1e6, ipThreshold: 0, ruleWeight: 1 });
  const keys: string[] = [];
  let flows = 0;
  let straddled = 0;
  for (let from = 0; from < order.length; from += 200) {
    const part = order.slice(from, from + 200);
    const s = scoreOf(takeTableRows(scan, part));
    // a message holding flows of two aligned windows (the case that lost alerts)
    if (Math.floor(s.time(0) / windowMs) !== Math.floor(s.time(s.rows - 1) / windowMs)) straddled++;
    for (const row of windows.add(s, [])) {
      keys.push(windows.alert(row, 0).key);
      flows += row.flows;
    }
  }
  for (const row of windows.finish([])) {
    keys.push(windows.alert(row, 0).key);
    flows += row.flows;
  }
  assert.ok(straddled >= 3, `${straddled} messages straddle a window end`);
  assert.ok(keys.length >= 8, `${keys.length} windows closed`);
  assert.equal(flows, order.filter((r) => all.srcIp(r) !== null).length, 'every flow in one window');
  assert.equal(new Set(keys).size, keys.length, 'one alert key per closed window: none the store would drop as already there');
});

test('SourceWindows: a busy host repeating one ordinary flow (a poller) does not reach risk 1.0 by volume alone; a flood of a little unusual flows still stands out', { skip }, async () => {
  const warn = () => undefined;
  const benign = await readDataset([sharedPath('datasets', 'cicids2017-sample', 'BENIGN_2500.csv') as string], { warn });
  const baseline = await fitBaseline(takeTableRows(benign, Array.from({ length: 1250 }, (_, i) => i)), { seed: 7, threads: 1 });
  const score = createScoreStage({ baseline, flowThreshold: 0.999 });
  const scoreOf = (t: typeof benign) => score.score(t, flowFields(t), new Float64Array(t.rowCount), 0);
  const held = takeTableRows(benign, Array.from({ length: 1250 }, (_, i) => 1250 + i));
  const s = scoreOf(held);
  // an ordinary flow: more unusual than most normal ones, but below the verdict threshold (0.95)
  let pick = -1;
  for (let r = 0; r < s.rows && pick < 0; r++) if (s.risk[r] >= 0.85 && s.risk[r] < 0.95 && s.srcIp(r) !== null) pick = r;
  assert.ok(pick >= 0, 'a benign flow of risk 0.85-0.95');
  const one = s.risk[pick];
  // the same flow every 2 s for an hour: 1,800 flows of one source in one window
  const poller = takeTableRows(held, Array.from({ length: 1800 }, () => pick));
  const ts = poller.columns.find((c) => c.name === 'Timestamp');
  assert.ok(ts && ts.kind === 'numeric');
  const t0 = Math.floor(ts.values[0] / 3_600_000) * 3_600_000;
  for (let i = 0; i < poller.rowCount; i++) ts.values[i] = t0 + i * 2000;
  const windows = new SourceWindows({ windowMs: 3_600_000, maxSources: 1e6, ipThreshold: 0, ruleWeight: 1 });
  const rows = [...windows.add(scoreOf(poller), []), ...windows.finish([])];
  assert.equal(rows.length, 1);
  assert.equal(rows[0].flows, 1800);
  // before: Σz/√n ≈ Φ⁻¹(risk)·√1800 > 40, risk 1.000000, a risky-source alert for a poller
  assert.ok(rows[0].risk < 0.9995, `1,800 flows of risk ${one.toFixed(3)}: source risk ${rows[0].risk} (${rows[0].decidedBy})`);
  // CIC-IDS2017 DDoS: 2,500 flows of ~0.98 each, none alerting on its own: still a risky source (≥ 0.99)
  const ddos = await readDataset([sharedPath('datasets', 'cicids2017-sample', 'DDoS_2500.csv') as string], { warn });
  const flood = new SourceWindows({ windowMs: 1e13, maxSources: 1e6, ipThreshold: 0, ruleWeight: 1 });
  const attackers = [...flood.add(scoreOf(ddos), []), ...flood.finish([])];
  assert.deepEqual(attackers.map((r) => r.ip), ['172.16.0.1']);
  assert.ok(attackers[0].risk >= 0.999, `DDoS source risk ${attackers[0].risk} (${attackers[0].decidedBy})`);
});

test("SourceWindows.closeEnded: a live capture's source that went quiet is told once the clock is past its window; each flow in one window, none twice", { skip }, async () => {
  const { benign, scoreOf } = await scorerOnBenign();
  // the day's ordinary traffic: many sources, most of them heard from a few times
  const all = scoreOf(benign);
  const order = Array.from({ length: all.rows }, (_, r) => r).sort((a, b) => all.time(a) - all.time(b));
  const windowMs = 60_000;
  const late = 30_000;
  // every closed window returned (-Infinity: also a source's lone ordinary flow)
  const windows = new SourceWindows({ windowMs, maxSources: 1e6, ipThreshold: -Infinity, ruleWeight: 1 });
  const closed = new Map<string, number>();
  let flows = 0;
  let byClock = 0;
  let clock = -Infinity;
  const take = (rows: ReturnType<SourceWindows['add']>, at: number, fromClock: boolean): void => {
    for (const row of rows) {
      const key = windows.alert(row, 0).key;
      assert.ok(!closed.has(key), 'no window closed twice');
      closed.set(key, at);
      flows += row.flows;
      if (fromClock) {
        byClock++;
        // told only once no flow of the window can still come, and no later than one sweep after
        assert.ok(Date.parse(row.lastSeen!) < at - late, `${row.ip}'s window closed at ${at} with a flow of ${row.lastSeen}`);
      }
    }
  };
  for (let from = 0; from < order.length; from += 100) {
    const s = scoreOf(takeTableRows(benign, order.slice(from, from + 100)));
    for (let r = 0; r < s.rows; r++) clock = Math.max(clock, s.time(r));
    // firstRow as capture gives it: a message is cut where a source's window ends
    take(windows.add(s, [], undefined, from), clock, false);
    take(windows.closeEnded(clock - late), clock, true);
  }
  const open = windows.openSources;
  take(windows.finish([]), Infinity, false);
  assert.ok(byClock >= 3, `${byClock} windows closed by the clock (sources that went quiet)`);
  assert.ok(open < closed.size, `${open} windows left for the end of ${closed.size}`);
  assert.equal(flows, order.filter((r) => all.srcIp(r) !== null).length, 'every flow in one window');
});

test('SourceWindows: a flow later than its window, closed by the clock or by eviction, opens the next window (its own key), never the closed one again', { skip }, async () => {
  const { benign, scoreOf } = await scorerOnBenign();
  const all = scoreOf(benign);
  const byTime = Array.from({ length: all.rows }, (_, r) => r).sort((a, b) => all.time(a) - all.time(b));
  // flows arriving out of time order, up to a block of 300 late: a clock that allows no lateness
  // closes windows whose flows are still to come
  const order: number[] = [];
  for (let from = 0; from < byTime.length; from += 300) order.push(...byTime.slice(from, from + 300).reverse());
  for (const evict of [false, true]) {
    // 10-minute windows over a day's sample of 2,500 flows: the busy hosts come back within one
    const windowMs = 600_000;
    // evict: few open windows at once instead of the clock, the other way a window closes early
    const windows = new SourceWindows({ windowMs, maxSources: evict ? 3 : 1e6, ipThreshold: -Infinity, ruleWeight: 1 });
    const keys = new Set<string>();
    /** per source, its latest window told: start, and whether the clock closed it */
    const latest = new Map<string, { start: number; byClock: boolean }>();
    let flows = 0;
    let twice = 0;
    const take = (rows: ReturnType<SourceWindows['add']>, byClock = false): void => {
      for (const row of rows) {
        const a = windows.alert(row, 0);
        if (keys.has(a.key)) twice++;
        keys.add(a.key);
        flows += row.flows;
        const start = Date.parse((a.input.netsentinel as { window: { start: string } }).window.start);
        if (!((latest.get(row.ip)?.start ?? -Infinity) > start)) latest.set(row.ip, { start, byClock });
      }
    };
    let clock = -Infinity;
    let early = 0;
    for (let from = 0; from < order.length; from += 10) {
      const s = scoreOf(takeTableRows(benign, order.slice(from, from + 10)));
      for (let r = 0; r < s.rows; r++) clock = Math.max(clock, s.time(r));
      take(windows.add(s, [], undefined, from));
      if (!evict) {
        const closed = windows.closeEnded(clock);
        early += closed.length;
        take(closed, true);
      }
    }
    take(windows.finish([]));
    if (evict) assert.ok(windows.evictions > 100, `${windows.evictions} evictions`);
    else assert.ok(early > 10, `${early} windows closed by the clock`);
    assert.equal(twice, 0, `${evict ? 'evicted' : 'clock'}: ${twice} windows closed twice under one key (their second alert dropped)`);
    assert.equal(flows, byTime.filter((r) => all.srcIp(r) !== null).length, 'every flow in one window');
    if (evict) continue;
    // a finding about a window the clock closed (told without it) opens that window no more (its
    // second verdict would hold nothing but the finding, which is an alert of its own); one from
    // after it opens its own
    const [ip, last] = [...latest].find(([, w]) => w.byClock)!;
    const finding = (at: number): Finding => {
      const t = new Date(at).toISOString();
      return { ruleId: 'test.rule', title: 'test', category: 'reconnaissance', severity: 3, srcIp: ip, targets: { ips: [], ipCount: 0, ports: [], portCount: 0, countsCapped: false }, firstSeen: t, lastSeen: t, count: 1, evidence: {}, rows: [], reason: 'test' };
    };
    windows.attachFindings([finding(last.start + 1000)]);
    assert.deepEqual(windows.finish([]), [], 'no second window of the time told');
    windows.attachFindings([finding(last.start + 2 * windowMs + 1000)]);
    const later = windows.finish([]);
    assert.deepEqual(later.map((r) => r.ip), [ip], 'a finding from after it opens its own window');
    assert.ok(!keys.has(windows.alert(later[0]!, 0).key));
  }
});
