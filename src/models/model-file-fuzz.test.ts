// Short fuzzing run of the model-file decoder on mutated real model files (the long run: npm run fuzz).
// Property: decoded, or refused with a one-line UserError; never another exception.
import { before, test } from 'node:test';
import fc from 'fast-check';
import { fuzzModelDecode, modelInputArb, seedModels } from '../testing/reader-fuzz.js';

let seeds: Buffer[] = [];
before(async () => {
  seeds = await seedModels();
});

test('fuzz: mutated model files (bytes, lengths, JSON under a recomputed checksum) decode or are refused in one line', () => {
  fc.assert(
    fc.property(modelInputArb(seeds), (buf) => {
      fuzzModelDecode(buf);
    }),
    { numRuns: 1500, seed: 9_008, interruptAfterTimeLimit: 10_000 },
  );
});
