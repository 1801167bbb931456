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
