/**
 * Every estimator by its command-line name. A model file names its estimator; loading looks it up
 * here, so nothing in a model file is ever executed.
 *
 * An estimator's module is imported only when its model is needed (`loadSpec`): loading all
 * fourteen costs ~20 ms of CPU on every run, while e.g. `analyze -b` needs only the baseline's
 * three detectors. Code that reads or creates models awaits `loadSpec`; code handed a model that
 * was already read or trained uses the synchronous `getSpec`.
 */
import type { EstimatorSpec } from './estimator.js';
import { UserError } from '../util/errors.js';
import { closestName } from '../util/closest-name.js';

interface Entry {
  /** known without importing the module, for listings and defaults (contract.test checks it) */
  readonly kind: EstimatorSpec['kind'];
  /** the spec's title, known without importing it, for `train --help`'s list of models (registry.test checks it) */
  readonly title: string;
  readonly load: () => Promise<EstimatorSpec>;
}

// one line per estimator module; keep alphabetical
const modules: Readonly<Record<string, Entry>> = {
  autoencoder: { title: 'Autoencoder', kind: 'detector', load: async () => (await import('./neural/autoencoder.js')).autoencoder },
  bagging: { title: 'Bagging', kind: 'classifier', load: async () => (await import('./ensemble/bagging.js')).bagging },
  dbscan: { title: 'DBSCAN', kind: 'detector', load: async () => (await import('./cluster/dbscan-detector.js')).dbscanDetector },
  'decision-tree': { title: 'Decision tree', kind: 'classifier', load: async () => (await import('./trees/decision-tree.js')).decisionTree },
  'gradient-boosting': { title: 'Gradient-boosted trees', kind: 'classifier', load: async () => (await import('./trees/gbdt.js')).gradientBoosting },
  'isolation-forest': { title: 'Isolation forest', kind: 'detector', load: async () => (await import('./isolation-forest.js')).isolationForest },
  'linear-svm': { title: 'Linear SVM', kind: 'classifier', load: async () => (await import('./linear/linear-svm.js')).linearSvm },
  lof: { title: 'Local outlier factor', kind: 'detector', load: async () => (await import('./lof.js')).lof },
  'logistic-regression': { title: 'Logistic regression', kind: 'classifier', load: async () => (await import('./linear/logistic-regression.js')).logisticRegression },
  mlp: { title: 'Multi-layer perceptron', kind: 'classifier', load: async () => (await import('./neural/mlp.js')).mlp },
  'one-class-svm': { title: 'One-class SVM', kind: 'detector', load: async () => (await import('./kernel/one-class-svm.js')).oneClassSvm },
  'random-forest': { title: 'Random forest', kind: 'classifier', load: async () => (await import('./trees/random-forest.js')).randomForest },
  svm: { title: 'RBF-kernel SVM', kind: 'classifier', load: async () => (await import('./kernel/svm.js')).svm },
  voting: { title: 'Voting ensemble', kind: 'classifier', load: async () => (await import('./ensemble/voting.js')).voting },
};

/** ensembles look their members up by name while fitting and predicting, so they need every estimator */
const ENSEMBLES = new Set(['bagging', 'voting']);

const specs = new Map<string, EstimatorSpec>();

export function register(spec: EstimatorSpec): void {
  specs.set(spec.name, spec);
}

function knownNames(): string[] {
  return [...new Set([...Object.keys(modules), ...specs.keys()])].sort();
}

function unknown(name: string): UserError {
  const near = closestName(name, knownNames());
  return new UserError(`unknown model "${name}"${near ? `; did you mean ${near}?` : ''}; known models: ${knownNames().join(', ')}`);
}

/** The estimator `name`, importing its module on first use; an unknown name is a UserError. */
export async function loadSpec(name: string): Promise<EstimatorSpec> {
  if (ENSEMBLES.has(name)) await loadAllSpecs();
  const s = specs.get(name);
  if (s) return s;
  const entry = Object.hasOwn(modules, name) ? modules[name] : undefined;
  if (!entry) throw unknown(name);
  const spec = await entry.load();
  register(spec);
  return spec;
}

/** A spec already loaded by `loadSpec` (or `loadAllSpecs`); an unknown name is a UserError. */
export function getSpec(name: string): EstimatorSpec {
  const s = specs.get(name);
  if (s) return s;
  if (Object.hasOwn(modules, name)) throw new Error(`model "${name}" is used before loadSpec("${name}") was awaited`);
  throw unknown(name);
}

/** The kind of a known estimator without loading it; undefined for an unknown name. */
export function specKind(name: string): EstimatorSpec['kind'] | undefined {
  return specs.get(name)?.kind ?? (Object.hasOwn(modules, name) ? modules[name].kind : undefined);
}

/**
 * Name, kind and title of every estimator, without loading one (those registered by hand
 * included): what `train --help` and `compare --help` list, answered from train-spec.ts and
 * compare-spec.ts without the ~100 ms of loading every model.
 */
export function modelCatalogue(): { name: string; kind: EstimatorSpec['kind']; title: string }[] {
  const out = new Map<string, { name: string; kind: EstimatorSpec['kind']; title: string }>();
  for (const [name, e] of Object.entries(modules)) out.set(name, { name, kind: e.kind, title: e.title });
  for (const s of specs.values()) out.set(s.name, { name: s.name, kind: s.kind, title: s.title });
  return [...out.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Every estimator, loading all modules (listings, comparisons, searches). */
export async function loadAllSpecs(): Promise<EstimatorSpec[]> {
  for (const [name, entry] of Object.entries(modules)) if (!specs.has(name)) register(await entry.load());
  return allSpecs();
}

/** The estimators loaded so far; call `loadAllSpecs` first to get every one. */
export function allSpecs(): EstimatorSpec[] {
  return [...specs.values()];
}
