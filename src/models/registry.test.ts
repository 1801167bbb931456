import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allSpecs, getSpec, loadAllSpecs, loadSpec, modelCatalogue, specKind } from './registry.js';
import { UserError } from '../util/errors.js';

// one process per test file: nothing else has loaded an estimator yet, so the order below matters

test('loadSpec imports only the estimator asked for', async () => {
  const spec = await loadSpec('isolation-forest');
  assert.equal(spec.name, 'isolation-forest');
  assert.equal(getSpec('isolation-forest'), spec);
  assert.deepEqual(allSpecs().map((s) => s.name), ['isolation-forest']);
  // a known model used before it was loaded is a programming mistake, not the user's
  assert.throws(() => getSpec('lof'), (e: Error) => !(e instanceof UserError) && /loadSpec\("lof"\)/.test(e.message));
  assert.equal(specKind('lof'), 'detector');
  assert.equal(specKind('svm'), 'classifier');
  assert.equal(specKind('nope'), undefined);
});

test('an unknown model name gets the message listing every known model, loaded or not', async () => {
  const expected =
    'unknown model "isolation-forrest"; did you mean isolation-forest?; known models: autoencoder, bagging, dbscan, ' +
    'decision-tree, gradient-boosting, isolation-forest, linear-svm, lof, logistic-regression, mlp, one-class-svm, ' +
    'random-forest, svm, voting';
  await assert.rejects(loadSpec('isolation-forrest'), (e: Error) => e instanceof UserError && e.message === expected);
  assert.throws(() => getSpec('isolation-forrest'), (e: Error) => e instanceof UserError && e.message === expected);
  // names that are Object.prototype keys are unknown models too
  await assert.rejects(loadSpec('constructor'), UserError);
});

test('an ensemble loads every estimator, since it names its members at run time', async () => {
  await loadSpec('voting');
  assert.equal(allSpecs().length, 14);
  assert.doesNotThrow(() => getSpec('logistic-regression'));
});

test('every entry of the table loads a spec of that name and kind', async () => {
  const specs = await loadAllSpecs();
  assert.equal(specs.length, 14);
  for (const s of specs) assert.equal(specKind(s.name), s.kind, s.name);
});

test("the catalogue (train --help's list, read without loading a model) is every spec's name, kind and title", async () => {
  const specs = await loadAllSpecs();
  assert.deepEqual(
    modelCatalogue(),
    specs.map((s) => ({ name: s.name, kind: s.kind, title: s.title })).sort((a, b) => a.name.localeCompare(b.name)),
  );
});
