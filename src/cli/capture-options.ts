/**
 * The flow-meter options every verb that reads flows accepts, for when its inputs are packet
 * captures (they are ignored for CSV inputs): table size and timeouts.
 */
import type { OptionSpec } from './args.js';
import type { CaptureFlowOptions } from '../packets/capture-flows.js';
import { UserError } from '../util/errors.js';

export const CAPTURE_OPTIONS: readonly OptionSpec[] = [
  { name: 'max-flows', type: 'integer', value: 'N', description: 'captures: most flows held at once; when full, the least recently seen is evicted (about 0.8 KB each)', default: 100000 },
  { name: 'flow-timeout', type: 'number', value: 'SECONDS', description: "captures: a flow older than this is split (CICFlowMeter's flow timeout)", default: 120 },
  { name: 'idle-timeout', type: 'number', value: 'SECONDS', description: 'captures: a flow silent this long ends', default: 120 },
  {
    name: 'allow-truncated',
    type: 'boolean',
    description: 'captures: one that ends inside its last packet (still being written, or stopped mid-packet) is a warning, and every packet before the cut is used (default: an error naming the byte offset)',
  },
];

export function captureOptionsFrom(values: Record<string, unknown>): CaptureFlowOptions {
  const maxFlows = values.maxFlows as number | undefined;
  const flow = values.flowTimeout as number | undefined;
  const idle = values.idleTimeout as number | undefined;
  if (maxFlows !== undefined && maxFlows < 1) throw new UserError(`--max-flows must be at least 1, got ${maxFlows}`);
  if (flow !== undefined && !(flow > 0)) throw new UserError(`--flow-timeout must be above 0 seconds, got ${flow}`);
  if (idle !== undefined && !(idle > 0)) throw new UserError(`--idle-timeout must be above 0 seconds, got ${idle}`);
  return {
    maxFlows,
    activeTimeoutMicros: flow !== undefined ? flow * 1e6 : undefined,
    idleTimeoutMicros: idle !== undefined ? idle * 1e6 : undefined,
    allowTruncated: values.allowTruncated === true ? true : undefined,
  };
}
