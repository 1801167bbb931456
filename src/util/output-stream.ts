/**
 * Writing a long output (predictions, scored flows, alerts) as a stream: drain-aware writes, one
 * error listener, a bad path failing at open as one line. Now atomic (temporary beside the target,
 * renamed into place on close, removed on failure or signal): the implementation lives in
 * src/util/atomic-output.ts, and this module keeps the name its first callers import.
 */
export { openOutput, type OutputStream } from './atomic-output.js';
