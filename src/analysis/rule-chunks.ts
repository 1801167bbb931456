/**
 * The rules' view of the flow stream, cut where the flows say and not where a reader's batches
 * happen to end: chunks of `chunkRows` flows in input order (the last one shorter), a new chunk also
 * at a change of input format. The rules see each chunk as one batch (in time order within it) and
 * each flow's rule evidence is decided after its chunk, so findings, evidence and risk are the same
 * whatever the batch size, the threads that read or how a source cut its batches (see "Rule order"
 * in docs/architecture.md).
 *
 * A batch waits here until the chunk holding its last row is complete; a batch is split when it
 * crosses a chunk's end, and batches joined when a chunk holds several (their fields only, not the
 * tables). Memory: at most one chunk of flows plus the batch being split; tiny batches waiting
 * (--batch-rows 1 made a table of ~90 column objects per flow: 1.5 GB for 25,000 flows) are joined
 * into larger tables while they wait, which the rest of the pipeline judges like any batch (its
 * outputs do not depend on batch boundaries either). A batch that is exactly one chunk (analyze's
 * default batches of a file) passes through without a copy.
 *
 * Not here: what the rules do (src/detect), what evidence a finding lends (rules-stage.ts).
 */
import { flowFields, type FlowFieldName, type FlowFields, type IpField } from '../flows/flow-fields.js';
import { concatTables, StringNumbers, type FlowTable } from '../flows/table.js';

/** batches under this many rows are joined in runs of MERGE_RUN while they wait (see `compact`) */
const SMALL_BATCH_ROWS = 256;
const MERGE_RUN = 64;

/** A batch with the rule p of each of its rows, once every row's is decided. */
export interface RuledBatch {
  readonly batch: FlowTable;
  readonly ff: FlowFields;
  readonly ruleP: Float64Array;
}

/** What decides a chunk: the rules over its fields as one batch, then each row's rule p. */
export type ChunkRunner = (ff: FlowFields, format: string) => Float64Array;

interface Waiting {
  readonly batch: FlowTable;
  readonly ff: FlowFields;
  /** made when the batch's first piece is decided: the chunk's own array when the batch is the whole chunk */
  ruleP: Float64Array | null;
  /** rows whose rule p is decided */
  decided: number;
}

interface Piece {
  readonly of: Waiting;
  /** first row of the piece in its batch */
  readonly from: number;
  readonly ff: FlowFields;
}

export class RuleChunks {
  private readonly waiting: Waiting[] = [];
  private pieces: Piece[] = [];
  private rows = 0;
  private format: string | null = null;

  /** `chunkRows` 0: every batch is its own chunk (a live capture, whose batches are cut by time) */
  constructor(
    private readonly chunkRows: number,
    private readonly run: ChunkRunner,
  ) {}

  /** Take a batch; the batches now decided, in input order. */
  push(batch: FlowTable, ff: FlowFields): RuledBatch[] {
    const w: Waiting = { batch, ff, ruleP: batch.rowCount === 0 ? new Float64Array(0) : null, decided: 0 };
    this.waiting.push(w);
    if (batch.rowCount === 0) return this.ready();
    if (this.format !== null && batch.format !== this.format) this.close();
    this.format = batch.format;
    const size = this.chunkRows > 0 ? this.chunkRows : batch.rowCount;
    let from = 0;
    while (from < batch.rowCount) {
      const take = Math.min(batch.rowCount - from, size - this.rows);
      const whole = from === 0 && take === batch.rowCount;
      this.pieces.push({ of: w, from, ff: whole ? ff : sliceFields(ff, from, from + take) });
      this.rows += take;
      from += take;
      if (this.rows >= size) this.close();
    }
    if (this.chunkRows === 0) this.close();
    else this.compact();
    return this.ready();
  }

  /**
   * Join the last MERGE_RUN waiting batches into one table when each has fewer than
   * SMALL_BATCH_ROWS rows and each is a whole piece of the open chunk with the same columns. A run
   * may hold the table the run before made, so 1-row batches become tables of 64, 127, 190, 253 and
   * 316 rows, then a new run starts: each row is copied at most five times, and a chunk of 65,536
   * flows waits in at most ~270 tables.
   */
  private compact(): void {
    const w = this.waiting;
    const p = this.pieces;
    if (w.length < MERGE_RUN || p.length < MERGE_RUN) return;
    const run = w.slice(-MERGE_RUN);
    const last = p.slice(-MERGE_RUN);
    for (let i = 0; i < MERGE_RUN; i++) {
      const e = run[i];
      if (e.batch.rowCount >= SMALL_BATCH_ROWS || e.decided !== 0 || last[i].of !== e || last[i].ff.rowCount !== e.batch.rowCount) return;
    }
    const names = (t: FlowTable): string => t.columns.map((c) => `${c.kind}:${c.name}`).join('\n');
    const layout = names(run[0].batch);
    for (const e of run) if (e.batch.format !== run[0].batch.format || !e.batch.origin !== !run[0].batch.origin || names(e.batch) !== layout) return;
    const batch = concatTables(run.map((e) => e.batch));
    const joined: Waiting = { batch, ff: flowFields(batch), ruleP: null, decided: 0 };
    w.splice(w.length - MERGE_RUN, MERGE_RUN, joined);
    p.splice(p.length - MERGE_RUN, MERGE_RUN, { of: joined, from: 0, ff: joined.ff });
  }

  /** The end of the input: the last chunk is decided; every batch still waiting. */
  flush(): RuledBatch[] {
    this.close();
    return this.ready();
  }

  private close(): void {
    if (this.pieces.length === 0) return;
    const pieces = this.pieces;
    this.pieces = [];
    this.rows = 0;
    const ff = pieces.length === 1 ? pieces[0].ff : concatFields(pieces.map((p) => p.ff));
    const p = this.run(ff, this.format ?? '');
    let at = 0;
    for (const piece of pieces) {
      const n = piece.ff.rowCount;
      const w = piece.of;
      if (n === p.length && n === w.batch.rowCount) w.ruleP = p;
      else (w.ruleP ??= new Float64Array(w.batch.rowCount)).set(p.subarray(at, at + n), piece.from);
      w.decided += n;
      at += n;
    }
  }

  private ready(): RuledBatch[] {
    let k = 0;
    while (k < this.waiting.length && this.waiting[k].decided === this.waiting[k].batch.rowCount) k++;
    return this.waiting.splice(0, k).map(({ batch, ff, ruleP }) => ({ batch, ff, ruleP: ruleP as Float64Array }));
  }
}

type NumberField = Exclude<FlowFieldName, 'srcIp' | 'dstIp' | 'failed'>;
const NUMBER_FIELDS: readonly NumberField[] = ['srcPort', 'dstPort', 'proto', 'time', 'duration', 'fwdPackets', 'bwdPackets', 'fwdBytes', 'bwdBytes', 'synCount', 'rstCount', 'finCount', 'ttl'];
const ALL_FIELDS: readonly FlowFieldName[] = ['srcIp', 'dstIp', ...NUMBER_FIELDS, 'failed'];
/** per-row 0/1 marks (a batch without one: none of its rows is marked) */
const FLAG_FIELDS = ['failed', 'answering'] as const;

/** Rows [from, to) of a batch's fields: views, no copy. */
export function sliceFields(ff: FlowFields, from: number, to: number): FlowFields {
  const out: Record<string, unknown> = { rowCount: to - from, sources: ff.sources, missing: ff.missing, notes: ff.notes };
  for (const f of ['srcIp', 'dstIp'] as const) {
    const ip = ff[f];
    if (ip) out[f] = { codes: ip.codes.subarray(from, to), dictionary: ip.dictionary } satisfies IpField;
  }
  for (const f of NUMBER_FIELDS) {
    const v = ff[f];
    if (v) out[f] = v.subarray(from, to);
  }
  for (const f of FLAG_FIELDS) {
    const v = ff[f];
    if (v) out[f] = v.subarray(from, to);
  }
  return out as unknown as FlowFields;
}

/**
 * Several batches' fields as one: a field any of them has is present, its rows unknown where a
 * batch lacked it (NaN numbers, no address, not failed nor answering); address dictionaries merged in order of
 * first appearance; notes and sources of all, each once.
 */
export function concatFields(parts: readonly FlowFields[]): FlowFields {
  const n = parts.reduce((s, p) => s + p.rowCount, 0);
  const out: Record<string, unknown> = { rowCount: n };
  for (const f of ['srcIp', 'dstIp'] as const) {
    if (!parts.some((p) => p[f])) continue;
    const codes = new Int32Array(n).fill(-1);
    const dictionary = new StringNumbers();
    let at = 0;
    for (const p of parts) {
      const ip = p[f];
      if (ip) {
        const remap = ip.dictionary.map((s) => dictionary.numberOf(s));
        for (let i = 0; i < p.rowCount; i++) {
          const c = ip.codes[i];
          codes[at + i] = c < 0 ? -1 : remap[c];
        }
      }
      at += p.rowCount;
    }
    out[f] = { codes, dictionary: dictionary.list } satisfies IpField;
  }
  for (const f of NUMBER_FIELDS) {
    if (!parts.some((p) => p[f])) continue;
    const v = new Float64Array(n).fill(NaN);
    let at = 0;
    for (const p of parts) {
      const c = p[f];
      if (c) v.set(c, at);
      at += p.rowCount;
    }
    out[f] = v;
  }
  for (const f of FLAG_FIELDS) {
    if (!parts.some((p) => p[f])) continue;
    const v = new Uint8Array(n);
    let at = 0;
    for (const p of parts) {
      const c = p[f];
      if (c) v.set(c, at);
      at += p.rowCount;
    }
    out[f] = v;
  }
  const sources: Partial<Record<FlowFieldName, string>> = {};
  for (const p of parts) for (const [k, v] of Object.entries(p.sources)) sources[k as FlowFieldName] ??= v;
  out.sources = sources;
  out.missing = ALL_FIELDS.filter((f) => out[f] === undefined);
  out.notes = [...new Set(parts.flatMap((p) => p.notes))];
  return out as unknown as FlowFields;
}
