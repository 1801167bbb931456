/**
 * The options of a stream worker's adaptation (--drift, --retrain-every, ...) and the drift
 * monitor's defaults, apart from the monitor and the retraining: `stream --help` prints them without
 * loading those.
 */
import type { OptionSpec } from '../cli/args.js';
import type { DriftSettings } from './drift-monitor.js';

export const DEFAULT_DRIFT: DriftSettings = { window: 1000, threshold: 0.25, minFeatures: 3 };

export const ADAPT_OPTIONS: readonly OptionSpec[] = [
  { name: 'drift', type: 'boolean', description: "report drift of the features and the anomaly score against the baseline's reference (PSI per window)" },
  { name: 'drift-window', type: 'integer', value: 'FLOWS', description: 'flows per drift window', default: DEFAULT_DRIFT.window },
  { name: 'drift-threshold', type: 'number', value: 'PSI', description: 'PSI beyond sampling noise at which a feature has moved', default: DEFAULT_DRIFT.threshold },
  { name: 'drift-features', type: 'integer', value: 'N', description: 'features that must move in a window to report drift', default: DEFAULT_DRIFT.minFeatures },
  { name: 'retrain-every', type: 'string', value: 'N|DURATION', description: 'refit the baseline on recent clean flows every N flows (5000) or every DURATION (30m, 6h) and swap it in' },
  { name: 'retrain-on-drift', type: 'boolean', description: 'refit the baseline when drift is reported (implies --drift)' },
  { name: 'reservoir', type: 'integer', value: 'FLOWS', description: 'recent clean flows kept for retraining', default: 20000 },
  { name: 'model-dir', type: 'string', value: 'DIR', description: 'where retrained baselines are written', default: 'models' },
];
