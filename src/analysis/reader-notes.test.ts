/**
 * ReaderNotes keeps what the readers said in order, each text once, up to MAX_READER_NOTES and
 * counts the rest; keepReaderNotes still says every warning where it went before (duplicates too:
 * stderr stays as it was) and resultReaderNotes adds the imputed columns' lines after them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keepReaderNotes, MAX_READER_NOTES, ReaderNotes, resultReaderNotes } from './reader-notes.js';

test('in order, each once, bounded with a count of the rest', () => {
  const n = new ReaderNotes();
  for (const m of ['b', 'a', 'b', 'c', 'a']) n.add(m);
  assert.deepEqual(n.get(), { notes: ['b', 'a', 'c'], leftOut: 0 });
  const many = new ReaderNotes();
  for (let i = 0; i < MAX_READER_NOTES + 7; i++) many.add(`note ${i}`);
  many.add('note 0');
  many.add(`note ${MAX_READER_NOTES + 3}`);
  const got = many.get();
  assert.equal(got.notes.length, MAX_READER_NOTES);
  assert.equal(got.notes[MAX_READER_NOTES - 1], `note ${MAX_READER_NOTES - 1}`);
  assert.equal(got.leftOut, 7, 'distinct notes past the bound, each counted once');
});

test("keepReaderNotes says every warning to the caller's warn, duplicates included, and keeps each once", () => {
  const said: string[] = [];
  const { read, notes } = keepReaderNotes({ label: 'y', warn: (m) => said.push(m) });
  assert.equal(read.label, 'y');
  for (const m of ['x', 'x', 'y']) read.warn!(m);
  assert.deepEqual(said, ['x', 'x', 'y']);
  assert.deepEqual(notes.get().notes, ['x', 'y']);
});

test('the result adds the unexpected imputed columns after the readers, and none of CICFlowMeter\'s everyday ones', () => {
  const counts = [
    { column: 'duration', missing: 2, infinite: 0, negative: 0 },
    { column: 'Flow Bytes/s', missing: 3, infinite: 4, negative: 0 },
  ];
  assert.deepEqual(resultReaderNotes({ notes: ['f.csv: something'], leftOut: 0 }, counts, 'generic-csv', 10).notes, [
    'f.csv: something',
    'column "duration": 2 missing (empty or NaN) imputed with the training median (of 10 rows)',
    'column "Flow Bytes/s": 3 missing (empty or NaN) imputed with the training median; 4 infinite imputed with the training maximum/minimum (of 10 rows)',
  ]);
  assert.deepEqual(resultReaderNotes(undefined, counts, 'cicflowmeter', 10), { notes: ['column "duration": 2 missing (empty or NaN) imputed with the training median (of 10 rows)'], leftOut: 0 });
  assert.deepEqual(resultReaderNotes(undefined, undefined, undefined, 0), { notes: [], leftOut: 0 });
});
