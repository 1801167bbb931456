/** The stream worker's closing line counts in words: "1 message", not "1 messages". */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statsLine } from './stream.js';
import type { WorkerStats } from '../../stream/stream-worker.js';

const zero = { messages: 0, flows: 0, redelivered: 0, rejected: 0, alerts: 0, flowAlerts: 0, flowAlertsSuppressed: 0, findings: 0, stored: 0, duplicates: 0, rebuiltMessages: 0, rebuiltFlows: 0, seconds: 0.3 };

test('one message, one finding, one alert: singular; many: plural with thousands separators', () => {
  assert.match(statsLine({ ...zero, messages: 1, flows: 199, alerts: 1, findings: 1 } as unknown as WorkerStats), /^199 flows in 1 message scored in 0\.3 s; 1 alert \(1 finding\)$/);
  assert.match(statsLine({ ...zero, messages: 1200, flows: 1, alerts: 47, findings: 2 } as unknown as WorkerStats), /^1 flow in 1,200 messages scored in 0\.3 s; 47 alerts \(2 findings\)$/);
});
