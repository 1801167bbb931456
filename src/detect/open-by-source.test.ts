import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../util/rng.js';
import { OpenBySource, OpenSourceCounts } from './open-by-source.js';

/** whether any of the tables has the source: what the shared counts must say */
const anyHas = (tables: OpenBySource[], src: number): boolean => tables.some((t) => t.has(src));

test('OpenSourceCounts says whether any rule has an open episode about a source, through adds, deletes and compactions', () => {
  const rng = new Rng(7);
  const counts = new OpenSourceCounts();
  const tables = [new OpenBySource(counts), new OpenBySource(counts), new OpenBySource(counts)];
  // what each table holds, to remap it the way a rule does after the address table is compacted
  const held: [number, number][][] = tables.map(() => []);
  const ids = 3000;
  for (let step = 0; step < 40000; step++) {
    const t = rng.int(tables.length);
    const op = rng.next();
    if (op < 0.55) {
      const entry: [number, number] = [rng.int(ids), rng.int(50)];
      tables[t].add(entry[0], entry[1]);
      held[t].push(entry);
    } else if (op < 0.999 && held[t].length > 0) {
      const [src, slot] = held[t].splice(rng.int(held[t].length), 1)[0];
      tables[t].delete(src, slot);
    } else {
      // a compaction: every table, one after another, forgets its sources under the old ids and
      // adds them under new ones (a permutation, so old and new ids overlap)
      const perm = Array.from({ length: ids }, (_, i) => i);
      for (let i = ids - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [perm[i], perm[j]] = [perm[j], perm[i]];
      }
      tables.forEach((table, k) => {
        table.clear();
        held[k] = held[k].map(([src, slot]) => [perm[src], slot]);
        for (const [src, slot] of held[k]) table.add(src, slot);
      });
    }
    if (step % 97 === 0) for (let src = 0; src < ids; src += 7) assert.equal(counts.has(src), anyHas(tables, src), `step ${step}, source ${src}`);
  }
  for (let src = 0; src < ids + 10; src++) assert.equal(counts.has(src), anyHas(tables, src), `source ${src}`);
  assert.equal(counts.has(-1), false);
});
