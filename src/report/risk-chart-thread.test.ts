/**
 * The risk chart drawn on a worker thread (capture) or on this one (analyze) is the same PNG.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { riskChartThread } from './risk-chart-thread.js';

test('the chart drawn on this thread is byte for byte the one the worker draws', async () => {
  const risks = new Float64Array(5000);
  for (let i = 0; i < risks.length; i++) risks[i] = ((i * 7919) % 5000) / 5000;
  const data = { risks, threshold: 0.999, sampled: false, total: risks.length };
  const onWorker = riskChartThread();
  const here = riskChartThread({ inThread: true });
  try {
    const a = await onWorker('risk', data);
    const b = await here('risk', data);
    assert.ok(a && a.length > 1000, 'the worker drew a PNG');
    assert.ok(b, 'this thread drew one');
    assert.equal(Buffer.compare(Buffer.from(a), Buffer.from(b)), 0);
    assert.equal(await here('risk', { ...data, risks: new Float64Array(0) }), undefined, 'no flows, no chart');
  } finally {
    await onWorker.close();
    await here.close();
  }
});
