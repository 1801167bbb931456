/**
 * The `stream` verb's adaptation options (--drift, --retrain-every, …) and turning them into the
 * worker's adapter: kept here so the verb only spreads the table and makes one call.
 */
import type { OptionSpec } from '../cli/args.js';
import { UserError } from '../util/errors.js';
import type { Baseline } from '../risk/baseline.js';
import type { Bus } from '../stream/nats-bus.js';
import { checkDriftSettings } from './drift-monitor.js';
import { openModelVersionStore, type ModelVersionStore } from './model-versions.js';
import { createStreamAdaptation, type RetrainSchedule, type StreamAdapter } from './stream-adaptation.js';

export { ADAPT_OPTIONS } from './adapt-option-table.js';

/** "5000" → flows; "30s", "10m", "6h", "1d" → milliseconds */
export function parseRetrainEvery(text: string): { everyFlows?: number; everyMs?: number } {
  const m = /^(\d+(?:\.\d+)?)(s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new UserError(`stream: --retrain-every takes a flow count (5000) or a duration (30s, 10m, 6h, 1d), got "${text}"`);
  const n = Number(m[1]);
  if (!m[2]) {
    if (!Number.isInteger(n) || n < 100) throw new UserError(`stream: --retrain-every ${text}: a flow count must be a whole number of at least 100`);
    return { everyFlows: n };
  }
  const ms = n * { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
  if (ms < 1000) throw new UserError(`stream: --retrain-every ${text}: at least 1 s`);
  return { everyMs: ms };
}

export interface AdaptContext {
  readonly worker: string;
  readonly baselineFile: string;
  readonly baseline: Baseline;
  readonly flowThreshold: number;
  readonly storeLocation: string;
  readonly bus?: Bus;
  readonly stream?: string;
  readonly prefix?: string;
  readonly note: (line: string) => void;
  /** the worker's metrics: retrains skipped for want of clean flows are counted there */
  readonly metrics?: { retrainsSkipped: number | undefined };
}

/** the adapter the options ask for, and the version store it writes to; undefined when none is asked */
export async function adaptationFromOptions(v: Record<string, unknown>, c: AdaptContext): Promise<{ adapter: StreamAdapter; versions: ModelVersionStore } | undefined> {
  const every = v.retrainEvery ? parseRetrainEvery(v.retrainEvery as string) : undefined;
  const onDrift = Boolean(v.retrainOnDrift);
  const wantDrift = Boolean(v.drift) || onDrift;
  if (!wantDrift && !every) return undefined;
  if (c.storeLocation === 'none') throw new UserError('stream: --drift and --retrain-every record events and model versions in the store; give --store');
  const drift = wantDrift ? checkDriftSettings({ window: v.driftWindow as number, threshold: v.driftThreshold as number, minFeatures: v.driftFeatures as number }, 'stream') : undefined;
  const reservoir = v.reservoir as number;
  if (!(reservoir >= 100)) throw new UserError(`stream: --reservoir must be at least 100 flows, got ${reservoir}`);
  const retrain: RetrainSchedule | undefined = every || onDrift ? { ...every, onDrift, reservoir, minFlows: Math.min(200, reservoir), dir: v.modelDir as string } : undefined;
  const versions = await openModelVersionStore(c.storeLocation);
  try {
    const m = c.metrics;
    if (m && retrain) m.retrainsSkipped = 0;
    const adapter = await createStreamAdaptation({ ...c, cleanBelow: c.flowThreshold, drift, retrain, versions, onRetrainSkipped: m ? () => (m.retrainsSkipped = (m.retrainsSkipped ?? 0) + 1) : undefined });
    return { adapter, versions };
  } catch (e) {
    await versions.close();
    throw e;
  }
}
