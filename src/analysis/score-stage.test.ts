/**
 * The "unusual for ..." reason is made once per batch for each detector share and each set of
 * shares (unusualReasons); every row's text must still be the plain one, whatever the number of
 * distinct shares (past the cache's cap), detectors (past the key's four) or repeated names.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FIRED_P, percentOfBaseline, unusualReasons } from './score-stage.js';
import { Rng } from '../util/rng.js';

/** the text as the score stage first wrote it */
function plain(detectors: readonly string[], p: readonly Float64Array[], r: number): string {
  const fired = detectors.filter((_d, j) => p[j][r] >= FIRED_P);
  return fired.length ? `unusual for ${fired.map((d) => `${d} (above ${percentOfBaseline(p[detectors.indexOf(d)][r])} % of baseline)`).join(', ')}` : '';
}

test('unusual-for reasons equal the plain text on every row: shared and distinct shares, many detectors, repeated names', () => {
  const rng = new Rng(0x2545f491);
  const rnd = (): number => rng.next();
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

test('unusual-for reasons equal the plain text in runs of equal numbers (the last share and text are reused)', () => {
  const rng = new Rng(0x1234567);
  const rnd = (): number => rng.next();
  const rows = 20_000;
  const detectors = ['isolation-forest', 'autoencoder', 'one-class-svm'];
  // runs of 1–8 rows with one detector's p held, alternating between a few values (fired and not)
  const values = [1, 1, 0.995, 0.999, 0.5, 0.991];
  const p = detectors.map(() => {
    const col = new Float64Array(rows);
    for (let r = 0; r < rows; ) {
      const v = values[Math.floor(rnd() * values.length)];
      for (let k = 1 + Math.floor(rnd() * 8); k > 0 && r < rows; k--) col[r++] = v;
    }
    return col;
  });
  const text = unusualReasons(detectors, p);
  for (let r = 0; r < rows; r++) assert.equal(text(r), plain(detectors, p, r), `row ${r}`);
});

test('a p below 1 never reads as above 100.00 % of baseline', () => {
  assert.equal(percentOfBaseline(0.5), '50.00');
  assert.equal(percentOfBaseline(0.9994), '99.94');
  assert.equal(percentOfBaseline(0.99999), '99.9990');
  assert.equal(percentOfBaseline(0.999999999), '99.9999');
  assert.equal(percentOfBaseline(1), '100.00');
});
