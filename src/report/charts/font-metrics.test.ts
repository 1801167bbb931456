import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { readFontWidths, textWidth } from './font-metrics.js';

const regular = '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf';
const bold = '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf';
const skip = existsSync(regular) && existsSync(bold) ? false : 'needs DejaVu Sans (Debian: fonts-dejavu-core)';

// advance widths read with fontTools (hmtx via getBestCmap), 2048 units per em
const REGULAR = { H: 1540, e: 1260, l: 569, o: 1253, ',': 651, ' ': 651, W: 2025, r: 842, d: 1300, '…': 2048, é: 1260, '→': 1716 };
const BOLD = { H: 1714, e: 1389, l: 702, o: 1407, ',': 778, ' ': 713, W: 2259, r: 1010, d: 1466, '…': 2048, é: 1389, '→': 1716 };

test('font metrics: advance widths of DejaVu Sans match fontTools', { skip }, () => {
  for (const [path, table] of [[regular, REGULAR], [bold, BOLD]] as const) {
    const f = readFontWidths(path);
    assert.equal(f.unitsPerEm, 2048);
    for (const [ch, units] of Object.entries(table)) assert.equal(f.advance[ch.charCodeAt(0)], units, `${path} ${ch}`);
    assert.equal(f.missing, 1229);
  }
});

test('font metrics: a string is the sum of its advances, scaled to the font size', { skip }, () => {
  const f = readFontWidths(regular);
  const units = [1540, 1260, 569, 569, 1253].reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(textWidth(f, 'Hello', 12) - (units * 12) / 2048) < 1e-9);
  // a character the font lacks counts as .notdef
  assert.ok(Math.abs(textWidth(f, '\uE000', 10) - (1229 * 10) / 2048) < 1e-9);
  assert.throws(() => readFontWidths(new URL(import.meta.url).pathname), /not a TrueType font|Offset|bounds/);
});
