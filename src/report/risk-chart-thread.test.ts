/**
 * The risk chart drawn on a worker thread or on this one (analyze picks by the input's size) is
 * the same PNG; and which inputs count as small.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { riskChartThread } from './risk-chart-thread.js';
import { smallInput } from '../cli/verbs/analyze.js';

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

test('small input: regular files under 16 MiB together; a folder, a missing path or a larger total is not', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-small-input-'));
  try {
    const a = join(dir, 'a.pcap');
    writeFileSync(a, Buffer.alloc(1000));
    const big = join(dir, 'big.pcap');
    // sparse: 16 MiB long, nothing written
    const fd = openSync(big, 'w');
    ftruncateSync(fd, 16 * 1024 * 1024 - 500);
    closeSync(fd);
    mkdirSync(join(dir, 'folder'));
    assert.equal(smallInput([a]), true);
    assert.equal(smallInput([big]), true);
    assert.equal(smallInput([a, big]), false, 'the sizes add up');
    assert.equal(smallInput([a, join(dir, 'folder')]), false);
    assert.equal(smallInput([join(dir, 'missing.pcap')]), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
