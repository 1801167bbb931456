import assert from 'node:assert/strict';
import { test } from 'node:test';
import { getColumn, numericColumn, takeTableRows, type FlowTable } from '../flows/table.js';
import { readDataset, streamDataset } from '../sources/read-dataset.js';
import { loadCicSample, loadNslKdd } from '../testing/datasets.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';
import { timeOrder } from './batch.js';
import { flowTable, probe, type FlowSpec } from './flow-fixtures.js';
import { createRuleEngine } from './run-rules.js';

const quiet = { warn: () => {} };

test('CIC-IDS2017 Portscan sample: a vertical scan by the attacker on its victim, and nothing else', { skip: skipWithoutShared('datasets', 'cicids2017-sample', 'Portscan_2500.csv') }, async () => {
  const table = await readDataset([sharedPath('datasets', 'cicids2017-sample', 'Portscan_2500.csv') as string], quiet);
  const engine = createRuleEngine();
  engine.observe(table);
  const { findings, status } = engine.finish();
  assert.ok(findings.length > 0);
  for (const f of findings) {
    assert.equal(f.ruleId, 'port-scan.vertical');
    assert.equal(f.srcIp, '172.16.0.1');
    assert.deepEqual(f.targets.ips, ['192.168.10.50']);
    assert.ok((f.evidence.failedShare as number) >= 0.95, 'scan probes carry no data');
  }
  // measured: 4 episodes (the sample keeps 2,500 of the scan's flows, so quiet gaps split it),
  // 2,497 flows in all, the largest with 736 distinct ports
  const flows = findings.reduce((s, f) => s + f.count, 0);
  assert.ok(flows >= 2300, `flows in scan findings: ${flows}`);
  assert.ok(Math.max(...findings.map((f) => f.targets.portCount)) >= 600);
  assert.equal(status.find((s) => s.ruleId === 'port-scan.vertical')?.state, 'on');
});

test('CIC-IDS2017 sample (all 25,127 flows): findings only about the attackers; scans and both brute forces found', { skip: skipWithoutShared('datasets', 'cicids2017-sample') }, async () => {
  const table = (await loadCicSample()) as FlowTable;
  const engine = createRuleEngine();
  engine.observe(table);
  const { findings } = engine.finish();
  // 172.16.0.1 is the attackers' NAT address; 192.168.10.8 the infiltrated host that scans the LAN;
  // the botnet's bots (192.168.10.5, .8, .9, .14, .15) beacon to their controller
  const bots = ['192.168.10.5', '192.168.10.8', '192.168.10.9', '192.168.10.14', '192.168.10.15'];
  for (const f of findings) {
    const ok = ['172.16.0.1', '192.168.10.8'].includes(f.srcIp as string) || (f.ruleId === 'c2.beaconing' && bots.includes(f.srcIp as string) && f.targets.ips[0] === '205.174.165.73');
    assert.ok(ok, `${f.ruleId} ${f.srcIp}`);
  }
  assert.deepEqual([...new Set(findings.filter((f) => f.ruleId === 'c2.beaconing' && f.targets.ips[0] === '205.174.165.73').map((f) => f.srcIp))].sort(), [...bots].sort());
  const services = findings.filter((f) => f.ruleId === 'brute-force').map((f) => f.evidence.service);
  assert.deepEqual(services.sort(), ['FTP', 'SSH']);
  const scanned = new Set(findings.filter((f) => f.ruleId === 'port-scan.vertical' && f.srcIp === '192.168.10.8').map((f) => f.targets.ips[0]));
  assert.ok(scanned.size >= 10, `hosts the infiltrated machine scanned: ${scanned.size}`);
});

test('CIC-IDS2017 Portscan sample as a time-ordered stream of 500-flow batches: the same findings as one table', { skip: skipWithoutShared('datasets', 'cicids2017-sample', 'Portscan_2500.csv') }, async () => {
  const table = await readDataset([sharedPath('datasets', 'cicids2017-sample', 'Portscan_2500.csv') as string], quiet);
  const ts = getColumn(table, 'Timestamp');
  assert.ok(ts && ts.kind === 'numeric');
  const ordered = takeTableRows(table, timeOrder(ts.values, table.rowCount));
  const whole = createRuleEngine({}, { geoip: null });
  whole.observe(ordered);
  const expected = whole.finish().findings;
  const engine = createRuleEngine({}, { geoip: null });
  for (let start = 0; start < ordered.rowCount; start += 500) {
    engine.observe(takeTableRows(ordered, Int32Array.from({ length: Math.min(500, ordered.rowCount - start) }, (_, i) => start + i)));
  }
  const got = engine.finish().findings;
  assert.deepEqual(got, expected);
  assert.equal(got.length, 4);
});

test('CIC-IDS2017 Portscan sample shuffled across 500-flow batches: late flows never make false floods or brute force', { skip: skipWithoutShared('datasets', 'cicids2017-sample', 'Portscan_2500.csv') }, async () => {
  const engine = createRuleEngine({}, { geoip: null });
  for await (const batch of streamDataset([sharedPath('datasets', 'cicids2017-sample', 'Portscan_2500.csv') as string], { batchRows: 500, ...quiet })) {
    assert.ok(batch.rowCount <= 500);
    engine.observe(batch);
  }
  const { findings } = engine.finish();
  // the file is in random order: each batch spans the whole 87 minutes, so windows see fewer
  // flows than in time order, but whatever is found is the scan
  assert.ok(findings.every((f) => f.ruleId === 'port-scan.vertical' && f.srcIp === '172.16.0.1'), findings.map((f) => f.ruleId).join());
  assert.ok(findings.length > 0);
});

test('NSL-KDD has no addresses: address rules report themselves off with the reason', { skip: skipWithoutShared('datasets', 'nsl-kdd') }, async () => {
  const { test: kdd } = (await loadNslKdd()) as { test: FlowTable };
  const engine = createRuleEngine({}, { geoip: null });
  engine.observe(kdd);
  const { findings, status } = engine.finish();
  assert.equal(findings.length, 0);
  const scan = status.find((s) => s.ruleId === 'port-scan.vertical');
  assert.deepEqual(scan, {
    ruleId: 'port-scan.vertical',
    title: 'Vertical port scan',
    state: 'off',
    reason: 'needs the source IP, destination IP and destination port, which this input (nsl-kdd) does not have',
  });
  assert.ok(status.every((s) => s.state === 'off'), 'every rule needs an address');
});

test('input without timestamps is one window, and the status says so', () => {
  const flows = Array.from({ length: 11 }, (_, i) => probe('10.1.1.1', '10.2.2.2', 1000 + i, i * 600));
  const engine = createRuleEngine({}, { geoip: null });
  engine.observe(flowTable(flows, { noTime: true }));
  const { findings, status } = engine.finish();
  assert.equal(findings.length, 1);
  assert.equal(findings[0].firstSeen, null);
  assert.equal(findings[0].evidence.durationSeconds, null);
  const st = status.find((s) => s.ruleId === 'port-scan.vertical');
  assert.equal(st?.state, 'on');
  assert.match(st?.state === 'on' ? (st.note ?? '') : '', /no timestamps: the whole input is one window/);
});

test('drain hands over findings as soon as their episode is over (streaming)', () => {
  const engine = createRuleEngine({ flood: { enabled: false } }, { geoip: null });
  engine.observe(flowTable(Array.from({ length: 12 }, (_, i) => probe('10.1.1.1', '10.2.2.2', 1000 + i, i))));
  assert.equal(engine.drain().length, 0, 'the scan may go on');
  // five minutes later, other traffic moves event time on: the scan has been quiet for a window
  engine.observe(flowTable([{ src: '10.3.3.3', dst: '10.4.4.4', t: 300 }]));
  const early = engine.drain();
  assert.deepEqual(early.map((f) => f.ruleId), ['port-scan.vertical']);
  assert.equal(engine.finish().findings.length, 0, 'each finding is handed over once');
});

test('bounded memory: 30,000 one-off sources keep each rule under its group limit; a scan among them is still found', () => {
  const engine = createRuleEngine({ limits: { maxGroupsPerRule: 1000, maxInternedIps: 5000 } }, { geoip: null });
  let maxGroups = 0;
  for (let batch = 0; batch < 10; batch++) {
    const flows: FlowSpec[] = [];
    for (let i = 0; i < 3000; i++) {
      const n = batch * 3000 + i;
      flows.push({ src: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`, dst: `172.16.${i % 200}.1`, dport: 443, t: batch + i / 3000 });
    }
    // the scan runs through the last five batches, six ports a batch: never 11 in one batch
    if (batch >= 5) for (let p = 0; p < 6; p++) flows.push(probe('192.0.2.66', '172.16.9.9', 1000 + (batch - 5) * 6 + p, batch + p / 10));
    flows.sort((a, b) => (a.t as number) - (b.t as number));
    engine.observe(flowTable(flows));
    for (const g of Object.values(engine.groups())) maxGroups = Math.max(maxGroups, g);
  }
  const { findings, status, inputNotes: notes } = engine.finish();
  assert.ok(maxGroups <= 1000, `groups held: ${maxGroups}`);
  const scan = findings.filter((f) => f.ruleId === 'port-scan.vertical');
  assert.equal(scan.length, 1);
  assert.equal(scan[0].srcIp, '192.0.2.66');
  assert.equal(scan[0].targets.portCount, 30);
  const st = status.find((s) => s.ruleId === 'port-scan.vertical');
  assert.match(st?.state === 'on' ? (st.note ?? '') : '', /memory limit reached: [\d,]+ groups dropped/);
  assert.ok(notes.some((n) => /more than 5,000 distinct addresses: the address table was compacted [\d,]+ times?/.test(n)), notes.join());
});

test('flow fields given by the caller are used as they are', () => {
  const t = flowTable([probe('10.0.0.1', '10.0.0.2', 22, 0)]);
  const engine = createRuleEngine({}, { geoip: null });
  const withExtra: FlowTable = { ...t, columns: [...t.columns, numericColumn('unused', 'feature', new Float64Array(1))] };
  engine.observe(withExtra);
  assert.equal(engine.finish().findings.length, 0);
});

test('a sweep that spans an address-table compaction keeps its hosts straight', () => {
  const engine = createRuleEngine({ limits: { maxInternedIps: 1000 } }, { geoip: null });
  const noise = (from: number, t: number): FlowSpec[] =>
    Array.from({ length: 2000 }, (_, i) => ({ src: `10.50.${(from + i) >> 8}.${(from + i) & 255}`, dst: '10.99.0.1', dport: 443, t: t + i / 4000 }));
  const sweep = (from: number, n: number, t: number): FlowSpec[] => Array.from({ length: n }, (_, i) => probe('10.66.0.6', `10.7.0.${from + i}`, 445, t + i / 10));
  engine.observe(flowTable([...sweep(1, 15, 0), ...noise(0, 0)]));
  engine.observe(flowTable([...sweep(16, 10, 2), ...noise(5000, 2)]));
  const { findings, inputNotes: notes } = engine.finish();
  const f = findings.find((x) => x.ruleId === 'port-scan.horizontal');
  assert.ok(f);
  assert.equal(f.targets.ipCount, 25);
  const expected = new Set(Array.from({ length: 25 }, (_, i) => `10.7.0.${i + 1}`));
  assert.equal(new Set(f.targets.ips).size, 20);
  for (const ip of f.targets.ips) assert.ok(expected.has(ip), ip);
  assert.ok(notes.some((n) => n.includes('compacted 1 time,')), notes.join());
});

test('a condition the input cannot evaluate lets every flow through, and the status says so', () => {
  const t = flowTable(Array.from({ length: 25 }, (_, i) => ({ src: '10.1.1.1', dst: '10.2.2.2', dport: 22, t: i })));
  const noDuration: FlowTable = { ...t, columns: t.columns.filter((c) => c.name !== 'Flow Duration') };
  const engine = createRuleEngine({}, { geoip: null });
  engine.observe(noDuration);
  const { findings, status } = engine.finish();
  assert.deepEqual(findings.map((f) => f.ruleId), ['brute-force']);
  const st = status.find((s) => s.ruleId === 'brute-force');
  assert.equal(st?.state === 'on' ? st.note : '', 'the input has no flow durations: every connection counts, short or not');
});

test('activeSeverity and hasActiveSources say what activeSources says, batch after batch, across compactions and closes', () => {
  const engine = createRuleEngine({ limits: { maxInternedIps: 1000 } }, { geoip: null });
  let checked = 0;
  let sawActive = false;
  for (let batch = 0; batch < 12; batch++) {
    const t = batch * 40;
    const flows: FlowSpec[] = [];
    // a scanner active in batches 2..5 (then quiet for more than a window: its episode closes)
    if (batch >= 2 && batch <= 5) for (let p = 0; p < 15; p++) flows.push(probe('10.66.0.6', '10.7.0.1', 2000 + batch * 20 + p, t + p / 20));
    // bogon sources, a new one per batch: trigger rules open an episode at once
    flows.push({ src: `2001:db8::${batch + 1}`, dst: '10.99.0.1', dport: 80, t });
    // one-off sources that push the address table past its limit (compactions re-key the open episodes)
    for (let i = 0; i < 600; i++) flows.push({ src: `10.${50 + (i >> 8)}.${batch}.${i & 255}`, dst: '10.99.0.1', dport: 443, t: t + i / 1000 });
    flows.sort((a, b) => (a.t as number) - (b.t as number));
    engine.observe(flowTable(flows));
    const active = engine.activeSources();
    assert.equal(engine.hasActiveSources(), active.size > 0, `batch ${batch}`);
    if (active.size > 0) sawActive = true;
    const asked = new Set([...flows.map((f) => f.src as string), ...active.keys(), '10.0.0.254']);
    for (const ip of asked) {
      assert.equal(engine.activeSeverity(ip), active.get(ip)?.severity ?? 0, `batch ${batch}, ${ip}`);
      checked++;
    }
  }
  assert.ok(sawActive);
  assert.ok(checked > 2000);
  assert.ok(engine.finish().inputNotes.some((n) => n.includes('compacted')));
});
