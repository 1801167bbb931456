/**
 * Labels that differ only in case are one class, spelt as first met, with one warning naming each
 * spelling and its rows; the same whatever the batch size; `train` learns one class for them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import { cellText, getColumn, type FlowTable } from '../flows/table.js';
import { streamDataset } from './read-dataset.js';

const main = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'ns-label-case-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** 40 rows: Benign ×10 first, then BENIGN ×20, benign ×2 and attack ×8 interleaved */
function csv(): string {
  const labels = [...Array(10).fill('Benign'), ...Array.from({ length: 30 }, (_, i) => (i % 15 === 3 ? 'benign' : i % 4 === 1 ? 'attack' : 'BENIGN'))];
  return 'dur,bytes,label\n' + labels.map((l, i) => `${(i % 7) + 0.5},${100 + i * 13},${l}`).join('\n') + '\n';
}

async function labelsOf(file: string, batchRows: number): Promise<{ labels: string[]; warnings: string[] }> {
  const warnings: string[] = [];
  const labels: string[] = [];
  for await (const t of streamDataset([file], { label: 'label', batchRows, warn: (w) => warnings.push(w) }) as AsyncIterable<FlowTable>) {
    const c = getColumn(t, 'label')!;
    for (let r = 0; r < t.rowCount; r++) labels.push(cellText(c, r));
  }
  return { labels, warnings };
}

test('labels differing only in case are one class, spelt as first met, with one warning naming each spelling and its rows', async () => {
  const file = join(dir, 'flows.csv');
  const text = csv();
  writeFileSync(file, text);
  const counts = new Map<string, number>();
  for (const l of text.trim().split('\n').slice(1).map((line) => line.split(',')[2])) counts.set(l, (counts.get(l) ?? 0) + 1);
  const whole = await labelsOf(file, 1000);
  assert.deepEqual([...new Set(whole.labels)].sort(), ['Benign', 'attack']);
  assert.equal(whole.labels.filter((l) => l === 'Benign').length, counts.get('Benign')! + counts.get('BENIGN')! + counts.get('benign')!);
  assert.deepEqual(whole.warnings, [
    `label column "label": values that differ only in case are one class, spelt as first met in the input: "BENIGN" (${counts.get('BENIGN')} rows), "benign" (${counts.get('benign')} rows) read as "Benign" (10 rows); if they are different classes, give them different names`,
  ]);
  // in batches of 7 (the first holds only "Benign", later ones only the others): the same labels and warning
  const batched = await labelsOf(file, 7);
  assert.deepEqual(batched, whole);
});

test('train learns one class for BENIGN and Benign, and says so on stderr', () => {
  const file = join(dir, 'train.csv');
  writeFileSync(file, csv());
  const r = spawnSync(process.execPath, [main, 'train', file, '--label', 'label', '--model', 'decision-tree', '-o', join(dir, 'm.nsm')], { encoding: 'utf8', cwd: dir });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /target "label": Benign, attack$/m);
  assert.match(r.stderr, /label column "label": values that differ only in case are one class/);
});

test('evaluate reads test labels that differ from the model\'s classes only in case as those classes, with a note', () => {
  const lines = ['dur,bytes,label'];
  for (let i = 0; i < 60; i++) lines.push(`${i % 7},${i % 4 === 1 ? 5000 + i : 100 + i},${i % 4 === 1 ? 'attack' : 'BENIGN'}`);
  const train = join(dir, 'cased-train.csv');
  writeFileSync(train, lines.join('\n') + '\n');
  const test = join(dir, 'cased-test.csv');
  writeFileSync(test, lines.map((l, i) => (i === 0 ? l : l.replace('BENIGN', 'benign').replace('attack', 'Attack'))).join('\n') + '\n');
  const model = join(dir, 'cased.nsm');
  const t = spawnSync(process.execPath, [main, 'train', train, '--label', 'label', '--model', 'decision-tree', '-o', model, '-q'], { encoding: 'utf8', cwd: dir });
  assert.equal(t.status, 0, t.stderr);
  const evaluate = (file: string) => {
    const r = spawnSync(process.execPath, [main, 'evaluate', model, file, '--label', 'label', '--json', '-q'], { encoding: 'utf8', cwd: dir });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  const same = evaluate(train);
  const cased = evaluate(test);
  assert.equal(cased.summary?.accuracy ?? cased.accuracy, same.summary?.accuracy ?? same.accuracy);
  const text = JSON.stringify(cased);
  assert.match(text, /test label \\"benign\\" read as the model's class \\"BENIGN\\"/);
  assert.match(text, /test label \\"Attack\\" read as the model's class \\"attack\\"/);
  assert.doesNotMatch(text, /never saw in training/);
});
