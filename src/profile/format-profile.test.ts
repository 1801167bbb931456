import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatProfile } from './format-profile.js';
import { profileTable } from './profile-table.js';
import { tinyFlowTable } from './profile-fixtures.js';
import { categoricalFrom, numericColumn } from '../flows/table.js';

test('formatProfile: the sections a user reads, aligned, strongest features first', () => {
  const text = formatProfile(profileTable(tinyFlowTable(), { topPairs: 2 }));
  const lines = text.split('\n');
  assert.equal(lines[0], 'Dataset: 8 rows x 8 columns (test)');
  assert.ok(lines.includes('Label "attack_cat" (normal class "Normal": 4 normal, 3 attack, 1 missing)'));
  assert.ok(lines.some((l) => /^\s+Normal\s+4\s+57\.1%$/.test(l)), 'class balance row');
  assert.ok(lines.some((l) => /^\s+rate\s+feature\s+num\s+1\s+2\s+0\s+5\s+2\.2\s+2\.588\s+5\s/.test(l)), 'rate column row');
  assert.ok(lines.some((l) => /^\s+bytes\s+twice\s+1\.0000$/.test(l)), 'top pair');
  assert.ok(text.includes('constant, left out: flag'));
  const header = lines.findIndex((l) => l.startsWith('Features vs normal/attack'));
  const rows = lines.slice(header + 3, header + 9).map((l) => l.trim().split(/\s+/)[0]);
  // rate also separates the classes (every attack value is lower), so five features at full strength
  assert.deepEqual(rows.slice(0, 5).sort(), ['bytes', 'neg', 'proto', 'rate', 'twice']);
  assert.equal(rows[0], 'proto', 'ties in strength: smaller p first');
  assert.equal(rows[5], 'flag', 'no effect: last');
  assert.ok(text.includes('chi2 (dof 2)') && text.includes('V 1.000') && text.includes('AUC 1.000'));
  assert.ok(text.endsWith('\n'));
  // every row of a table has the same width as its rule, save trailing blanks
  const rule = lines[header + 2];
  assert.ok(lines.slice(header + 3, header + 9).every((l) => l.length <= rule.length));
});

test('formatProfile: a value or name with a newline (a quoted CSV field) stays on its row, escaped', () => {
  const t = tinyFlowTable();
  const note = categoricalFrom('note', 'feature', ['multi\nline', 'multi\nline', 'plain', 'plain', 'plain', 'a\tb', 'plain', 'plain']);
  const odd = numericColumn('odd\r\nname', 'feature', Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8));
  const text = formatProfile(profileTable({ ...t, columns: [...t.columns, note, odd] }, { topPairs: 2 }));
  const lines = text.split('\n');
  const row = lines.find((l) => /^\s+note\s/.test(l));
  assert.ok(row, text);
  assert.ok(row.includes('plain 62.5%, multi\\nline 25.0%, a\\tb 12.5%'), row);
  assert.ok(lines.some((l) => /^\s+odd\\r\\nname\s+feature\s+num/.test(l)), 'the column name escaped on its own row');
  assert.ok(!lines.some((l) => /^line\b/.test(l)));
});
