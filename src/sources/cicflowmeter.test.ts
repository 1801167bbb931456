import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { featureColumns, type FlowTable } from '../flows/table.js';
import { loadCicSample } from '../testing/datasets.js';
import { skipWithoutShared } from '../testing/shared-data.js';
import { CIC_FEATURES, cicCanonicalName, cicLabel } from './cicflowmeter.js';
import { readDataset } from './read-dataset.js';
import { numbers, texts } from '../testing/table-values.js';

const dir = mkdtempSync(join(tmpdir(), 'netsentinel-cic-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string | Buffer): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const quiet = { warn: () => {} };



// The original CIC-IDS2017 MachineLearningCSV header, as published (leading spaces, a second
// "Fwd Header Length", CWE for CWR).
const ORIGINAL_HEADER =
  ' Destination Port, Flow Duration, Total Fwd Packets, Total Backward Packets,Total Length of Fwd Packets, Total Length of Bwd Packets,' +
  ' Fwd Packet Length Max, Fwd Packet Length Min, Fwd Packet Length Mean, Fwd Packet Length Std,Bwd Packet Length Max, Bwd Packet Length Min,' +
  ' Bwd Packet Length Mean, Bwd Packet Length Std,Flow Bytes/s, Flow Packets/s, Flow IAT Mean, Flow IAT Std, Flow IAT Max, Flow IAT Min,' +
  'Fwd IAT Total, Fwd IAT Mean, Fwd IAT Std, Fwd IAT Max, Fwd IAT Min,Bwd IAT Total, Bwd IAT Mean, Bwd IAT Std, Bwd IAT Max, Bwd IAT Min,' +
  'Fwd PSH Flags, Bwd PSH Flags, Fwd URG Flags, Bwd URG Flags, Fwd Header Length, Bwd Header Length,Fwd Packets/s, Bwd Packets/s,' +
  ' Min Packet Length, Max Packet Length, Packet Length Mean, Packet Length Std, Packet Length Variance,FIN Flag Count, SYN Flag Count,' +
  ' RST Flag Count, PSH Flag Count, ACK Flag Count, URG Flag Count, CWE Flag Count, ECE Flag Count, Down/Up Ratio, Average Packet Size,' +
  ' Avg Fwd Segment Size, Avg Bwd Segment Size, Fwd Header Length,Fwd Avg Bytes/Bulk, Fwd Avg Packets/Bulk, Fwd Avg Bulk Rate,' +
  ' Bwd Avg Bytes/Bulk, Bwd Avg Packets/Bulk,Bwd Avg Bulk Rate,Subflow Fwd Packets, Subflow Fwd Bytes, Subflow Bwd Packets, Subflow Bwd Bytes,' +
  'Init_Win_bytes_forward, Init_Win_bytes_backward, act_data_pkt_fwd, min_seg_size_forward,Active Mean, Active Std, Active Max, Active Min,' +
  'Idle Mean, Idle Std, Idle Max, Idle Min, Label';

/** A record of the original layout: port, 77 statistics (flow duration = i, Flow Bytes/s = rate), label. */
function originalRow(port: number, i: number, rate: string, label: string): string {
  const stats = Array.from({ length: 77 }, (_, k) => (k === 0 ? String(i) : k === 13 ? rate : String(k)));
  return [String(port), ...stats, label].join(',');
}

const CORRECTED_HEADER = ['id', 'Flow ID', 'Src IP', 'Src Port', 'Dst IP', 'Dst Port', 'Protocol', 'Timestamp', ...CIC_FEATURES, 'Label', 'Attempted Category'].join(',');

function correctedRow(i: number, label: string): string {
  const stats = CIC_FEATURES.map((_, k) => (k === 0 ? String(i) : String(k)));
  return [String(i), `10.0.0.1-10.0.0.2-4000${i}-80-6`, '10.0.0.1', `4000${i}`, '10.0.0.2', '80', '6', '2017-07-07 12:59:21.5', ...stats, label, '-1'].join(',');
}

test('the original MachineLearningCSV layout maps onto the canonical names', async () => {
  const body = [
    ORIGINAL_HEADER,
    originalRow(80, 1, '13110.093192228716', 'BENIGN'),
    originalRow(80, 2, 'Infinity', 'Web Attack \uFFFD Brute Force'),
    originalRow(22, 3, 'NaN', 'Bot'),
    originalRow(443, 4, '', 'PortScan'),
    ','.repeat(78),
  ].join('\r\n');
  // the real files hold the dash as the single Windows-1252 byte 0x96, invalid in UTF-8
  const bytes = Buffer.from(body.replace('\uFFFD', '\u0000'), 'utf8');
  bytes[bytes.indexOf(0)] = 0x96;
  const warnings: string[] = [];
  const t = await readDataset([write('Tuesday-WorkingHours.pcap_ISCX.csv', bytes)], { warn: (m) => warnings.push(m) });
  assert.equal(t.format, 'cicflowmeter');
  assert.equal(t.rowCount, 4);
  assert.equal(warnings.length, 1); // the all-comma line
  assert.deepEqual(numbers(t, 'Dst Port'), [80, 80, 22, 443]);
  assert.deepEqual(numbers(t, 'Flow Duration'), [1, 2, 3, 4]);
  assert.deepEqual(numbers(t, 'Flow Bytes/s'), [13110.093192228716, Infinity, NaN, NaN]);
  assert.deepEqual(numbers(t, 'Total Fwd Packet'), [1, 1, 1, 1]);
  assert.deepEqual(numbers(t, 'CWR Flag Count'), [48, 48, 48, 48]);
  // Fwd Header Length is the first of the two copies (field 34 of the record, statistic 33)
  assert.deepEqual(numbers(t, 'Fwd Header Length'), [33, 33, 33, 33]);
  for (const absent of ['Fwd RST Flags', 'Bwd RST Flags', 'ICMP Code', 'ICMP Type', 'Total TCP Flow Time', 'Src Port', 'Timestamp']) {
    assert.ok(numbers(t, absent).every(Number.isNaN), absent);
  }
  assert.deepEqual(texts(t, 'Src IP'), [null, null, null, null]);
  assert.deepEqual(texts(t, 'Label'), ['BENIGN', 'Web Attack - Brute Force', 'Botnet', 'Portscan']);
  assert.deepEqual(texts(t, 'binary'), ['normal', 'attack', 'attack', 'attack']);
  assert.equal(t.defaultTarget, 'Label');
  assert.equal(t.normalClass, 'BENIGN');
});

test('corrected and original files have the same columns, so they read as one dataset', async () => {
  const corrected = write('corrected.csv', [CORRECTED_HEADER, correctedRow(1, 'BENIGN'), correctedRow(2, 'DoS Hulk - Attempted')].join('\n') + '\n');
  const original = write('original.csv', [ORIGINAL_HEADER, originalRow(21, 9, '1.5', 'FTP-Patator')].join('\n') + '\n');
  const a = await readDataset([corrected], quiet);
  const b = await readDataset([original], quiet);
  assert.deepEqual(
    a.columns.map((c) => `${c.name}:${c.kind}:${c.role}`),
    b.columns.map((c) => `${c.name}:${c.kind}:${c.role}`),
  );
  const both = await readDataset([corrected, original], quiet);
  assert.equal(both.rowCount, 3);
  assert.deepEqual(texts(both, 'Label'), ['BENIGN', 'DoS Hulk - Attempted', 'FTP-Patator']);
  assert.deepEqual(numbers(both, 'Dst Port'), [80, 80, 21]);
  assert.deepEqual(numbers(both, 'Fwd RST Flags'), [33, 33, NaN]);
  assert.deepEqual(numbers(both, 'Timestamp').slice(0, 2), [Date.UTC(2017, 6, 7, 12, 59, 21, 500), Date.UTC(2017, 6, 7, 12, 59, 21, 500)]);
  // roles: Dst Port and Protocol are features, the rest of the identity is meta
  const roles = Object.fromEntries(a.columns.map((c) => [c.name, c.role]));
  assert.deepEqual(
    ['id', 'Flow ID', 'Src IP', 'Src Port', 'Dst IP', 'Dst Port', 'Protocol', 'Timestamp', 'Attempted Category'].map((n) => roles[n]),
    ['meta', 'meta', 'meta', 'meta', 'meta', 'feature', 'feature', 'meta', 'meta'],
  );
  assert.equal(featureColumns(a).length, 83);
});

test('GeneratedLabelledFlows names (Source IP, day-first Timestamp) and CIC-IDS2018 abbreviations', async () => {
  assert.equal(cicCanonicalName(' Source IP'), 'Src IP');
  assert.equal(cicCanonicalName('Destination Port'), 'Dst Port');
  assert.equal(cicCanonicalName('Tot Fwd Pkts'), 'Total Fwd Packet');
  assert.equal(cicCanonicalName('Flow Byts/s'), 'Flow Bytes/s');
  assert.equal(cicCanonicalName('Init Fwd Win Byts'), 'FWD Init Win Bytes');
  assert.equal(cicCanonicalName('Init_Win_bytes_forward'), 'FWD Init Win Bytes');
  assert.equal(cicCanonicalName('min_seg_size_forward'), 'Fwd Seg Size Min');
  const header = 'Flow ID, Source IP, Source Port, Destination IP,' + ORIGINAL_HEADER + ', Timestamp';
  const row = (ts: string): string => `a-b, 192.168.10.5, 51000, 10.0.0.9,${originalRow(443, 7, '2', 'DoS slowloris')},${ts}`;
  const t = await readDataset([write('labelled.csv', [header, row('7/7/2017 8:59'), row('7/7/2017 1:05:10 PM')].join('\n'))], quiet);
  // addresses are read in their canonical form (sources/address-text.ts): the space after the comma goes
  assert.deepEqual(texts(t, 'Src IP'), ['192.168.10.5', '192.168.10.5']);
  assert.deepEqual(numbers(t, 'Src Port'), [51000, 51000]);
  assert.deepEqual(numbers(t, 'Timestamp'), [Date.UTC(2017, 6, 7, 8, 59), Date.UTC(2017, 6, 7, 13, 5, 10)]);
  assert.deepEqual(texts(t, 'Label'), ['DoS Slowloris', 'DoS Slowloris']);
});

test('label spellings are normalised to the corrected release', () => {
  assert.equal(cicLabel('Web Attack \uFFFD Sql Injection'), 'Web Attack - SQL Injection');
  assert.equal(cicLabel('Web Attack – XSS'), 'Web Attack - XSS');
  assert.equal(cicLabel('Web Attack \u0096 Brute Force'), 'Web Attack - Brute Force');
  assert.equal(cicLabel(' BENIGN '), 'BENIGN');
  assert.equal(cicLabel('Infiltration - Portscan'), 'Infiltration - Portscan');
  assert.equal(cicLabel('Web Attack - Brute Force - Attempted'), 'Web Attack - Brute Force - Attempted');
  assert.equal(cicLabel('NeedManualLabel'), null);
  assert.equal(cicLabel('DDoS attacks-LOIC-HTTP'), 'DDoS attacks-LOIC-HTTP');
});

test('a bad cell names the column as the file spells it', async () => {
  const p = write('bad.csv', [ORIGINAL_HEADER, originalRow(80, 1, 'fast', 'BENIGN')].join('\n'));
  await assert.rejects(readDataset([p], quiet), { message: `${p} line 2, column "Flow Bytes/s": "fast" is not a number` });
});

test('a marker of a missing value (-, n/a) in a feature is a missing cell, counted and said once with the first; other text still refuses the file', async () => {
  const p = write('dash.csv', [ORIGINAL_HEADER, originalRow(80, 1, '-', 'BENIGN'), originalRow(80, 2, '12.5', 'BENIGN'), originalRow(80, 3, 'n/a', 'BENIGN')].join('\n'));
  const warnings: string[] = [];
  const t = await readDataset([p], { warn: (m: string) => warnings.push(m) });
  const bytes = numbers(t, 'Flow Bytes/s');
  assert.equal(bytes.length, 3);
  assert.ok(Number.isNaN(bytes[0]) && Number.isNaN(bytes[2]), 'read as missing');
  assert.equal(bytes[1], 12.5);
  assert.deepEqual(
    warnings.filter((w) => w.includes('marker')),
    [`${p}: column "Flow Bytes/s" holds numbers, but 2 cells are markers of a missing value (the first: line 2, "-"): read as missing, imputed as other missing cells are`],
  );
});

test('a column the format does not know is typed by its values: text is read as categories, not refused as "not a number"', async () => {
  // an analyst's note (quoted, with a comma) and a sensor number added after the published columns
  const header = CORRECTED_HEADER + ',analyst note,sensor';
  const p = write('extra.csv', [header, correctedRow(1, 'BENIGN') + ',"seen, twice",3', correctedRow(2, 'DDoS') + ',ok,4'].join('\n') + '\n');
  const t = await readDataset([p], quiet);
  assert.equal(t.rowCount, 2);
  assert.deepEqual(texts(t, 'analyst note'), ['seen, twice', 'ok']);
  assert.deepEqual(numbers(t, 'sensor'), [3, 4]);
  assert.equal(featureColumns(t).length, 85);
  // the type is settled on the first file and holds for the dataset: a later file's text in the
  // numeric column is an error at its cell, not a second type for one column
  const later = write('extra-later.csv', [header, correctedRow(3, 'BENIGN') + ',fine,rack-2'].join('\n') + '\n');
  await assert.rejects(readDataset([p, later], quiet), {
    message: `${later} line 2, column "sensor": "rack-2" is not a number; if this column holds text, read it as categories with --categorical sensor`,
  });
  // and a later file where the first file had text stays categorical
  const both = await readDataset([p, write('extra-next.csv', [header, correctedRow(4, 'BENIGN') + ',12,5'].join('\n') + '\n')], quiet);
  assert.deepEqual(texts(both, 'analyst note'), ['seen, twice', 'ok', '12']);
});

test('real CIC-IDS2017 sample: rows, 16 labels, numbers as Python reads them', { skip: skipWithoutShared('datasets', 'cicids2017-sample') }, async () => {
  const t = await loadCicSample();
  assert.ok(t);
  assert.equal(t.rowCount, 25127);
  assert.equal(t.format, 'cicflowmeter');
  const counts: Record<string, number> = {};
  for (const v of texts(t, 'Label')) counts[v as string] = (counts[v as string] ?? 0) + 1;
  assert.deepEqual(counts, {
    BENIGN: 2500, Botnet: 736, DDoS: 2500, 'DoS GoldenEye': 2500, 'DoS Hulk': 2500, 'DoS Slowhttptest': 1740,
    'DoS Slowloris': 2500, 'FTP-Patator': 2500, Heartbleed: 11, 'Infiltration - Portscan': 2500, Infiltration: 36,
    Portscan: 2500, 'SSH-Patator': 2500, 'Web Attack - Brute Force': 73, 'Web Attack - SQL Injection': 13, 'Web Attack - XSS': 18,
  });
  assert.equal(texts(t, 'binary').filter((v) => v === 'normal').length, 2500);
  // every canonical name is found in the real header: no statistic is all-missing
  for (const name of CIC_FEATURES) assert.ok(!numbers(t, name).every(Number.isNaN), name);
  const sum = (name: string): number => numbers(t, name).reduce((s, v) => s + v, 0);
  // sums computed independently with Python's float()
  assert.equal(sum('Flow Duration'), 551644122171);
  assert.equal(sum('Dst Port'), 52325991);
  assert.ok(Math.abs(sum('Flow Bytes/s') / 2638179811.3249617 - 1) < 1e-12);
  assert.ok(Math.abs(sum('Fwd Packet Length Mean') / 1408145.3141067757 - 1) < 1e-12);
  const ts = numbers(t, 'Timestamp');
  assert.ok(ts.every((v) => v >= Date.UTC(2017, 6, 3) && v < Date.UTC(2017, 6, 8)));
});
