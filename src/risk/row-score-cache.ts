/**
 * The detectors' raw scores of recently seen feature rows, so a flow whose input values are those
 * of a flow scored before is not transformed and scored again. Flows made from packets repeat
 * themselves: the 1M-packet replay capture gives 236,482 flows with 1,841 distinct feature rows,
 * the 1M-packet ordinary capture 40,078 flows with 28; each costs the three detectors and three
 * feature transforms (~5 µs a flow) when a lookup here costs a few hundred ns.
 *
 * Exact by construction: every detector's pipeline is a function of the row's input values alone
 * (fill, signed log, scaling, one-hot of the category), and every detector scores each row on its
 * own (flow-scorer.ts scores slices for that reason), so equal inputs give equal raw scores, bit
 * for bit. Inputs are compared by their bits (−0 is not +0, NaNs differ by payload): stricter than
 * needed, never looser. A categorical input is keyed by its category's index in the pipelines'
 * category list, which must be the same list in every pipeline (a baseline's pipelines are fitted
 * on the same rows); a batch whose columns the cache cannot key exactly (a numeric input read as
 * text, a categorical one read as numbers, a missing column) is scored the ordinary way, which
 * also gives any error message exactly as before.
 *
 * Traffic without repeats (CICFlowMeter CSVs: 0.7 % repeated rows) would pay the lookups for
 * nothing: while fewer than MIN_HIT_SHARE of the rows looked up hit, only one batch in
 * PROBE_EVERY is looked up (and remembered), so the cache notices when repeats start.
 */
import type { FlowTable, NumericColumn, CategoricalColumn } from '../flows/table.js';
import type { PipelineState } from '../features/pipeline.js';

/**
 * entries, two per set (the set by a hash of the row's bits; a miss replaces the way not used
 * last): 8,192 of them, ~5.4 MB of keys for a CICFlowMeter-width baseline (83 inputs). On the
 * replay capture 4,096 entries kept 83 % of the flows from the detectors, 8,192 kept 94 % (every
 * flow whose row was seen before: 99.2 %)
 */
const SETS_BITS = 12;
const SLOTS = 2 << SETS_BITS;
/** below this share of hits among recently looked-up rows, most batches skip the cache */
const MIN_HIT_SHARE = 0.2;
/** rows over which the hit share is measured */
const WINDOW_ROWS = 4096;
/** a batch with fewer than 1 / FEW_HITS of its rows found is scored whole */
const FEW_HITS = 4;
/** while the cache is idle, one batch in this many is still looked up */
const PROBE_EVERY = 64;
/** rows whose keys are gathered before they are looked up (see plan) */
const TILE_ROWS = 128;

/** How to key one batch's rows: per input, its values (numeric) or its rows' category indexes. */
interface Plan {
  readonly n: number;
  /** per row: the slot its scores are in (hits and misses alike) */
  readonly slotOf: Int32Array;
  /** per row: index among `misses` of the row that scores it (its own or an earlier one's), or −1 for a hit */
  readonly missOf: Int32Array;
  /** rows to score, in row order: the first row of each key not found */
  readonly misses: number[];
  /** per hit row r: its scores at r · detectors + j */
  readonly hit: Float64Array;
}

export class RowScoreCache {
  private readonly width: number;
  private readonly detectors: number;
  private readonly inputs: PipelineState['inputs'];
  private readonly categoryIndex: (Map<string, number> | undefined)[];
  /** per slot: the key's words (2 per input), its scores (one per detector), and its state */
  private readonly keys: Float64Array;
  private readonly keyWords: Uint32Array;
  /** per slot, the full hash of its key (a lookup compares these before the keys) */
  private readonly hashes: Int32Array;
  private readonly scores: Float64Array;
  /** −2 empty, −1 scored, m ≥ 0 pending: the batch's miss m scores it */
  private readonly state: Int32Array;
  /** a tile of a batch's keys, row by row, and their words */
  private block = new Float64Array(0);
  private blockWords = new Uint32Array(0);
  /** per set, the way used last */
  private readonly recent = new Uint8Array(SLOTS >> 1);
  /** the column names of the last batch and each input's position among them */
  private lastNames: readonly string[] = [];
  private lastPositions = new Int32Array(0);
  private looked = 0;
  private hits = 0;
  private idle = false;
  private skipped = 0;

  private constructor(inputs: PipelineState['inputs'], detectors: number) {
    this.inputs = inputs;
    this.width = inputs.length;
    this.detectors = detectors;
    this.categoryIndex = inputs.map((inp) => (inp.kind === 'categorical' ? new Map(inp.categories.map((c, i) => [c, i])) : undefined));
    this.keys = new Float64Array(SLOTS * this.width);
    this.keyWords = new Uint32Array(this.keys.buffer);
    this.hashes = new Int32Array(SLOTS);
    this.scores = new Float64Array(SLOTS * detectors);
    this.state = new Int32Array(SLOTS).fill(-2);
  }

  /**
   * A cache for these detectors' pipelines, or undefined when one key cannot stand for every
   * pipeline's input (different input columns, kinds or category lists).
   */
  static for(pipelines: readonly PipelineState[]): RowScoreCache | undefined {
    if (pipelines.length === 0) return undefined;
    const first = pipelines[0].inputs;
    if (first.length === 0) return undefined;
    for (const p of pipelines) {
      if (p.inputs.length !== first.length) return undefined;
      for (let i = 0; i < first.length; i++) {
        const a = first[i];
        const b = p.inputs[i];
        if (a.name !== b.name || a.kind !== b.kind) return undefined;
        if (a.kind === 'categorical' && b.kind === 'categorical') {
          if (a.categories.length !== b.categories.length || a.categories.some((c, k) => c !== b.categories[k])) return undefined;
          // a repeated category would make its index differ from lookup's in the pipeline
          if (new Set(a.categories).size !== a.categories.length) return undefined;
        }
      }
    }
    return new RowScoreCache(first, pipelines.length);
  }

  /**
   * The detectors' raw scores of the batch: `score` (the ordinary way) for the whole batch or for
   * the rows the cache does not hold, given as a table of those rows by `take`.
   */
  scoresOf(batch: FlowTable, score: (t: FlowTable) => Float64Array[], take: (t: FlowTable, rows: number[]) => FlowTable): Float64Array[] {
    if (this.idle && ++this.skipped % PROBE_EVERY !== 0) return score(batch);
    const plan = this.plan(batch);
    if (!plan) return score(batch);
    const { n, misses, missOf, slotOf } = plan;
    // few hits: the whole batch the ordinary way (a table of the misses' rows costs a copy, and
    // scoring tables of two schemas in turn made the pipeline look its columns up again each time)
    const whole = (n - misses.length) * FEW_HITS < n;
    let scored: Float64Array[];
    try {
      scored = whole ? score(batch) : misses.length ? score(take(this.inputsOnly(batch), misses)) : [];
    } catch (e) {
      // the pending entries must not stay pending; the batch's own error (row numbers as ever) is wanted
      this.forget(plan);
      if (whole) throw e;
      return score(batch);
    }
    const m = this.detectors;
    const S = this.scores;
    const state = this.state;
    // the misses' scores into their slots (a slot a later miss took keeps that one's)
    for (let k = 0; k < misses.length; k++) {
      const slot = slotOf[misses[k]];
      if (state[slot] !== k) continue;
      const at = whole ? misses[k] : k;
      for (let j = 0; j < m; j++) S[slot * m + j] = scored[j][at];
      state[slot] = -1;
    }
    let out = scored;
    if (!whole) {
      out = [];
      for (let j = 0; j < m; j++) out.push(new Float64Array(n));
      for (let r = 0; r < n; r++) {
        const k = missOf[r];
        if (k >= 0) for (let j = 0; j < m; j++) out[j][r] = scored[j][k];
        else for (let j = 0; j < m; j++) out[j][r] = plan.hit[r * m + j];
      }
    }
    this.looked += n;
    this.hits += n - misses.length;
    if (this.looked >= WINDOW_ROWS) {
      this.idle = this.hits < MIN_HIT_SHARE * this.looked;
      this.looked = this.hits = 0;
    }
    return out;
  }

  /** Each row's slot and whether it is a hit, a repeat of an earlier miss of the batch, or a miss; undefined when the batch cannot be keyed. */
  private plan(t: FlowTable): Plan | undefined {
    const w = this.width;
    const n = t.rowCount;
    // per input: the numeric column, or the categorical column and its codes' category indexes
    const numeric: (Float64Array | undefined)[] = new Array(w).fill(undefined);
    const codes: (Int32Array | undefined)[] = new Array(w);
    const remap: (Int32Array | undefined)[] = new Array(w);
    const positions = this.positionsIn(t);
    for (let i = 0; i < w; i++) {
      const inp = this.inputs[i];
      const col: NumericColumn | CategoricalColumn | undefined = positions[i] < 0 ? undefined : t.columns[positions[i]];
      if (!col || col.kind !== inp.kind) return undefined;
      if (col.kind === 'numeric') numeric[i] = col.values;
      else {
        const index = this.categoryIndex[i]!;
        codes[i] = col.codes;
        remap[i] = Int32Array.from(col.dictionary, (s) => index.get(s) ?? -1);
      }
    }
    const slotOf = new Int32Array(n);
    const missOf = new Int32Array(n);
    const misses: number[] = [];
    const keyWords = this.keyWords;
    const state = this.state;
    const wordsPerKey = 2 * w;
    const m = this.detectors;
    const S = this.scores;
    const hit = new Float64Array(n * m);
    // the keys of a tile of rows, row after row, gathered a column at a time: a tile (~85 KB for
    // 83 inputs) stays in L2 while every column writes its cells and the rows are then hashed and
    // looked up (the whole batch's keys, 26 MB for 40,000 flows, were written with a 664-byte stride
    // a column at a time: a cache miss per cell, ~0.5 s of the 1M-packet ordinary capture)
    if (this.block.length < TILE_ROWS * w) {
      this.block = new Float64Array(TILE_ROWS * w);
      this.blockWords = new Uint32Array(this.block.buffer);
    }
    const block = this.block;
    const words = this.blockWords;
    const hashes = this.hashes;
    const recent = this.recent;
    for (let r0 = 0; r0 < n; r0 += TILE_ROWS) {
      const r1 = Math.min(n, r0 + TILE_ROWS);
      for (let i = 0; i < w; i++) {
        const v = numeric[i];
        if (v !== undefined) for (let r = r0, at = i; r < r1; r++, at += w) block[at] = v[r];
        else {
          const c = codes[i]!;
          const map = remap[i]!;
          for (let r = r0, at = i; r < r1; r++, at += w) block[at] = c[r] < 0 ? -1 : map[c[r]];
        }
      }
      for (let r = r0; r < r1; r++) {
        const from = (r - r0) * w;
        const at = 2 * from;
        // four multiply chains side by side (one chain waited on each multiply in turn)
        let h0 = 0x811c9dc5;
        let h1 = 0x01000193;
        let h2 = 0x5bd1e995;
        let h3 = 0x27d4eb2f;
        let k = 0;
        for (; k + 4 <= wordsPerKey; k += 4) {
          h0 = Math.imul(h0 ^ words[at + k], 0x01000193);
          h1 = Math.imul(h1 ^ words[at + k + 1], 0x01000193);
          h2 = Math.imul(h2 ^ words[at + k + 2], 0x01000193);
          h3 = Math.imul(h3 ^ words[at + k + 3], 0x01000193);
        }
        for (; k < wordsPerKey; k++) h0 = Math.imul(h0 ^ words[at + k], 0x01000193);
        let h = Math.imul(h0 ^ (h1 >>> 7), 0x9e3779b1) ^ Math.imul(h2 ^ (h3 >>> 11), 0x85ebca6b);
        h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
        const set = h >>> (32 - SETS_BITS);
        let slot = 2 * set;
        // the slots' hashes first (a small array that stays in cache): a key of 83 doubles is read
        // from the large key array only where its hash matches
        let same = hashes[slot] === h && this.holds(slot, from);
        if (!same) {
          slot++;
          same = hashes[slot] === h && this.holds(slot, from);
        }
        if (!same) {
          // an empty way, else the one not used last
          slot = state[2 * set] === -2 ? 2 * set : state[2 * set + 1] === -2 ? 2 * set + 1 : 2 * set + 1 - recent[set];
        }
        recent[set] = slot & 1;
        slotOf[r] = slot;
        const s = state[slot];
        if (same) {
          // pending on an earlier row of this batch, or scored before: its scores copied now, as a
          // later miss of the batch may take the slot
          missOf[r] = s;
          if (s === -1) for (let j = 0; j < m; j++) hit[r * m + j] = S[slot * m + j];
          continue;
        }
        missOf[r] = misses.length;
        state[slot] = misses.length;
        // the key's words (exact bits, and no view made per miss)
        for (let k = 0, to = slot * wordsPerKey; k < wordsPerKey; k++) keyWords[to + k] = words[at + k];
        hashes[slot] = h;
        misses.push(r);
      }
    }
    return { n, slotOf, missOf, misses, hit };
  }

  /**
   * Whether the slot holds the key at block[from, from + width), bit for bit: equal doubles other
   * than zeros have equal bits, zeros are told apart by sign, and NaNs (never equal) by their words.
   */
  private holds(slot: number, from: number): boolean {
    if (this.state[slot] === -2) return false;
    const keys = this.keys;
    const block = this.block;
    const w = this.width;
    const at = slot * w;
    for (let k = 0; k < w; k++) {
      const a = keys[at + k];
      const b = block[from + k];
      if (a === b) {
        // +0 and −0: told apart by the sign in the high word
        if (a === 0 && this.keyWords[2 * (at + k) + 1] !== this.blockWords[2 * (from + k) + 1]) return false;
      } else if (a === a || b === b) return false;
      else {
        const kw = this.keyWords;
        const bw = this.blockWords;
        if (kw[2 * (at + k)] !== bw[2 * (from + k)] || kw[2 * (at + k) + 1] !== bw[2 * (from + k) + 1]) return false;
      }
    }
    return true;
  }

  /** Each input's position among the table's columns (the first of its name, as the pipelines take it; −1 missing). */
  private positionsIn(t: FlowTable): Int32Array {
    const cols = t.columns;
    const names = this.lastNames;
    let same = names.length === cols.length;
    for (let i = 0; same && i < cols.length; i++) same = names[i] === cols[i].name;
    if (!same) {
      const first = new Map<string, number>();
      cols.forEach((c, i) => {
        if (!first.has(c.name)) first.set(c.name, i);
      });
      this.lastNames = cols.map((c) => c.name);
      this.lastPositions = Int32Array.from(this.inputs, (inp) => first.get(inp.name) ?? -1);
    }
    return this.lastPositions;
  }

  /**
   * The table with only the columns the pipelines read (each input's first column of its name, in
   * table order, so every lookup finds the same column): the misses' rows are copied from these
   * alone, not from every column of the batch. Uses the positions the batch's plan looked up.
   */
  private inputsOnly(t: FlowTable): FlowTable {
    const used = [...new Set(this.lastPositions)].sort((a, b) => a - b);
    return { ...t, columns: used.map((p) => t.columns[p]) };
  }

  /** Empties the slots a failed batch left pending. */
  private forget(plan: Plan): void {
    for (const r of plan.misses) {
      const slot = plan.slotOf[r];
      if (this.state[slot] >= 0) this.state[slot] = -2;
    }
  }
}
