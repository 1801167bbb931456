/**
 * The "unusual for ..." reason is made once per batch for each detector share and each set of
 * shares (unusualReasons); every row's text must still be the plain one, whatever the number of
 * distinct shares (past the cache's cap), detectors (past the key's four) or repeated names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIRED_P, unusualReasons } from './score-stage.js';

/** the text as the score stage first wrote it */
function plain(detectors: readonly string[], p: readonly Float64Array[], r: number): string {
  const fired = detectors.filter((_d, j) => p[j][r] >= FIRED_P);
  return fired.length ? `unusual for ${fired.map((d) => `${d} (above ${(p[detectors.indexOf(d)][r] * 100).toFixed(2)} % of baseline)`).join(', ')}` : '';
}

test('unusual-for reasons equal the plain text on every row: shared and distinct shares, many detectors, repeated names', () => {
  let s = 0x2545f491;
  const rnd = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  const rows = 20_000;
  const cases: string[][] = [['isolation-forest', 'autoencoder', 'one-class-svm'], ['a'], ['a', 'b', 'c', 'd', 'e'], ['x', 'y', 'x']];
  for (const detectors of cases) {
    // per detector: a mix of p = 1, a few repeated shares, and continuous ones (over 4,096 distinct), some below FIRED_P
    const p = detectors.map(() =>
      Float64Array.from({ length: rows }, (_, r) => {
        const u = rnd();
        if (u < 0.3) return 1;
        if (u < 0.5) return 0.99 + Math.floor(rnd() * 10) / 1000;
        if (u < 0.8) return 0.99 + rnd() * 0.01;
        return rnd();
      }),
    );
    const text = unusualReasons(detectors, p);
    let fired = 0;
    for (let r = 0; r < rows; r++) {
      const want = plain(detectors, p, r);
      assert.equal(text(r), want, `${detectors.join('/')} row ${r}`);
      if (want) fired++;
    }
    assert.ok(fired > rows / 2);
  }
});
