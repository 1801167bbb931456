/**
 * A short fuzz run of the capture path (readers, decoder, packet detectors, flow meter, flow records) on mutated real captures: every
 * input reads to the end or stops with one UserError; truncating a pcap anywhere delivers exactly
 * the records before the cut. The long run is `npm run fuzz:captures` (src/testing/capture-fuzz.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { captureCorpus, inputArbitrary, runCapturePath } from '../testing/capture-fuzz.js';
import { readPackets, writePcap } from '../testing/capture-writer.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';

const skip = skipWithoutShared('pcaps', 'http_google.pcapng');

test('mutated captures never crash the readers, decoder, packet detectors, flow meter or flow records', { skip }, () => {
  const corpus = captureCorpus(20);
  assert.ok(corpus.length >= 60);
  // the unmutated corpus reads cleanly
  for (const c of corpus) assert.equal(runCapturePath(c, []).error, undefined);
  fc.assert(fc.property(inputArbitrary(corpus), ({ bytes, chunks }) => void runCapturePath(bytes, chunks)), { numRuns: 3000, seed: 20261203 });
});

test('a pcap cut anywhere yields exactly the whole records before the cut, then one error with the offset', { skip }, async () => {
  const packets = (await readPackets(sharedPath('pcaps', 'http_google.pcapng') as string)).slice(0, 8);
  const buf = writePcap(packets, { linkType: 1 });
  const ends: number[] = [];
  let at = 24;
  for (const p of packets) ends.push((at += 16 + p.data.length));
  fc.assert(
    fc.property(fc.integer({ min: 24, max: buf.length - 1 }), fc.integer({ min: 1, max: 700 }), (cut, chunk) => {
      const o = runCapturePath(buf.subarray(0, cut), [chunk]);
      const whole = ends.filter((e) => e <= cut).length;
      assert.equal(o.packets, whole);
      if (cut === 24 || ends.includes(cut)) assert.equal(o.error, undefined); // a header alone is an empty capture
      else assert.match(o.error ?? '', new RegExp(`byte ${whole === 0 ? 24 : ends[whole - 1]}\\b`));
    }),
    { numRuns: 300, seed: 7 },
  );
});
