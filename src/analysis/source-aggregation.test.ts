/**
 * Per-source aggregation: what a source's row says about the detectors and classes that fired on
 * its flows (counts, order, sources without any), batch after batch.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSourceAggregation } from './source-aggregation.js';
import type { ScoredFlows } from './score-stage.js';
import type { Finding } from '../detect/finding.js';
import type { IpRow } from '../report/analysis-result.js';
import { zOf } from '../risk/fusion.js';

/** a scored batch: per row its source, risk and each detector's p (in `detectors` order) */
function scored(detectors: string[], rows: { src: string | null; risk: number; p: number[]; cls?: string; z?: number }[]): ScoredFlows {
  const n = rows.length;
  // the source column as a scored batch has it (codes into a dictionary): the aggregation reads it by code
  const dictionary = [...new Set(rows.map((r) => r.src).filter((s) => s !== null))];
  const codes = Int32Array.from(rows, (r) => (r.src === null ? -1 : dictionary.indexOf(r.src)));
  return {
    rows: n,
    fields: { rowCount: n, srcIp: { codes, dictionary } },
    detectors,
    p: detectors.map((_d, j) => Float64Array.from(rows.map((r) => r.p[j]))),
    risk: Float64Array.from(rows.map((r) => r.risk)),
    z: Float64Array.from(rows.map((r) => r.z ?? (r.risk > 0.5 ? 3 : -1))),
    attackClass: rows.map((r) => r.cls),
    flowThreshold: 0.99,
    srcIp: (r: number) => rows[r].src,
    time: (r: number) => Date.UTC(2024, 0, 1) + r * 1000,
  } as unknown as ScoredFlows;
}

/** a finding of rule `ruleId` about `srcIp` (null: about no source) whose reason names both */
function finding(srcIp: string | null, ruleId: string, severity: Finding['severity'] = 2): Finding {
  return {
    ruleId,
    title: 'a rule',
    category: 'reconnaissance',
    severity,
    srcIp,
    targets: { ips: [], ipCount: 0, ports: [], portCount: 0, countsCapped: false },
    firstSeen: '2024-01-01T00:00:00.000Z',
    lastSeen: '2024-01-01T00:01:00.000Z',
    count: 1,
    reason: `${ruleId} about ${srcIp}`,
    evidence: {},
    rows: [],
  };
}

test('detectors fired are counted per source, most flows first, ties in the order they first fired', () => {
  const agg = createSourceAggregation();
  const dets = ['isolation-forest', 'autoencoder', 'one-class-svm'];
  agg.add(
    scored(dets, [
      { src: '10.0.0.1', risk: 0.995, p: [0.1, 0.1, 0.999] },
      { src: '10.0.0.1', risk: 0.999, p: [0.995, 0.1, 0.999] },
      { src: '10.0.0.2', risk: 0.2, p: [0.1, 0.2, 0.3] },
      { src: null, risk: 1, p: [1, 1, 1] },
    ]),
  );
  // a later batch with its own detectors array (same names): counts carry on by name
  agg.add(
    scored([...dets], [
      { src: '10.0.0.1', risk: 0.999, p: [0.1, 0.999, 0.1], cls: 'PortScan' },
      { src: '10.0.0.1', risk: 0.999, p: [0.999, 0.1, 0.1], cls: 'PortScan' },
      { src: '10.0.0.3', risk: 0.999, p: [0.1, 0.999, 0.999], cls: 'DDoS' },
    ]),
  );
  const rows = agg.rows([], new Map(), 1);
  const one = rows.find((r) => r.ip === '10.0.0.1')!;
  assert.equal(one.flows, 4);
  assert.equal(one.riskyFlows, 4);
  // one-class-svm fired first and twice, isolation-forest twice after it, autoencoder once
  assert.deepEqual(Object.entries(one.detectorsFired), [
    ['one-class-svm', 2],
    ['isolation-forest', 2],
    ['autoencoder', 1],
  ]);
  assert.deepEqual(one.attackClasses, { PortScan: 2 });
  assert.ok(one.reasons.includes('detectors fired: one-class-svm on 2 flows, isolation-forest on 2 flows, autoencoder on 1 flow'), one.reasons.join(' | '));
  assert.ok(one.reasons.includes('classifier: PortScan ×2'));
  const quiet = rows.find((r) => r.ip === '10.0.0.2')!;
  assert.deepEqual(quiet.detectorsFired, {});
  assert.deepEqual(quiet.attackClasses, {});
  assert.ok(!quiet.reasons.some((t) => t.startsWith('detectors fired') || t.startsWith('classifier')));
  const third = rows.find((r) => r.ip === '10.0.0.3')!;
  assert.deepEqual(Object.entries(third.detectorsFired), [
    ['autoencoder', 1],
    ['one-class-svm', 1],
  ]);
  assert.deepEqual(agg.sources(), ['10.0.0.1', '10.0.0.2', '10.0.0.3']);
  // take() gives the same row and forgets the source
  const taken = agg.take(['10.0.0.1'], [], 1)[0];
  assert.deepEqual(taken.detectorsFired, one.detectorsFired);
  assert.deepEqual(agg.sources(), ['10.0.0.2', '10.0.0.3']);
});

/** a source of one flow below the flow threshold (0.99 here) with no finding or other evidence: never a risky source */
const loneOrdinary = (r: IpRow, extra: ReadonlyMap<string, unknown> = new Map()): boolean => r.flows === 1 && r.riskyFlows === 0 && r.rules.length === 0 && !extra.has(r.ip);

test('riskyRows is rows() filtered at the risk but for lone ordinary flows (same rows, same order, ties by address) and counts every source', () => {
  const agg = createSourceAggregation();
  const dets = ['isolation-forest'];
  // many sources alike (equal risks: the order falls to the addresses), some risky, v4 and v6
  const flows: { src: string | null; risk: number; p: number[] }[] = [];
  for (let i = 0; i < 60; i++) {
    const src = i % 3 === 0 ? `2001:db8::${(97 - i).toString(16)}` : `10.0.${i % 7}.${200 - i}`;
    flows.push({ src, risk: i % 4 === 0 ? 0.999 : 0.3, p: [i % 4 === 0 ? 0.999 : 0.2] });
    if (i % 5 === 0) flows.push({ src, risk: 0.5, p: [0.4] });
  }
  agg.add(scored(dets, flows));
  // findings of three severities (the file's finding(), one rule per severity)
  const about = (srcIp: string, severity: 1 | 2 | 3): Finding => finding(srcIp, `rule.${severity}`, severity);

  // findings about a source with flows and about one the flows never saw; other evidence about one
  const findings = [about('10.0.1.199', 1), about('10.0.1.199', 2), about('192.0.2.9', 2), about('2001:db8::61', 3)];
  const extra = new Map([['10.0.2.198', [{ source: 'intel:test', p: 0.9999, weight: 1, reason: 'on a list' }]]]);
  const all = agg.rows(findings, extra, 1);
  assert.equal(all.length, new Set([...flows.map((f) => f.src).filter((s) => s !== null), '192.0.2.9']).size);
  const risks = [...new Set(all.map((r) => r.risk))].sort((a, b) => a - b);
  assert.ok(risks.length >= 3, 'several risk levels, each with ties');
  for (const min of [-Infinity, 0, ...risks, risks.at(-1)! + 1e-9, 0.99]) {
    const picked = agg.riskyRows(findings, extra, 1, min);
    assert.equal(picked.sources, all.length);
    assert.deepEqual(picked.rows, min === -Infinity ? all : all.filter((r) => r.risk >= min && !loneOrdinary(r, extra)), `at ${min}`);
  }
});

test("take() gives each source rows()'s row with the findings about it alone, in their order, and forgets it", () => {
  const make = () => {
    const agg = createSourceAggregation();
    agg.add(
      scored(['isolation-forest'], [
        { src: '10.0.0.1', risk: 0.999, p: [0.999] },
        { src: '10.0.0.2', risk: 0.3, p: [0.2] },
        { src: '10.0.0.3', risk: 0.5, p: [0.4] },
      ]),
    );
    return agg;
  };
  // interleaved findings about several sources, one about no source, a rule seen twice
  const findings = [finding('10.0.0.2', 'b'), finding('10.0.0.1', 'a'), finding(null, 'x'), finding('10.0.0.2', 'c'), finding('10.0.0.2', 'b'), finding('10.0.0.3', 'd')];
  const want = new Map(make().rows(findings, new Map(), 1).map((r) => [r.ip, r]));
  const agg = make();
  const taken = agg.take(['10.0.0.2', '10.0.0.1'], findings, 1);
  assert.deepEqual(taken, [want.get('10.0.0.2'), want.get('10.0.0.1')]);
  assert.deepEqual(taken[0].reasons.slice(0, 3), ['b about 10.0.0.2', 'c about 10.0.0.2', 'b about 10.0.0.2']);
  assert.deepEqual(taken[0].rules, ['b', 'c']);
  assert.deepEqual(agg.sources(), ['10.0.0.3']);
});

test('takeRisky is take() filtered at the risk but for lone ordinary flows (same rows, same order) and forgets every source asked', () => {
  const make = () => {
    const agg = createSourceAggregation();
    const flows: { src: string | null; risk: number; p: number[] }[] = [];
    for (let i = 0; i < 40; i++) flows.push({ src: `10.0.${i % 5}.${i % 8}`, risk: i % 6 === 0 ? 0.999 : 0.2 + (i % 7) / 20, p: [i % 6 === 0 ? 0.999 : 0.1] });
    agg.add(scored(['isolation-forest'], flows));
    return agg;
  };
  // a source of the flows raised by a finding, one the flows never saw, sources asked in no order
  const findings = [finding('10.0.3.3', 'a', 1), finding('192.0.2.1', 'b', 1), finding('10.0.3.3', 'c', 1)];
  const ask = ['10.0.4.7', '10.0.3.3', '192.0.2.1', '10.0.0.0', '10.0.1.1', '10.0.2.2', '10.0.0.6'];
  const all = make().take(ask, findings, 1);
  const risks = [...new Set(all.map((r) => r.risk))].sort((a, b) => a - b);
  assert.ok(risks.length >= 3 && all.some((r) => r.risk < risks.at(-1)!), 'several risk levels');
  for (const min of [-Infinity, 0, ...risks, risks.at(-1)! + 1e-9]) {
    const agg = make();
    assert.deepEqual(agg.takeRisky(ask, findings, 1, min), min === -Infinity ? all : all.filter((r) => r.risk >= min && !loneOrdinary(r)), `at ${min}`);
    assert.ok(!agg.sources().some((s) => ask.includes(s)), 'every source asked is forgotten, risky or not');
    assert.equal(agg.sources().length, make().sources().length - ask.filter((s) => make().sources().includes(s)).length);
  }
});

test('counts in a source\'s reasons are written with thousands separators', () => {
  const agg = createSourceAggregation();
  const rows = Array.from({ length: 2500 }, (_v, i) => ({ src: '10.0.0.7', risk: i < 1996 ? 0.999 : 0.1, p: [i < 1200 ? 0.999 : 0.1], cls: i < 1500 ? 'PortScan' : undefined }));
  agg.add(scored(['isolation-forest'], rows));
  const r = agg.rows([], new Map(), 1)[0];
  assert.ok(r.reasons.some((t) => t.startsWith('1,996 of 2,500 flows above the flow risk threshold')), r.reasons.join(' | '));
  assert.ok(r.reasons.includes('detectors fired: isolation-forest on 1,200 flows'), r.reasons.join(' | '));
  assert.ok(r.reasons.includes('classifier: PortScan ×1,500'), r.reasons.join(' | '));
});

test('"many mildly unusual flows add up" only when the flows besides the most unusual one add up', () => {
  const agg = createSourceAggregation();
  // one far-out flow and an ordinary one: the volume view wins (3.04 against a peak of 3.7 less the
  // 0.67 expected of two flows), but nothing "adds up": the risky flow is the reason
  const pair = [
    { src: '10.0.0.1', risk: 0.9999, p: [0.9999], z: 3.7 },
    { src: '10.0.0.1', risk: 0.86, p: [0.5], z: 1.1 },
  ];
  // many flows each a little unusual: they do add up (to about twice their mean z: fusion.ts's ρ)
  const many = Array.from({ length: 400 }, () => ({ src: '10.0.0.2', risk: 0.93, p: [0.5], z: 1.5 }));
  // three unusual flows, none over the flow threshold, the volume above the peak
  const three = [2.5, 1.5, 1.2].map((z) => ({ src: '10.0.0.3', risk: 0.95, p: [0.5], z }));
  agg.add(scored(['isolation-forest'], [...pair, ...many, ...three]));
  const rows = new Map(agg.rows([], new Map(), 1).map((r) => [r.ip, r]));
  const one = rows.get('10.0.0.1')!;
  assert.equal(one.decidedBy, 'volume');
  assert.ok(one.reasons.some((t) => t.startsWith('1 of 2 flows above the flow risk threshold')), one.reasons.join(' | '));
  assert.ok(!one.reasons.some((t) => /add up|together/.test(t)), one.reasons.join(' | '));
  assert.ok(rows.get('10.0.0.2')!.reasons.includes('many mildly unusual flows add up (volume z 3.0 over 400 flows)'), rows.get('10.0.0.2')!.reasons.join(' | '));
  assert.deepEqual(rows.get('10.0.0.3')!.reasons, ['its 3 flows together are unusual (volume z 2.5; the most unusual flow z 2.5)']);
});

test('a source of one flow below the flow threshold, with nothing else about it, is not a risky source at the lower source threshold', () => {
  // its risk is its one flow's (0.995, as ~1 % of normal flows): listing it at thresholds.ip 0.99
  // alerted on a flow that thresholds.flow (0.999 in analyze; 0.99 in this file's scored()) does not
  const make = (): ReturnType<typeof createSourceAggregation> => {
    const agg = createSourceAggregation();
    const flows = [
      { src: '10.0.0.1', risk: 0.985, p: [0.9], z: zOf(0.985) }, // lone, below the flow threshold 0.99
      { src: '10.0.0.2', risk: 0.995, p: [0.9], z: zOf(0.995) }, // lone, a risky flow: listed
      { src: '10.0.0.3', risk: 0.985, p: [0.9], z: zOf(0.985) }, // lone, but a finding about it: listed
      { src: '10.0.0.4', risk: 0.985, p: [0.9], z: zOf(0.985) }, // lone, but other evidence about it: listed
      { src: '10.0.0.5', risk: 0.985, p: [0.9], z: zOf(0.985) }, // two flows: its risk is its own view of both
      { src: '10.0.0.5', risk: 0.985, p: [0.9], z: zOf(0.985) },
    ];
    agg.add(scored(['isolation-forest'], flows));
    return agg;
  };
  const findings = [finding('10.0.0.3', 'rule.4', 4)];
  const extra = new Map([['10.0.0.4', [{ source: 'intel:test', p: 0.5, weight: 1, reason: 'on a list' }]]]);
  const all = make().rows(findings, extra, 1);
  assert.equal(all.length, 5, 'rows() lists every source, its risk unchanged');
  assert.ok(Math.abs(all.find((r) => r.ip === '10.0.0.1')!.risk - 0.985) < 1e-9);
  const risky = make().riskyRows(findings, extra, 1, 0.98);
  assert.equal(risky.sources, 5);
  assert.deepEqual(risky.rows.map((r) => r.ip).sort(), ['10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5']);
  // a stream worker's closed windows: the same rule
  const taken = make().takeRisky(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.5'], findings, 1, 0.98);
  assert.deepEqual(taken.map((r) => r.ip).sort(), ['10.0.0.2', '10.0.0.3', '10.0.0.5']);
});

test("first_seen and last_seen are a source's first and last evidence, its findings' as well as its flows'", () => {
  const agg = createSourceAggregation();
  agg.add(
    scored(['isolation-forest'], [
      { src: '10.0.0.1', risk: 0.999, p: [0.999] },
      { src: '10.0.0.1', risk: 0.999, p: [0.999] },
      { src: '10.0.0.2', risk: 0.999, p: [0.999] },
    ]),
  );
  // an ARP scan (no flow for a silent address) begun a minute before the source's first flow, and
  // a spoofing finding that goes on after its last
  const early = { ...finding('10.0.0.1', 'arp.scan'), firstSeen: '2023-12-31T23:59:00.000Z', lastSeen: '2024-01-01T00:00:00.500Z' };
  const late = { ...finding('10.0.0.1', 'arp.ip-conflict'), firstSeen: '2024-01-01T00:00:01.000Z', lastSeen: '2024-01-01T00:05:00.000Z' };
  const noFlows = { ...finding('10.0.0.9', 'arp.scan'), firstSeen: '2024-01-01T00:02:00.000Z', lastSeen: '2024-01-01T00:03:00.000Z' };
  const rows = agg.rows([early, late, noFlows], new Map(), 1);
  const one = rows.find((r) => r.ip === '10.0.0.1')!;
  assert.equal(one.firstSeen, '2023-12-31T23:59:00.000Z');
  assert.equal(one.lastSeen, '2024-01-01T00:05:00.000Z');
  // flows alone: their span (the third row of the batch, 2 s after its first)
  const two = rows.find((r) => r.ip === '10.0.0.2')!;
  assert.equal(two.firstSeen, '2024-01-01T00:00:02.000Z');
  assert.equal(two.lastSeen, '2024-01-01T00:00:02.000Z');
  const nine = rows.find((r) => r.ip === '10.0.0.9')!;
  assert.equal(nine.firstSeen, '2024-01-01T00:02:00.000Z');
  assert.equal(nine.lastSeen, '2024-01-01T00:03:00.000Z');
});
