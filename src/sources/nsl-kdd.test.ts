import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { getColumn, type CategoricalColumn, type FlowTable, type NumericColumn } from '../flows/table.js';
import { loadNslKdd } from '../testing/datasets.js';
import { skipWithoutShared } from '../testing/shared-data.js';
import { InputError } from '../util/errors.js';
import { KDD_FEATURES, kddFamily } from './nsl-kdd.js';
import { readDataset } from './read-dataset.js';

const dir = mkdtempSync(join(tmpdir(), 'netsentinel-kdd-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A KDD record: 41 features (protocol, service, flag, src_bytes varied), the name, maybe difficulty. */
function row(attack: string, opts: { proto?: string; srcBytes?: string; difficulty?: number } = {}): string {
  const f = ['0', opts.proto ?? 'tcp', 'http', 'SF', opts.srcBytes ?? '215', '45076'];
  while (f.length < 41) f.push(f.length >= 24 && f.length < 31 ? '0.50' : '0');
  f.push(attack);
  if (opts.difficulty !== undefined) f.push(String(opts.difficulty));
  return f.join(',');
}

function write(name: string, lines: string[]): string {
  const p = join(dir, name);
  writeFileSync(p, lines.join('\n') + '\n');
  return p;
}

function counts(t: FlowTable, name: string): Record<string, number> {
  const c = getColumn(t, name) as CategoricalColumn;
  const out: Record<string, number> = {};
  for (const code of c.codes) {
    const k = code < 0 ? '(missing)' : c.dictionary[code];
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

const quiet = { warn: () => {} };

test('NSL-KDD: 41 typed features, attack, family, binary, difficulty', async () => {
  const p = write('nsl.txt', [row('normal', { difficulty: 21 }), row('neptune', { proto: 'udp', difficulty: 19 }), row('guess_passwd', { srcBytes: '1e3', difficulty: 3 })]);
  const t = await readDataset([p], quiet);
  assert.equal(t.format, 'nsl-kdd');
  assert.equal(t.rowCount, 3);
  assert.deepEqual(
    t.columns.map((c) => c.name),
    [...KDD_FEATURES, 'attack', 'family', 'binary', 'difficulty'],
  );
  for (const c of t.columns.slice(0, 41)) {
    assert.equal(c.role, 'feature');
    assert.equal(c.kind, ['protocol_type', 'service', 'flag'].includes(c.name) ? 'categorical' : 'numeric', c.name);
  }
  assert.deepEqual(Array.from((getColumn(t, 'src_bytes') as NumericColumn).values), [215, 215, 1000]);
  assert.deepEqual(counts(t, 'protocol_type'), { tcp: 2, udp: 1 });
  assert.deepEqual(counts(t, 'family'), { Normal: 1, DoS: 1, R2L: 1 });
  assert.deepEqual(counts(t, 'binary'), { normal: 1, attack: 2 });
  assert.equal(getColumn(t, 'difficulty')?.role, 'meta');
  assert.deepEqual(Array.from((getColumn(t, 'difficulty') as NumericColumn).values), [21, 19, 3]);
  assert.equal(t.defaultTarget, 'family');
  assert.equal(t.normalClass, 'Normal');
  assert.deepEqual(Array.from(t.origin?.line ?? []), [1, 2, 3]);
});

test("KDD'99: names lose their final dot, no difficulty column", async () => {
  const p = write('kddcup.data', [row('normal.'), row('smurf.'), row('buffer_overflow.')]);
  const t = await readDataset([p], { ...quiet, format: 'kdd99' });
  assert.equal(getColumn(t, 'difficulty'), undefined);
  assert.deepEqual(counts(t, 'attack'), { normal: 1, smurf: 1, buffer_overflow: 1 });
  assert.deepEqual(counts(t, 'family'), { Normal: 1, DoS: 1, U2R: 1 });
  // detected by shape as well (no --format)
  const p2 = write('kdd99.txt', [row('normal.'), row('portsweep.')]);
  assert.deepEqual(counts(await readDataset([p2], quiet), 'family'), { Normal: 1, Probe: 1 });
});

test('every attack name of the README lists has a family', () => {
  for (const n of ['apache2', 'mailbomb', 'processtable', 'udpstorm', 'worm', 'mscan', 'saint', 'sendmail', 'named', 'snmpgetattack', 'snmpguess', 'xlock', 'xsnoop', 'httptunnel', 'ps', 'sqlattack', 'xterm', 'warezclient', 'spy', 'teardrop.']) {
    assert.ok(kddFamily(n), n);
  }
  assert.equal(kddFamily('smurf.'), 'DoS');
  assert.equal(kddFamily('nonsense'), undefined);
});

test('an unknown attack name is an InputError naming file, line and name', async () => {
  const p = write('unknown.txt', [row('normal', { difficulty: 1 }), row('neptune', { difficulty: 1 }), row('zeroday', { difficulty: 1 })]);
  await assert.rejects(readDataset([p], quiet), (e: unknown) => {
    assert.ok(e instanceof InputError);
    assert.equal(
      e.message,
      `${p} line 3, column "attack": unknown attack name "zeroday": it is in no NSL-KDD/KDD'99 family (Normal, DoS, Probe, R2L, U2R); check field 42 of this line`,
    );
    return true;
  });
});

test('a short row and a bad number are InputErrors with file, line (and column)', async () => {
  const short = write('short.txt', [row('normal', { difficulty: 1 }), row('normal')]);
  await assert.rejects(readDataset([short], quiet), {
    message: `${short} line 2: expected 43 fields, found 42; every line must have as many fields as the first line`,
  });
  const bad = write('bad.txt', [row('normal', { difficulty: 1 }), '', row('normal', { srcBytes: '12x', difficulty: 1 })]);
  await assert.rejects(readDataset([bad], quiet), {
    message: `${bad} line 3, column "src_bytes": "12x" is not a number`,
  });
});

test('real NSL-KDD: row counts, families, numbers', { skip: skipWithoutShared('datasets', 'nsl-kdd') }, async () => {
  const data = await loadNslKdd();
  assert.ok(data);
  const { train, test: testSet } = data;
  assert.equal(train.rowCount, 25192);
  assert.equal(testSet.rowCount, 22544);
  assert.deepEqual(counts(train, 'family'), { Normal: 13449, DoS: 9234, R2L: 209, Probe: 2289, U2R: 11 });
  assert.deepEqual(counts(testSet, 'family'), { DoS: 7460, Normal: 9711, Probe: 2421, R2L: 2885, U2R: 67 });
  assert.equal((getColumn(train, 'attack') as CategoricalColumn).dictionary.length, 22);
  assert.equal((getColumn(testSet, 'attack') as CategoricalColumn).dictionary.length, 38);
  // sums computed independently with Python's float()
  const srcBytes = (getColumn(train, 'src_bytes') as NumericColumn).values.reduce((s, v) => s + v, 0);
  assert.equal(srcBytes, 612937186);
  let all = 0;
  for (const c of train.columns.slice(0, 41)) if (c.kind === 'numeric') for (const v of c.values) all += v;
  assert.ok(Math.abs(all - 719023846.7895446) < 1e-3, String(all));
  const diff = (getColumn(testSet, 'difficulty') as NumericColumn).values.reduce((s, v) => s + v, 0);
  assert.equal(diff, 406197);
});
