/**
 * Counts in analyze's text summary read with thousands separators, as the flows already did:
 * "Alerts: 6,803 written; 6,803 new in sqlite:o1.db (0 already there)" printed "6803 new" before.
 * A real result of the shipped loopback sample, its counts then set past 999.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readDataset } from '../sources/read-dataset.js';
import { fitBaseline } from '../risk/baseline.js';
import { runAnalysis } from '../analysis/run-analysis.js';
import { formatSummary } from './verbs/analyze.js';

const sample = fileURLToPath(new URL('../../samples/loopback/', import.meta.url));

test("analyze's summary: stored, duplicate, risky source and finding counts with thousands separators", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-summary-counts-'));
  try {
    const baseline = await fitBaseline(await readDataset([join(sample, 'normal.csv')], { warn: () => {} }), { seed: 1, threads: 1 });
    const r = await runAnalysis({ inputs: [join(sample, 'traffic.csv')], read: { warn: () => {} }, baseline, flowThreshold: 0.999, ipThreshold: 0.99, outDir: join(dir, 'out'), threads: 1 });
    assert.ok(r.findings.length > 0 && r.riskyIps.length > 0, 'the sample has findings and risky sources');
    const many = <T>(xs: readonly T[], n: number): T[] => Array.from({ length: n }, (_, i) => xs[i % xs.length]);
    const text = formatSummary({
      ...r,
      riskyIps: many(r.riskyIps, 1234),
      findings: many(r.findings, 2048),
      alerts: { ...r.alerts, written: 6803, store: 'sqlite:o1.db', stored: 6803, duplicates: 1500 },
    });
    assert.match(text, /^Alerts: 6,803 written; 6,803 new in sqlite:o1\.db \(1,500 already there\)$/m);
    assert.match(text, /risky sources \(risk ≥ [0-9.]+\): 1,234 {3}rule findings: 2,048$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("analyze's summary says how the input was read, as the report and summary.json do (times without an offset read as UTC)", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-summary-notes-'));
  try {
    const baseline = await fitBaseline(await readDataset([join(sample, 'normal.csv')], { warn: () => {} }), { seed: 1, threads: 1 });
    const r = await runAnalysis({ inputs: [join(sample, 'traffic.csv')], read: { warn: () => {} }, baseline, flowThreshold: 0.999, ipThreshold: 0.99, outDir: join(dir, 'out'), threads: 1 });
    const note = '"Timestamp" has times without a UTC offset; they were read as UTC';
    const text = formatSummary({ ...r, inputNotes: [note] });
    assert.ok(text.split('\n').includes(`  input: ${note}`), text);
    assert.doesNotMatch(formatSummary({ ...r, inputNotes: [] }), /^ {2}input: /m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
