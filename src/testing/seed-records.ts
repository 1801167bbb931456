/**
 * NSL-KDD records as seed 004's /classify bodies (its 31 field names, numbers as numbers, the three
 * categories as text), for tests that compare the service's ways of reading a body on real data.
 */
import { readDataset } from '../sources/read-dataset.js';
import { cellText, getColumn } from '../flows/table.js';
import { SEED_FIELDS } from '../server/seed-fields.js';

export async function seedRecords(file: string): Promise<Record<string, number | string>[]> {
  const t = await readDataset([file], { warn: () => {} });
  const kddName: Record<string, string> = {};
  for (const c of t.columns) kddName[c.name.replace(/_/g, '').replace(/^protocoltype$/, 'protocol')] = c.name;
  const cols = SEED_FIELDS.map(([n, ty]) => [n, getColumn(t, kddName[n])!, ty] as const);
  const out: Record<string, number | string>[] = [];
  for (let r = 0; r < t.rowCount; r++) {
    const o: Record<string, number | string> = {};
    for (const [n, c, ty] of cols) o[n] = ty === 'string' ? cellText(c, r) : Number(cellText(c, r));
    out.push(o);
  }
  return out;
}
