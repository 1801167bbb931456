/**
 * Loads every estimator. Importing this module is for code that works over any model by name
 * (comparisons, searches, benchmarks, tests); the rest awaits `loadSpec` for just the model it needs.
 */
import { loadAllSpecs, register } from './registry.js';

await loadAllSpecs();

export { register };
