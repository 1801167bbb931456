import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeModel, encodeModel, loadModelFile, saveModelFile } from './model-file.js';
import { UserError } from '../util/errors.js';

const doc = {
  name: 'x',
  nested: { a: new Float64Array([1.5, -2, Infinity, NaN]), b: [new Int32Array([1, 2, 3]), new Uint8Array([7])] },
  plain: [1, 'two', null, true],
  inf: -Infinity,
};

test('round trip keeps typed arrays, their types and non-finite numbers', () => {
  const back = decodeModel(encodeModel(doc), 'm.nsm') as typeof doc;
  assert.ok(back.nested.a instanceof Float64Array);
  assert.deepEqual(Array.from(back.nested.a).slice(0, 3), [1.5, -2, Infinity]);
  assert.ok(Number.isNaN(back.nested.a[3]));
  assert.ok(back.nested.b[0] instanceof Int32Array);
  assert.deepEqual(Array.from(back.nested.b[0]), [1, 2, 3]);
  assert.ok(back.nested.b[1] instanceof Uint8Array);
  assert.deepEqual(back.plain, [1, 'two', null, true]);
  assert.equal(back.inf, -Infinity);
});

test('a flipped byte is refused as damaged (checksum mismatch)', () => {
  const buf = encodeModel(doc);
  buf[buf.length - 40] ^= 0xff;
  assert.throws(() => decodeModel(buf, 'm.nsm'), (e: unknown) => e instanceof UserError && /m\.nsm is damaged \(checksum mismatch\)/.test(e.message));
});

test('a truncated file is refused', () => {
  const buf = encodeModel(doc);
  assert.throws(() => decodeModel(buf.subarray(0, buf.length - 10), 'm.nsm'), /damaged/);
  assert.throws(() => decodeModel(buf.subarray(0, 20), 'm.nsm'), /damaged \(truncated\)/);
});

test('a file that is not a model, or from a newer version, is refused with a clear message', () => {
  assert.throws(() => decodeModel(Buffer.from('hello world, not a model at all........................'), 'x.csv'), /x\.csv is not a netsentinel model file/);
  const buf = encodeModel(doc);
  buf.writeUInt32LE(99, 8);
  assert.throws(() => decodeModel(buf, 'm.nsm'), /newer netsentinel \(model format 99/);
});

test('prototype keys in the header are not revived (loading executes nothing)', () => {
  const buf = encodeModel({ ['__proto__']: { polluted: true }, ok: 1 } as object);
  const back = decodeModel(buf, 'm.nsm') as Record<string, unknown>;
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(back.ok, 1);
});

test('save writes atomically and load reads it back; a missing file is a UserError', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-mf-'));
  const p = join(dir, 'a.nsm');
  await saveModelFile(p, doc);
  const back = (await loadModelFile(p)) as typeof doc;
  assert.equal(back.name, 'x');
  await assert.rejects(loadModelFile(join(dir, 'nope.nsm')), (e: unknown) => e instanceof UserError && /does not exist/.test(e.message));
  // a folder that does not exist yet is made; one that cannot be made is a UserError
  await saveModelFile(join(dir, 'new', 'deeper', 'c.nsm'), doc);
  assert.equal(((await loadModelFile(join(dir, 'new', 'deeper', 'c.nsm'))) as typeof doc).name, 'x');
  await assert.rejects(saveModelFile(join(p, 'x.nsm'), doc), (e: unknown) => e instanceof UserError && /cannot write/.test(e.message));
  writeFileSync(join(dir, 'b.nsm'), readFileSync(p).subarray(0, 30));
  await assert.rejects(loadModelFile(join(dir, 'b.nsm')), /damaged/);
});

test('a crafted header under a valid checksum is refused as damaged, never a crash (blob types from the prototype, string offsets, negative lengths, deep nesting)', async () => {
  const { rebuildModel } = await import('../testing/reader-fuzz.js');
  const good = encodeModel(doc);
  const crafted = [
    'null',
    '[]',
    '{"blobs":null,"doc":1}',
    '{"blobs":[null],"doc":1}',
    '{"blobs":[{"type":"toString","offset":0,"length":1}],"doc":1}',
    '{"blobs":[{"type":"constructor","offset":0,"length":1}],"doc":1}',
    '{"blobs":[{"type":"Float64Array","offset":"8","length":1}],"doc":1}',
    '{"blobs":[{"type":"Float64Array","offset":0,"length":-1}],"doc":1}',
    '{"blobs":[{"type":"Float64Array","offset":0,"length":0.5}],"doc":1}',
    `{"blobs":[],"doc":${'['.repeat(20000)}${']'.repeat(20000)}}`,
    `{"blobs":[],"doc":${'{"a":'.repeat(20000)}1${'}'.repeat(20000)}}`,
  ];
  for (const text of crafted) {
    const buf = rebuildModel(good, () => text, true);
    assert.throws(
      () => decodeModel(buf, 'm.nsm'),
      (e: Error) => e instanceof UserError && /^m\.nsm is damaged \(/.test(e.message) && !e.message.includes('\n'),
      text.slice(0, 60),
    );
  }
});
