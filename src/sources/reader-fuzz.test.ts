// Short fuzzing run of the CSV tokenizer and the dataset readers (the long run: npm run fuzz).
// Property: read, or refused with a one-line UserError; chunking never changes the records.
import { test } from 'node:test';
import fc from 'fast-check';
import { csvInputArb, fuzzReadDataset, fuzzTokenizer, readOptionsArb, seedTexts } from '../testing/reader-fuzz.js';

const seeds = seedTexts();

test('fuzz: the tokenizer reads any bytes the same whole and in chunks, or refuses in one line', async () => {
  await fc.assert(
    fc.asyncProperty(csvInputArb(seeds), fc.integer({ min: 1, max: 97 }), async (bytes, chunk) => {
      await fuzzTokenizer(bytes, chunk);
    }),
    { numRuns: 400, seed: 9_006, interruptAfterTimeLimit: 10_000 },
  );
});

test('fuzz: the dataset readers read any bytes or refuse them in one line', async () => {
  await fc.assert(
    fc.asyncProperty(csvInputArb(seeds), readOptionsArb, async (bytes, o) => {
      await fuzzReadDataset(bytes, o);
    }),
    { numRuns: 400, seed: 9_007, interruptAfterTimeLimit: 10_000 },
  );
});
