import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { featureColumns, getColumn, type FlowTable } from '../flows/table.js';
import { InputError } from '../util/errors.js';
import { readDataset } from './read-dataset.js';
import { UNSW_RAW_COLUMNS, unswCategory } from './unsw-nb15.js';
import { numbers, texts } from '../testing/table-values.js';

const dir = mkdtempSync(join(tmpdir(), 'netsentinel-unsw-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, lines: string[]): string {
  const p = join(dir, name);
  writeFileSync(p, lines.join('\n') + '\n');
  return p;
}

const quiet = { warn: () => {} };



const SET_HEADER =
  'id,dur,proto,service,state,spkts,dpkts,sbytes,dbytes,rate,sttl,dttl,sload,dload,sloss,dloss,sinpkt,dinpkt,sjit,djit,swin,stcpb,dtcpb,dwin,' +
  'tcprtt,synack,ackdat,smean,dmean,trans_depth,response_body_len,ct_srv_src,ct_state_ttl,ct_dst_ltm,ct_src_dport_ltm,ct_dst_sport_ltm,' +
  'ct_dst_src_ltm,is_ftp_login,ct_ftp_cmd,ct_flw_http_mthd,ct_src_ltm,ct_srv_dst,is_sm_ips_ports,attack_cat,label';

/** A training-set record: every numeric cell 1 except id, dur, sbytes; the given proto/service/state and labels. */
function setRow(id: number, sbytes: number, cat: string, label: number): string {
  return SET_HEADER.split(',')
    .map((n) => {
      switch (n) {
        case 'id': return String(id);
        case 'dur': return '0.121478';
        case 'proto': return 'tcp';
        case 'service': return '-';
        case 'state': return 'FIN';
        case 'sbytes': return String(sbytes);
        case 'attack_cat': return cat;
        case 'label': return String(label);
        default: return '1';
      }
    })
    .join(',');
}

/** A raw UNSW-NB15_n.csv record (49 fields, no header), with the cells given overriding '2'. */
function rawRow(cells: Record<string, string>): string {
  return UNSW_RAW_COLUMNS.map((n) => cells[n] ?? (n === 'proto' ? 'udp' : n === 'state' ? 'CON' : n === 'service' ? 'dns' : n === 'srcip' || n === 'dstip' ? '59.166.0.1' : '2')).join(',');
}

test('training/testing-set CSVs: typed features, attack_cat, binary', async () => {
  const t = await readDataset([write('UNSW_NB15_training-set.csv', [SET_HEADER, setRow(1, 258, 'Normal', 0), setRow(2, 900, 'Exploits', 1), setRow(3, 7, 'Backdoor', 1)])], quiet);
  assert.equal(t.format, 'unsw-nb15');
  assert.equal(t.rowCount, 3);
  assert.deepEqual(numbers(t, 'sbytes'), [258, 900, 7]);
  assert.deepEqual(numbers(t, 'id'), [1, 2, 3]);
  assert.equal(getColumn(t, 'id')?.role, 'meta');
  for (const n of ['proto', 'service', 'state']) assert.equal(getColumn(t, n)?.kind, 'categorical', n);
  assert.deepEqual(texts(t, 'service'), ['-', '-', '-']);
  assert.deepEqual(texts(t, 'attack_cat'), ['Normal', 'Exploits', 'Backdoor']);
  assert.deepEqual(texts(t, 'binary'), ['normal', 'attack', 'attack']);
  assert.equal(t.defaultTarget, 'attack_cat');
  assert.equal(t.normalClass, 'Normal');
  assert.equal(getColumn(t, 'label'), undefined);
  assert.equal(featureColumns(t).length, 42);
});

test('raw UNSW-NB15_n.csv: no header, hex and - ports, blank counters, empty and padded attack_cat', async () => {
  const p = write('UNSW-NB15_1.csv', [
    rawRow({ sport: '1390', dsport: '53', sbytes: '132', smeansz: '66', res_bdy_len: '0', Stime: '1421927414', attack_cat: '', Label: '0' }),
    rawRow({ sport: '0x000b', dsport: '-', sbytes: '1540', smeansz: '770', res_bdy_len: '12', ct_ftp_cmd: ' ', attack_cat: ' Fuzzers ', Label: '1' }),
    rawRow({ sport: '0xcc09', dsport: '80', sbytes: '10', attack_cat: 'Backdoors', Label: '1' }),
  ]);
  const t = await readDataset([p], quiet);
  assert.equal(t.format, 'unsw-nb15');
  assert.deepEqual(numbers(t, 'sport'), [1390, 11, 0xcc09]);
  assert.deepEqual(numbers(t, 'dsport'), [53, NaN, 80]);
  assert.deepEqual(numbers(t, 'smean'), [66, 770, 2]);
  assert.deepEqual(numbers(t, 'response_body_len'), [0, 12, 2]);
  assert.deepEqual(numbers(t, 'ct_ftp_cmd'), [2, NaN, 2]);
  assert.deepEqual(numbers(t, 'stime'), [1421927414, 2, 2]);
  assert.ok(numbers(t, 'rate').every(Number.isNaN));
  assert.ok(numbers(t, 'id').every(Number.isNaN));
  assert.deepEqual(texts(t, 'srcip'), ['59.166.0.1', '59.166.0.1', '59.166.0.1']);
  assert.deepEqual(texts(t, 'attack_cat'), ['Normal', 'Fuzzers', 'Backdoor']);
  assert.deepEqual(texts(t, 'binary'), ['normal', 'attack', 'attack']);
});

test('a column the format does not know is typed by its values: text is read as categories', async () => {
  const t = await readDataset([write('UNSW_NB15_tagged.csv', [SET_HEADER + ',tag,site', setRow(1, 258, 'Normal', 0) + ',lab a,7', setRow(2, 900, 'Exploits', 1) + ',lab b,8'])], quiet);
  assert.equal(t.rowCount, 2);
  assert.deepEqual(texts(t, 'tag'), ['lab a', 'lab b']);
  assert.equal(getColumn(t, 'tag')?.role, 'feature');
  assert.deepEqual(numbers(t, 'site'), [7, 8]);
});

test('the set and the raw files have the same columns, so they read as one dataset', async () => {
  const set = write('set.csv', [SET_HEADER, setRow(1, 258, 'Normal', 0)]);
  const raw = write('raw.csv', [rawRow({ attack_cat: 'Worms', Label: '1', sbytes: '5' })]);
  const t = await readDataset([set, raw], quiet);
  assert.deepEqual(numbers(t, 'sbytes'), [258, 5]);
  assert.deepEqual(texts(t, 'attack_cat'), ['Normal', 'Worms']);
});

test('attack_cat and label must agree; short rows and bad ports are errors with the line', async () => {
  const a = write('disagree.csv', [rawRow({ attack_cat: '', Label: '0' }), rawRow({ attack_cat: '', Label: '1' })]);
  await assert.rejects(readDataset([a], quiet), (e: unknown) => {
    assert.ok(e instanceof InputError);
    assert.equal(e.message, `${a} line 2, column "attack_cat": attack_cat is empty (normal traffic) but the label is 1 (attack); which one is right?`);
    return true;
  });
  const b = write('disagree2.csv', [SET_HEADER, setRow(1, 1, 'DoS', 0)]);
  await assert.rejects(readDataset([b], quiet), { message: `${b} line 2, column "attack_cat": attack_cat is "DoS" but the label is 0 (normal); which one is right?` });
  const c = write('short.csv', [rawRow({ Label: '0', attack_cat: '' }), rawRow({}).split(',').slice(0, 48).join(',')]);
  await assert.rejects(readDataset([c], quiet), { message: `${c} line 2: expected 49 fields, found 48; every line must have as many fields as the first line` });
  const d = write('badport.csv', [rawRow({ sport: '0xzz', Label: '0', attack_cat: '' })]);
  await assert.rejects(readDataset([d], quiet), { message: `${d} line 1, column "sport": "0xzz" is not a port number` });
});

test('attack_cat spellings', () => {
  assert.equal(unswCategory(' Fuzzers '), 'Fuzzers');
  assert.equal(unswCategory('Backdoors'), 'Backdoor');
  assert.equal(unswCategory('normal'), 'Normal');
  assert.equal(unswCategory(' '), '');
});
