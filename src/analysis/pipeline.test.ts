/**
 * The pipeline's extension points, on the shipped loopback sample: an evidence provider's verdict
 * about one source joins that source's risk and reasons, its findings become alerts; an extra sink
 * sees every batch, every alert and the result, in the documented order; a custom FlowSource
 * replaces the files; a failing source aborts every opened sink.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { readDataset } from '../sources/read-dataset.js';
import { fitBaseline } from '../risk/baseline.js';
import { runAnalysis } from './run-analysis.js';
import type { EvidenceProvider } from './evidence.js';
import type { Sink } from './sink.js';
import type { FlowSource } from './flow-source.js';
import { UserError } from '../util/errors.js';

const sample = resolve('samples', 'loopback');

test('evidence providers, extra sinks and custom sources plug into analyze', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-pipeline-'));
  try {
    const baseline = await fitBaseline(await readDataset([join(sample, 'normal.csv')]), { seed: 1, threads: 1 });
    const common = { inputs: [join(sample, 'traffic.csv')], read: {}, baseline, flowThreshold: 0.999, ipThreshold: 0.99, threads: 1, batchRows: 500 };
    const plain = await runAnalysis({ ...common, outDir: join(dir, 'plain') });
    // a source the flows alone find harmless
    const before = (await runAnalysis({ ...common, outDir: join(dir, 'p2'), ipThreshold: 0.000001 })).riskyIps.find((r) => r.ip === '127.0.0.10');
    assert.ok(before && before.risk < 0.99, `127.0.0.10 should look normal on its own (risk ${before?.risk})`);

    const seen: string[] = [];
    let observed = 0;
    const intel: EvidenceProvider = {
      name: 'test-intel',
      observe(batch) {
        observed += batch.rowCount;
      },
      async finish(sources) {
        assert.ok(sources.includes('127.0.0.10'));
        return { bySource: new Map([['127.0.0.10', [{ source: 'intel:test', p: 0.99999, weight: 1, reason: 'listed by the test feed' }]]]) };
      },
    };
    const sink: Sink = {
      name: 'test-sink',
      async open(run) {
        seen.push(`open ${run.detectors.length}`);
      },
      async batch(s) {
        seen.push(`batch ${s.rows}`);
      },
      async alerts(list) {
        if (list.length) seen.push(`alerts ${list[0].input.source}`);
      },
      async finish(ctx) {
        seen.push(`finish ${Object.keys(ctx.result.outputs).join(' ')}`);
      },
      async commit(r) {
        seen.push(`commit ${r.flows}`);
      },
    };
    const r = await runAnalysis({ ...common, outDir: join(dir, 'ext'), evidence: [intel], sinks: [sink] });
    const row = r.riskyIps.find((x) => x.ip === '127.0.0.10');
    assert.ok(row && row.risk >= 0.9999, 'the provider\'s evidence raises its source');
    assert.ok(row.reasons.includes('listed by the test feed'));
    assert.equal(observed, r.flows);
    assert.match(seen[0], /^open [1-9]/);
    assert.equal(seen.filter((s) => s.startsWith('batch')).length, Math.ceil(r.flows / 500));
    assert.ok(seen.includes('alerts rule:port-scan.vertical') || seen.some((s) => s.startsWith('alerts rule:')));
    assert.ok(seen.includes('alerts risk:ip'));
    assert.ok(seen.indexOf('alerts risk:ip') > seen.findIndex((s) => s.startsWith('alerts rule:')), 'findings before sources');
    assert.match(seen.at(-2)!, /^finish flows alerts riskyIpsCsv riskyIpsTxt summary$/);
    assert.equal(seen.at(-1), `commit ${r.flows}`);
    assert.match(readFileSync(join(dir, 'ext', 'risky_ips.csv'), 'utf8'), /127\.0\.0\.10,.*listed by the test feed/);

    // a custom source: the same flows from memory
    const table = await readDataset([join(sample, 'traffic.csv')]);
    const custom: FlowSource = {
      inputs: ['test:memory'],
      batches: async function* () {
        yield table;
      },
    };
    const c = await runAnalysis({ ...common, outDir: join(dir, 'custom'), source: custom });
    assert.deepEqual(c.inputs, ['test:memory']);
    assert.equal(c.flows, plain.flows);
    assert.deepEqual(c.riskyIps.map((x) => x.ip), plain.riskyIps.map((x) => x.ip));

    // a source that fails half way aborts every sink that was opened
    const aborted: string[] = [];
    const failing: FlowSource = {
      inputs: ['test:failing'],
      batches: async function* () {
        yield table;
        throw new UserError('test:failing: the feed broke');
      },
    };
    const watcher: Sink = { name: 'watch', async abort(reason) { aborted.push(reason); } };
    await assert.rejects(runAnalysis({ ...common, outDir: join(dir, 'fail'), source: failing, sinks: [watcher] }), /the feed broke/);
    assert.deepEqual(aborted, ['failed']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
