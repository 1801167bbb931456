/**
 * The recent flows the policy judged clean, kept for retraining: rows that raised no flow alert
 * (risk below the threshold) and whose source no rule finding named in the same batch. Bounded:
 * the newest `capacity` rows, oldest batches dropped first, so memory stays fixed however long
 * the worker runs and a retrain always learns from the latest normal traffic.
 */
import { concatTables, takeTableRows, type FlowTable } from '../flows/table.js';
import { flowFields } from '../flows/flow-fields.js';

export class CleanReservoir {
  private chunks: { table: FlowTable; firstTime: number; lastTime: number }[] = [];
  private rows = 0;
  /** clean flows ever added, and flows refused as not clean */
  added = 0;
  refused = 0;

  constructor(readonly capacity: number) {}

  get size(): number {
    return this.rows;
  }

  /** keep the batch's clean rows: risk below `riskBelow`, source not in `flaggedSources` */
  add(batch: FlowTable, risk: Float64Array, riskBelow: number, flaggedSources: ReadonlySet<string>): void {
    const ff = flowFields(batch);
    const keep: number[] = [];
    let first = Infinity;
    let last = -Infinity;
    for (let r = 0; r < batch.rowCount; r++) {
      const src = ff.srcIp && ff.srcIp.codes[r] >= 0 ? ff.srcIp.dictionary[ff.srcIp.codes[r]] : null;
      if (!(risk[r] < riskBelow) || (src !== null && flaggedSources.has(src))) continue;
      keep.push(r);
      const t = ff.time ? ff.time[r] : NaN;
      if (Number.isFinite(t)) {
        if (t < first) first = t;
        if (t > last) last = t;
      }
    }
    this.refused += batch.rowCount - keep.length;
    if (!keep.length) return;
    const table = keep.length === batch.rowCount ? batch : takeTableRows(batch, keep);
    this.chunks.push({ table: { ...table, origin: undefined }, firstTime: first, lastTime: last });
    this.rows += keep.length;
    this.added += keep.length;
    while (this.rows - this.chunks[0].table.rowCount >= this.capacity) {
      this.rows -= this.chunks.shift()!.table.rowCount;
    }
  }

  /** the kept rows (at most `capacity`, newest) and the flow time range they span */
  snapshot(): { table: FlowTable; firstTime: string | null; lastTime: string | null } {
    let table = concatTables(this.chunks.map((c) => c.table));
    if (table.rowCount > this.capacity) table = takeTableRows(table, Int32Array.from({ length: this.capacity }, (_, i) => table.rowCount - this.capacity + i));
    const first = Math.min(...this.chunks.map((c) => c.firstTime));
    const last = Math.max(...this.chunks.map((c) => c.lastTime));
    return { table, firstTime: Number.isFinite(first) ? new Date(first).toISOString() : null, lastTime: Number.isFinite(last) ? new Date(last).toISOString() : null };
  }
}
