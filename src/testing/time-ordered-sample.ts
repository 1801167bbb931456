/**
 * A copy of a CIC-IDS2017 sample file with its rows in time order, for tests of the stream worker:
 * the shared sample files are random samples of a day (shuffled), while a live feed comes in time
 * order, and a worker judges each flow on the flows before it (a scan or brute force shows, flow by
 * flow, only in time order). Rows with equal times keep their order in the file. The sample's
 * Timestamp is ISO text, so text order is time order.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/** Write `file`'s rows in time order to DIR/<its name>; returns that path. */
export function timeOrderedCopy(file: string, dir: string): string {
  const [head, ...rows] = readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0);
  const at = head!.split(',').indexOf('Timestamp');
  if (at < 0) throw new Error(`${file}: no Timestamp column`);
  const keyed = rows.map((r, i) => ({ r, i, t: r.split(',')[at]! }));
  keyed.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : a.i - b.i));
  const out = join(dir, basename(file));
  writeFileSync(out, [head, ...keyed.map((k) => k.r)].join('\n') + '\n');
  return out;
}
