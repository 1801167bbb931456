import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CategoricalBytesBuilder } from './categorical-bytes.js';

test('codes follow first appearance, equal bytes share a code, across rehashes', () => {
  const b = new CategoricalBytesBuilder(4);
  const values: string[] = [];
  for (let i = 0; i < 5000; i++) values.push(`10.0.${i % 700}.${i % 13}`);
  for (const v of values) {
    const bytes = Buffer.from(`,${v},`); // the value in the middle of a larger buffer
    b.push(bytes, 1, bytes.length - 1);
  }
  b.pushMissing();
  b.pushText('10.0.0.0');
  b.pushText('Dvořák');
  const codes = b.finish();
  assert.equal(codes.length, 5003);
  const firstSeen = [...new Set(values)];
  assert.deepEqual(b.dictionary.slice(0, firstSeen.length), firstSeen);
  for (let i = 0; i < values.length; i++) assert.equal(b.dictionary[codes[i]], values[i]);
  assert.equal(codes[5000], -1);
  assert.equal(codes[5001], codes[0]); // pushText finds the value pushed as bytes
  assert.equal(b.dictionary[codes[5002]], 'Dvořák');
});

test('invalid UTF-8 decodes with U+FFFD (the broken dash of the original CIC-IDS2017 labels)', () => {
  const b = new CategoricalBytesBuilder();
  const bytes = Buffer.from([0x57, 0x65, 0x62, 0x20, 0x96, 0x20, 0x58]);
  b.push(bytes, 0, bytes.length);
  assert.equal(b.dictionary[0], 'Web \uFFFD X');
});

test('new values become the same strings from a Buffer (ASCII read as latin1) or any byte array, UTF-8 or not', () => {
  const values = ['10.0.0.1', 'Dvořák', 'Web \uFFFD X', '', 'a'.repeat(300)];
  const fromBuffer = new CategoricalBytesBuilder();
  const fromArray = new CategoricalBytesBuilder();
  for (const v of values) {
    const bytes = Buffer.from(`,${v},`);
    fromBuffer.push(bytes, 1, bytes.length - 1);
    fromArray.push(new Uint8Array(bytes), 1, bytes.length - 1);
  }
  assert.deepEqual(fromBuffer.dictionary, values);
  assert.deepEqual(fromArray.dictionary, values);
  // the arena holds the bytes: the same bytes again find their code
  const again = Buffer.from('Dvořák');
  fromBuffer.push(again, 0, again.length);
  assert.equal(fromBuffer.finish()[values.length], 1);
});
