import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chiSquareIndependence } from './chi-square.js';

function close(got: number, want: number, rtol = 1e-12): void {
  assert.ok(Math.abs(got - want) <= rtol * Math.abs(want), `got ${got}, want ${want}`);
}

// expected values: scipy.stats.chi2_contingency(observed) (Yates correction when dof = 1)

test('chi-square 2x2 with Yates correction, checked by hand and against scipy', () => {
  // [[10,20],[30,40]]: n = 100, expected [[12,18],[28,42]], every |O - E| = 2 -> 1.5 after Yates
  // chi2 = 1.5^2 (1/12 + 1/18 + 1/28 + 1/42) = 0.446428...
  const r = chiSquareIndependence([10, 20, 30, 40], 2, 2);
  close(r.statistic, 2.25 * (1 / 12 + 1 / 18 + 1 / 28 + 1 / 42));
  close(r.statistic, 0.4464285714285714);
  close(r.pValue, 0.5040358664525046);
  assert.equal(r.dof, 1);
  // Cramér's V from the uncorrected statistic: 4 * (1/12 + 1/18 + 1/28 + 1/42) / 100
  close(r.cramersV, Math.sqrt((4 * (1 / 12 + 1 / 18 + 1 / 28 + 1 / 42)) / 100));
  const strong = chiSquareIndependence([12, 0, 0, 15], 2, 2);
  close(strong.statistic, 23.101875);
  close(strong.pValue, 1.5364080296871525e-6);
  close(strong.cramersV, 1);
  // Yates never moves a count past its expectation: |O - E| < 0.5 gives 0, p = 1
  const tiny = chiSquareIndependence([3, 4, 3, 5], 2, 2);
  assert.equal(tiny.statistic, 0);
  assert.equal(tiny.pValue, 1);
});

test('chi-square 3x2 without correction; empty rows dropped; one row is undefined', () => {
  const r = chiSquareIndependence([10, 10, 20, 10, 10, 30], 3, 2);
  close(r.statistic, 12.375000000000002);
  close(r.pValue, 0.002054957731209458);
  assert.equal(r.dof, 2);
  const withEmpty = chiSquareIndependence([5, 5, 0, 0, 3, 9], 3, 2);
  close(withEmpty.statistic, 0.5909226190476188);
  close(withEmpty.pValue, 0.4420625692722038);
  assert.equal(withEmpty.dof, 1);
  const one = chiSquareIndependence([5, 7, 0, 0], 2, 2);
  assert.ok(Number.isNaN(one.pValue));
  assert.throws(() => chiSquareIndependence([1, 2, 3], 2, 2), /3 counts for a 2x2/);
});
