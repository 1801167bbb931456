import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../models/all.js';
import { categoricalFrom, numericColumn, type FlowTable } from '../flows/table.js';
import { formatLeaderboard, rankRows, runLeaderboard, scorePrediction, type LeaderboardRow } from './leaderboard.js';
import { evaluateModel } from './evaluate-model.js';
import { trainModel } from '../models/trained-model.js';
import { voteTrainedModels } from '../models/ensemble/vote-trained.js';
import { Rng } from '../util/rng.js';

/** Three overlapping classes (so no model is perfect), one categorical column, labels with a normal class. */
function table(n: number, seed: number, extraClass = false): FlowTable {
  const rng = new Rng(seed);
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  const proto: string[] = [];
  const label: string[] = [];
  for (let i = 0; i < n; i++) {
    const k = extraClass && i % 10 === 9 ? 3 : i % 3;
    a[i] = k * 1.5 + rng.normal();
    b[i] = (k === 1 ? 2 : 0) + rng.normal();
    proto.push(k === 2 ? 'udp' : rng.next() < 0.5 ? 'tcp' : 'icmp');
    label.push(['normal', 'dos', 'probe', 'r2l'][k]);
  }
  return {
    rowCount: n,
    format: 'synthetic',
    defaultTarget: 'label',
    normalClass: 'normal',
    columns: [numericColumn('a', 'feature', a), numericColumn('b', 'feature', b), categoricalFrom('proto', 'feature', proto), categoricalFrom('label', 'label', label)],
  };
}

const train = table(300, 1);
const held = table(200, 2, true); // 'r2l' rows never seen in training

test('test mode: one row per model, a failing model is a row with its reason, ranks by macro-F1', async () => {
  const lb = await runLeaderboard(train, {
    entries: [
      { model: 'decision-tree', params: { max_depth: 1 } },
      { model: 'bagging', params: { max_samples: 5000 } }, // more rows than there are: fails at fit
      { model: 'logistic-regression', params: {} },
    ],
    train: { seed: 1, threads: 1 },
    test: held,
    vote: true,
  });
  assert.equal(lb.rows.length, 4);
  const failed = lb.rows.find((r) => r.model === 'bagging')!;
  assert.equal(failed.status, 'failed');
  assert.equal(failed.rank, null);
  assert.match(failed.error!, /5000 rows per member/);
  const ok = lb.rows.filter((r) => r.status === 'ok');
  assert.deepEqual(ok.map((r) => r.rank), [1, 2, 3]);
  for (let i = 1; i < ok.length; i++) assert.ok(ok[i - 1].macroF1 >= ok[i].macroF1, 'sorted by macro-F1');
  assert.equal(lb.rows[lb.rows.length - 1].model, 'bagging', 'failed rows come last');
  // a stump can tell at most two of three classes apart
  const stump = ok.find((r) => r.model === 'decision-tree')!;
  assert.ok(Object.values(stump.recall).some((r) => r === 0), `a depth-1 tree cannot recall every class: ${JSON.stringify(stump.recall)}`);
  assert.deepEqual(Object.keys(stump.recall).sort(), ['dos', 'normal', 'probe', 'r2l']);
  assert.equal(stump.recall.r2l, 0, 'a class absent from training is never recalled');
  assert.ok(lb.classes.includes('r2l'));
  const text = formatLeaderboard(lb);
  assert.match(text, /macro-F1/);
  assert.match(text, /bagging: .*5000 rows per member/);
});

test('the vote row is scored exactly as evaluateModel scores a model (vote of one model = the model)', async () => {
  const m = await trainModel(train, { model: 'logistic-regression', seed: 1, threads: 1 });
  const e = evaluateModel(m, held, { how: 'test', target: m.target });
  const s = scorePrediction(voteTrainedModels([m], held), held, m);
  assert.equal(s.figures.accuracy, e.summary.accuracy);
  assert.equal(s.figures.macroF1, e.summary.macroF1);
  assert.equal(s.figures.weightedF1, e.summary.weightedF1);
  assert.equal(s.figures.rocAucOvr, e.summary.rocAucOvr);
  assert.equal(s.figures.binaryRocAuc, e.summary.binaryRocAuc);
  assert.deepEqual(s.classes, e.classes);
});

test('cross-validation mode: mean and std per figure, the same folds for every model', async () => {
  const lb = await runLeaderboard(train, {
    entries: [{ model: 'decision-tree', params: {} }, { model: 'decision-tree', params: {} }],
    train: { seed: 4, threads: 1 },
    cv: 3,
  });
  assert.equal(lb.mode, 'cv');
  const [r1, r2] = lb.rows;
  assert.ok(r1.std && Number.isFinite(r1.std.macroF1));
  assert.equal(r1.macroF1, r2.macroF1, 'the same deterministic model on the same folds scores the same');
  assert.ok(r1.macroF1 > 0.5 && r1.macroF1 < 1);
});

test('ranking: undefined figures after defined ones, failures last, times ascending', () => {
  const row = (model: string, macroF1: number, fitSeconds: number, status: 'ok' | 'failed' = 'ok'): LeaderboardRow => ({
    rank: null, model, title: model, params: {}, status, accuracy: 0, macroF1, weightedF1: 0, rocAucOvr: NaN, binaryRocAuc: NaN,
    recall: {}, fitSeconds, fitCpuSeconds: fitSeconds, predictSeconds: 0,
  });
  const rows = [row('a', 0.5, 3), row('b', NaN, 1), row('c', 0.9, 2), row('d', NaN, NaN, 'failed')];
  assert.deepEqual(rankRows(rows, 'macro-f1').map((r) => `${r.model}${r.rank ?? '-'}`), ['c1', 'a2', 'b3', 'd-']);
  assert.deepEqual(rankRows(rows, 'fit-time').map((r) => r.model), ['b', 'c', 'a', 'd']);
});
