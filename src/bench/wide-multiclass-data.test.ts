import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDataset } from '../sources/read-dataset.js';
import { fitPipeline, targetColumn, transformTable } from '../features/pipeline.js';
import { WIDE_CLASSES, writeWideMulticlass } from './wide-multiclass-data.js';

test('the wide bench set has the shape it promises, the same bytes for a seed, and classes it can tell apart', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-wide-test-'));
  try {
    const a = writeWideMulticlass(join(dir, 'a'), 7, 0.1);
    const b = writeWideMulticlass(join(dir, 'b'), 7, 0.1);
    const c = writeWideMulticlass(join(dir, 'c'), 8, 0.1);
    assert.equal(readFileSync(a.train, 'utf8'), readFileSync(b.train, 'utf8'));
    assert.equal(readFileSync(a.test, 'utf8'), readFileSync(b.test, 'utf8'));
    assert.notEqual(readFileSync(a.train, 'utf8'), readFileSync(c.train, 'utf8'));

    const read = { format: 'csv', label: a.label };
    const train = await readDataset([a.train], read);
    const test = await readDataset([a.test], read);
    assert.equal(train.rowCount + test.rowCount, a.rows);
    const y = targetColumn(train);
    assert.equal(y.dictionary.length, WIDE_CLASSES.length);
    // skewed: the largest class is hundreds of times the smallest
    const counts = new Array(y.dictionary.length).fill(0);
    for (const v of y.codes) counts[v]++;
    assert.ok(Math.max(...counts) > 100 * Math.min(...counts), `class sizes ${counts}`);
    // 39 numeric columns + proto (many values) + service + state: >= 150 features after one-hot
    const proto = train.columns.find((col) => col.name === 'proto');
    assert.ok(proto && proto.kind === 'categorical' && proto.dictionary.length >= 100, 'proto is a high-cardinality category');
    const X = transformTable(fitPipeline(train, { scaling: 'none', categorical: 'onehot' }), train);
    assert.ok(X.cols >= 150, `${X.cols} features`);
    // mixed scales: byte counts span several decades, TTLs a handful of values
    const col = (name: string): number[] => {
      const j = train.columns.findIndex((c2) => c2.name === name);
      const cc = train.columns[j];
      return cc.kind === 'numeric' ? Array.from(cc.values) : [];
    };
    const sbytes = col('sbytes');
    assert.ok(Math.max(...sbytes) / Math.max(1, Math.min(...sbytes)) > 1e3);
    assert.ok(new Set(col('sttl')).size <= 7);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
