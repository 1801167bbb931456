import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { getColumn, labelColumns, type FlowTable, type NumericColumn } from '../flows/table.js';
import { InputError } from '../util/errors.js';
import { columnNames, isNormalLabel } from './generic-csv.js';
import { readDataset } from './read-dataset.js';
import { numbers, texts } from '../testing/table-values.js';

const dir = mkdtempSync(join(tmpdir(), 'netsentinel-csv-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const quiet = { warn: () => {} };


const FLOWS = 'src,dport,bytes,rate,class\n10.0.0.1,80,100,0.5,benign\n10.0.0.2,22,,Infinity,"brute, force"\n10.0.0.1,443,7,NaN,"say ""hi"""\n';

test('types are inferred from the values: numbers numeric, anything else categorical', async () => {
  const t = await readDataset([write('flows.csv', FLOWS)], quiet);
  assert.equal(t.format, 'csv');
  assert.deepEqual(
    t.columns.map((c) => `${c.name}:${c.kind}:${c.role}`),
    ['src:categorical:feature', 'dport:numeric:feature', 'bytes:numeric:feature', 'rate:numeric:feature', 'class:categorical:meta'],
  );
  assert.deepEqual(Array.from((getColumn(t, 'bytes') as NumericColumn).values), [100, NaN, 7]);
  assert.deepEqual(texts(t, 'class'), ['benign', 'brute, force', 'say "hi"']);
  assert.equal(labelColumns(t).length, 0);
  assert.equal(t.defaultTarget, undefined);
});

test('a column named like a label is kept out of the features unless --label names it, and a warning says so', async () => {
  const said: string[] = [];
  const text = 'src_ip,dst_port,duration,bytes,label,Attack_Cat\n10.0.0.1,80,1.5,300,0,\n10.0.0.1,22,0.1,60,1,Brute\n';
  const t = await readDataset([write('labelled.csv', text)], { warn: (m) => said.push(m) });
  assert.deepEqual(
    t.columns.map((c) => `${c.name}:${c.role}`),
    ['src_ip:meta', 'dst_port:feature', 'duration:feature', 'bytes:feature', 'label:meta', 'Attack_Cat:meta'],
  );
  assert.equal(said.filter((m) => /look like label columns: they are kept out of the features/.test(m) && m.includes('--label label')).length, 1, said.join(' | '));
  // named by --label it is the label, the other one still kept out, and the warning names only that one
  said.length = 0;
  const l = await readDataset([write('labelled2.csv', text)], { warn: (m) => said.push(m), label: 'label' });
  assert.deepEqual(labelColumns(l).map((c) => c.name), ['label', 'binary']);
  assert.equal(getColumn(l, 'Attack_Cat')?.role, 'meta');
  assert.equal(said.filter((m) => /"?Attack_Cat"? looks like a label column/.test(m)).length, 1, said.join(' | '));
});

test('--label: a categorical label, and binary derived when a normal value is recognisable', async () => {
  const t = await readDataset([write('flows.csv', FLOWS)], { ...quiet, label: 'class' });
  assert.deepEqual(
    labelColumns(t).map((c) => c.name),
    ['class', 'binary'],
  );
  assert.deepEqual(texts(t, 'binary'), ['normal', 'attack', 'attack']);
  assert.equal(t.defaultTarget, 'class');
  assert.equal(t.normalClass, 'benign');
  // a numeric-looking label is still a category, and 0 is recognised as normal
  const z = await readDataset([write('zero-one.csv', 'x,y\n1,0\n2,1\n3,0\n')], { ...quiet, label: 'y' });
  assert.equal(getColumn(z, 'y')?.kind, 'categorical');
  assert.deepEqual(texts(z, 'binary'), ['normal', 'attack', 'normal']);
  assert.equal(z.normalClass, '0');
  // no recognisable normal value: only the raw label
  const n = await readDataset([write('families.csv', 'x,family\n1,DoS\n2,Probe\n')], { ...quiet, label: 'family' });
  assert.deepEqual(
    labelColumns(n).map((c) => c.name),
    ['family'],
  );
  for (const v of ['normal', 'Normal', 'BENIGN', 'benign', '0', 'normal.']) assert.ok(isNormalLabel(v), v);
  assert.equal(isNormalLabel('attack'), false);
});

test('--label values are trimmed: a padded label is the same class, and an all-blank one is missing', async () => {
  const t = await readDataset([write('padded.csv', 'x,verdict\n1,good\n2,evil \n3, good\n4,evil\n5,  \n')], { ...quiet, label: 'verdict' });
  assert.deepEqual(texts(t, 'verdict'), ['good', 'evil', 'good', 'evil', null]);
  // the normal value is found trimmed too, so binary agrees with the label on every row
  const b = await readDataset([write('padded-normal.csv', 'x,verdict\n1, normal \n2,evil\n3,normal\n')], { ...quiet, label: 'verdict' });
  assert.equal(b.normalClass, 'normal');
  assert.deepEqual(texts(b, 'binary'), ['normal', 'attack', 'normal']);
});

test('a missing --label column is an InputError naming the file and listing its columns', async () => {
  const p = write('flows.csv', FLOWS);
  await assert.rejects(readDataset([p], { ...quiet, label: 'Label' }), (e: unknown) => {
    assert.ok(e instanceof InputError);
    assert.equal(e.message, `${p}: no column "Label" (--label); its columns are: "src", "dport", "bytes", "rate", "class"`);
    return true;
  });
});

test('a later text value in a numeric column is read as missing, with a warning naming the cell and suggesting --categorical', async () => {
  const p = write('late.csv', 'host id,n\n1,1\n2,2\n3,3\nweb-01,4\n');
  const warnings: string[] = [];
  const late = await readDataset([p], { warn: (m) => warnings.push(m), batchRows: 2 });
  assert.deepEqual(numbers(late, 'host id'), [1, 2, 3, NaN]);
  assert.deepEqual(warnings, [`${p}: column "host id" holds numbers, but 1 cell is text (the first: line 5, "web-01"): read as missing, imputed as other missing cells are (--categorical "host id" reads the column as categories)`]);
  // and the suggestion works
  const t = await readDataset([p], { ...quiet, batchRows: 2, categorical: ['host id'] });
  assert.deepEqual(texts(t, 'host id'), ['1', '2', '3', 'web-01']);
});

/**
 * One `n/a` or `-` among numbers made the whole column categories, without a word: a byte count
 * became a one-hot of every distinct value, and a model trained on it scored nonsense. Now the
 * column is numbers, the odd cells missing (imputed), said once per file with the first one's line;
 * a column with as much text as numbers or more is still categories.
 */
test('text among numbers (n/a, -) is read as missing in a number column, counted and said with the first cell; mostly text stays categories', async () => {
  const rows = ['src_ip,bytes,rate,state'];
  for (let i = 0; i < 40; i++) rows.push(`10.0.0.${i},${i === 7 ? 'n/a' : i === 20 || i === 30 ? '-' : 100 + i},${i % 3 ? 'x' : i},${i % 2 ? 'S0' : 'SF'}`);
  const p = write('odd.csv', rows.join('\n') + '\n');
  for (const batchRows of [10, 1000]) {
    const warnings: string[] = [];
    const t = await readDataset([p], { warn: (m) => warnings.push(m), batchRows });
    const bytes = getColumn(t, 'bytes')!;
    assert.equal(bytes.kind, 'numeric', `batchRows ${batchRows}`);
    const v = numbers(t, 'bytes');
    assert.deepEqual([v[0], v[7], v[20], v[30], v[39]], [100, NaN, NaN, NaN, 139]);
    // more text than numbers in "rate" (26 of 40 cells): categories, as before
    assert.equal(getColumn(t, 'rate')!.kind, 'categorical');
    assert.equal(getColumn(t, 'state')!.kind, 'categorical');
    assert.deepEqual(warnings, [`${p}: column "bytes" holds numbers, but 3 cells are text (the first: line 9, "n/a"): read as missing, imputed as other missing cells are (--categorical "bytes" reads the column as categories)`]);
    // counted among the missing cells the pipeline imputes
    assert.equal(t.cellCounts?.find((c) => c.column === 'bytes')?.missing, 3);
  }
});

test('header names: trimmed, repeats suffixed, empty ones named', () => {
  assert.deepEqual(columnNames([' Flow Duration', 'x', 'x', '', 'x']), ['Flow Duration', 'x', 'x.1', 'Unnamed: 3', 'x.2']);
});

test('a file without a header line is refused with what to do', async () => {
  const p = write('noheader.csv', '1,2,3\n4,5,6\n');
  await assert.rejects(readDataset([p], quiet), {
    message: `${p} line 1: the first line looks like data, not column names: a CSV needs a header line naming its columns (or pass --format nsl-kdd, cicflowmeter or unsw-nb15 for those datasets)`,
  });
});

test('files of one dataset: same columns in any order are aligned; different columns are an error', async () => {
  const a = write('a.csv', 'x,y,label\n1,2,normal\n');
  const b = write('b.csv', 'label,y,x\nattack,20,10\n');
  const t = await readDataset([a, b], { ...quiet, label: 'label' });
  assert.deepEqual(Array.from((getColumn(t, 'x') as NumericColumn).values), [1, 10]);
  assert.deepEqual(texts(t, 'label'), ['normal', 'attack']);
  const c = write('c.csv', 'x,z,label\n1,2,normal\n');
  await assert.rejects(readDataset([a, c], quiet), {
    message: `${c}: its columns differ from the first file's (missing "y"; extra "z"); files read as one dataset must have the same columns`,
  });
});

test('text cells of different invalid UTF-8 bytes read as one category (both decode to U+FFFD)', async () => {
  const p = join(dir, 'invalid-utf8.csv');
  const rows = [Buffer.from('x,tag\n1,Web '), Buffer.from([0x96]), Buffer.from(' X\n2,Web '), Buffer.from([0x97]), Buffer.from(' X\n3,plain\n')];
  writeFileSync(p, Buffer.concat(rows));
  const t = await readDataset([p], { ...quiet, categorical: ['tag'] });
  const tag = getColumn(t, 'tag');
  assert.ok(tag && tag.kind === 'categorical');
  assert.deepEqual(tag.dictionary, ['Web \uFFFD X', 'plain']);
  assert.deepEqual([...tag.codes], [0, 0, 1]);
});
