/**
 * The detectors' raw scores of recently seen feature rows, so a flow whose input values are those
 * of a flow scored before is not transformed and scored again. Flows made from packets repeat
 * themselves: the 1M-packet replay capture gives 236,482 flows with 34,864 distinct feature rows
 * (85 % repeats, most within a few thousand flows of the last), the 1M-packet ordinary capture
 * 40,078 flows with 26,248 (35 %); each costs the three detectors and three feature transforms
 * (~5 µs a flow) when a lookup here costs well under 1 µs.
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
 * nothing, so the cache watches its hits. A batch whose first PROBE_ROWS rows (or any later
 * PROBE_ROWS) hit less than BACK_OFF_SHARE is scored whole from there on, and so is a batch
 * looked up at the end of a window of rows that hit less than MIN_HIT_SHARE: the cache is then
 * idle, and looks up only the first rows of a batch once PROBE_GAP times the rows of its last
 * lookup went by without one (at most ~6 % of the rows, ~1 % of the scoring time; a probe that
 * finds repeats and looks up more rows waits longer), so it notices when repeats start. The
 * probe is long enough for a cold cache to see a capture's repeats: the ordinary capture's first
 * 512 rows hit 3 %, its first 4,096 19 %, the rest 28 %.
 *
 * The keys of a batch are gathered a tile of rows at a time and the misses' input columns a slice
 * of rows at a time, each into memory kept between batches (no table of the misses is made), and
 * the work per row is split into small methods: analyze scores a capture in one to a few batches,
 * so the first call's code is most of it, and one large function here was compiled (on V8's
 * helper threads) and dropped five times as its paths ran for the first time.
 */
import type { FlowTable, NumericColumn, CategoricalColumn, Column } from '../flows/table.js';
import { releaseSliceLogs, SLICE_ROWS, type PipelineState } from '../features/pipeline.js';

/**
 * entries, two per set (the set by a hash of the row's bits; a miss replaces the way not used
 * last): 16,384 of them, ~10.9 MB of keys for a CICFlowMeter-width baseline (83 inputs). On the
 * replay capture 8,192 entries kept 75 % of the flows from the detectors, 16,384 kept 82 %, 32,768
 * 84 % (every flow whose row was seen before: 85 %)
 */
const SETS_BITS = 13;
const SLOTS = 2 << SETS_BITS;
/** below this share of hits among recently looked-up rows, the cache goes idle */
const MIN_HIT_SHARE = 0.2;
/** rows over which the hit share is measured */
const WINDOW_ROWS = 4096;
/** a batch with fewer than 1 / FEW_HITS of its rows found is scored whole */
const FEW_HITS = 4;
/** rows of a batch looked up before the cache decides whether the rest is worth looking up (again after each as many) */
const PROBE_ROWS = 4096;
/** a batch whose first (or any later) PROBE_ROWS rows hit less than this share is scored whole (and the cache goes idle) */
const BACK_OFF_SHARE = 0.1;
/**
 * while idle, the first rows of a batch are looked up once this many times the rows the last lookup
 * took went by without one: lookups cost at most a sixteenth of the rows (after a back-off at
 * 4,096 rows, every 65,536; with a stream's batches of 200, one in 16)
 */
const PROBE_GAP = 16;
/** rows whose keys are gathered before they are looked up: a tile (~85 KB for 83 inputs) stays in L2 */
const TILE_ROWS = 128;

/** How one batch's rows were found: valid until the next plan (the arrays are the cache's, reused). */
interface Plan {
  readonly n: number;
  /** rows looked up: n, or fewer when the cache backed off (the batch is then scored whole) */
  readonly looked: number;
  /** rows to score: the first row of each key not found, in row order (the first `missCount` of `misses`) */
  readonly missCount: number;
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
  private readonly block: Float64Array;
  private readonly blockWords: Uint32Array;
  /** the tile's rows' hashes */
  private readonly tileHashes = new Int32Array(TILE_ROWS);
  /** what touch() read (kept, so its loads are not dropped as unused) */
  private touched = 0;
  /** per set, the way used last */
  private readonly recent = new Uint8Array(SLOTS >> 1);
  /** the batch being planned: per input, its numeric values, or its codes and their category indexes */
  private readonly numeric: (Float64Array | undefined)[];
  private readonly codes: (Int32Array | undefined)[];
  private readonly remap: (Int32Array | undefined)[];
  /**
   * the plan of a batch, grown as needed: per row its slot (hits and misses alike), the index among
   * the misses of the row that scores it (its own or an earlier one's; −1 for a hit), the misses'
   * rows, and per hit row r its scores at r · detectors + j
   */
  private slotOf = new Int32Array(0);
  private missOf = new Int32Array(0);
  private misses = new Int32Array(0);
  private hit = new Float64Array(0);
  private missCount = 0;
  /** per row of the last batch looked up whole: the first row of the batch with the same key */
  private sameAs = new Int32Array(0);
  /** per slot, the batch (numbered) and its first row holding the slot's key */
  private readonly stamp = new Int32Array(SLOTS);
  private readonly firstRow = new Int32Array(SLOTS);
  private batchNo = 0;
  /** whether sameAs describes the last batch given to scoresOf */
  private sameKnown = false;
  /** per input, a slice of the misses' values (numeric) or codes (categorical) */
  private readonly sliceValues: Float64Array[];
  private readonly sliceCodes: Int32Array[];
  /** the column names of the last batch and each input's position among them */
  private lastNames: readonly string[] = [];
  private lastPositions = new Int32Array(0);
  private looked = 0;
  private hits = 0;
  private idle = false;
  /** rows scored without a lookup since the cache went idle or last probed, and the rows to wait */
  private unlooked = 0;
  private gap = 0;

  private constructor(inputs: PipelineState['inputs'], detectors: number) {
    this.inputs = inputs;
    const w = (this.width = inputs.length);
    this.detectors = detectors;
    this.categoryIndex = inputs.map((inp) => (inp.kind === 'categorical' ? new Map(inp.categories.map((c, i) => [c, i])) : undefined));
    this.keys = new Float64Array(SLOTS * w);
    this.keyWords = new Uint32Array(this.keys.buffer);
    this.hashes = new Int32Array(SLOTS);
    this.scores = new Float64Array(SLOTS * detectors);
    this.state = new Int32Array(SLOTS).fill(-2);
    this.block = new Float64Array(TILE_ROWS * w);
    this.blockWords = new Uint32Array(this.block.buffer);
    this.numeric = new Array<Float64Array | undefined>(w).fill(undefined);
    this.codes = new Array<Int32Array | undefined>(w).fill(undefined);
    this.remap = new Array<Int32Array | undefined>(w).fill(undefined);
    this.sliceValues = inputs.map((inp) => (inp.kind === 'numeric' ? new Float64Array(SLICE_ROWS) : EMPTY_VALUES));
    this.sliceCodes = inputs.map((inp) => (inp.kind === 'categorical' ? new Int32Array(SLICE_ROWS) : EMPTY_CODES));
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
    // one column per input name (the pipelines read the first column of a name: two inputs of one
    // name would be one column, which the slices of the misses below do not model)
    if (new Set(first.map((inp) => inp.name)).size !== first.length) return undefined;
    return new RowScoreCache(first, pipelines.length);
  }

  /**
   * The detectors' raw scores of the batch: `score` (the ordinary way) for the whole batch, or for
   * the rows the cache does not hold, given as tables of up to SLICE_ROWS of those rows (their
   * input columns only, in table order, no row origin).
   */
  scoresOf(batch: FlowTable, score: (t: FlowTable) => Float64Array[]): Float64Array[] {
    const n = batch.rowCount;
    this.sameKnown = false;
    if (this.idle) {
      this.unlooked += n;
      if (this.unlooked - n < this.gap) return score(batch);
    }
    const plan = this.plan(batch);
    if (!plan) return score(batch);
    this.unlooked = 0;
    const { looked, missCount } = plan;
    this.gap = PROBE_GAP * looked;
    this.sameKnown = looked === n;
    const misses = this.misses;
    const missOf = this.missOf;
    // backed off, or few hits: the whole batch the ordinary way (the misses' slices cost a copy)
    const whole = looked < n || (n - missCount) * FEW_HITS < n;
    let scored: Float64Array[];
    try {
      scored = whole ? score(batch) : this.scoreMisses(batch, score);
    } catch (e) {
      // the pending entries must not stay pending; the batch's own error (row numbers as ever) is wanted
      this.forget();
      if (whole) throw e;
      return score(batch);
    }
    const m = this.detectors;
    const S = this.scores;
    const state = this.state;
    const slotOf = this.slotOf;
    // the misses' scores into their slots (a slot a later miss took keeps that one's)
    for (let k = 0; k < missCount; k++) {
      const slot = slotOf[misses[k]];
      if (state[slot] !== k) continue;
      const at = whole ? misses[k] : k;
      for (let j = 0; j < m; j++) S[slot * m + j] = scored[j][at];
      state[slot] = -1;
    }
    let out = scored;
    if (!whole) {
      out = [];
      const hit = this.hit;
      for (let j = 0; j < m; j++) out.push(new Float64Array(n));
      for (let r = 0; r < n; r++) {
        const k = missOf[r];
        if (k >= 0) for (let j = 0; j < m; j++) out[j][r] = scored[j][k];
        else for (let j = 0; j < m; j++) out[j][r] = hit[r * m + j];
      }
    }
    if (looked < n) {
      // backed off: idle from here, the next lookup after PROBE_GAP times the rows looked up
      this.idle = true;
      this.looked = this.hits = 0;
      return out;
    }
    if (this.idle) {
      // a probe looked up whole (it did not back off): repeats again when its own rows hit enough
      // (a stream's batches of a few hundred rows would take many probes to fill a window)
      this.idle = n - missCount < MIN_HIT_SHARE * n;
      this.looked = this.hits = 0;
      if (this.idle) return out;
    }
    this.looked += n;
    this.hits += n - missCount;
    if (this.looked >= WINDOW_ROWS) {
      this.idle = this.hits < MIN_HIT_SHARE * this.looked;
      this.looked = this.hits = 0;
    }
    return out;
  }

  /**
   * Each row's slot and whether it is a hit, a repeat of an earlier miss of the batch, or a miss
   * (in the cache's arrays); undefined when the batch cannot be keyed. Stops after each PROBE_ROWS
   * rows when too few of them hit.
   */
  private plan(t: FlowTable): Plan | undefined {
    if (!this.keyColumns(t)) return undefined;
    const w = this.width;
    const n = t.rowCount;
    const m = this.detectors;
    if (this.slotOf.length < n) {
      const size = Math.max(n, 2 * this.slotOf.length);
      this.slotOf = new Int32Array(size);
      this.missOf = new Int32Array(size);
      this.misses = new Int32Array(size);
      this.sameAs = new Int32Array(size);
      this.hit = new Float64Array(size * m);
    }
    this.missCount = 0;
    this.batchNo++;
    const words = this.blockWords;
    const wordsPerKey = 2 * w;
    let looked = n;
    // misses before the last PROBE_ROWS rows: each PROBE_ROWS rows must hit BACK_OFF_SHARE (a batch
    // whose first rows repeat earlier ones, the rest not, is scored whole from where repeats stop)
    let missesBefore = 0;
    for (let r0 = 0; r0 < n; r0 += TILE_ROWS) {
      if (r0 > 0 && r0 % PROBE_ROWS === 0) {
        if (PROBE_ROWS - (this.missCount - missesBefore) < BACK_OFF_SHARE * PROBE_ROWS) {
          looked = r0;
          break;
        }
        missesBefore = this.missCount;
      }
      const r1 = Math.min(n, r0 + TILE_ROWS);
      this.gather(r0, r1);
      const H = this.tileHashes;
      for (let r = r0, from = 0; r < r1; r++, from += w) H[r - r0] = hashKey(words, 2 * from, wordsPerKey);
      this.touch(r1 - r0);
      for (let r = r0, from = 0; r < r1; r++, from += w) this.place(r, from, H[r - r0]);
    }
    return { n, looked, missCount: this.missCount };
  }

  /** The batch's input columns into numeric / codes / remap; false when the batch cannot be keyed. */
  private keyColumns(t: FlowTable): boolean {
    const w = this.width;
    const positions = this.positionsIn(t);
    for (let i = 0; i < w; i++) {
      const inp = this.inputs[i];
      const col: NumericColumn | CategoricalColumn | undefined = positions[i] < 0 ? undefined : t.columns[positions[i]];
      if (!col || col.kind !== inp.kind) return false;
    }
    for (let i = 0; i < w; i++) {
      const col = t.columns[positions[i]];
      if (col.kind === 'numeric') {
        this.numeric[i] = col.values;
        this.codes[i] = undefined;
        this.remap[i] = undefined;
      } else {
        const index = this.categoryIndex[i]!;
        this.numeric[i] = undefined;
        this.codes[i] = col.codes;
        this.remap[i] = Int32Array.from(col.dictionary, (s) => index.get(s) ?? -1);
      }
    }
    return true;
  }

  /** Rows [r0, r1)'s keys into the tile, row after row, a column at a time (each column read in order). */
  private gather(r0: number, r1: number): void {
    const w = this.width;
    const block = this.block;
    for (let i = 0; i < w; i++) {
      const v = this.numeric[i];
      if (v !== undefined) gatherValues(block, i, w, v, r0, r1);
      else gatherCategories(block, i, w, this.codes[i]!, this.remap[i]!, r0, r1);
    }
  }

  /**
   * Reads one double of each cache line of the stored keys the tile's rows will be compared with
   * (the ways whose hash is the row's): the keys lie anywhere in ~11 MB, and compared one after
   * another in place() each line was a wait on memory; here the tile's loads do not depend on each
   * other, so the processor has many of them in flight at once. The cache's own CPU per row of the
   * 1M-packet replay capture (85 % hits): ~1.28 → ~1.16 µs (in-process alternation, medians of 7,
   * three runs: × 0.88–0.91); the ordinary capture (35 % hits) × ~0.97.
   */
  private touch(rows: number): void {
    const H = this.tileHashes;
    const hashes = this.hashes;
    const keys = this.keys;
    const w = this.width;
    let sum = 0;
    for (let t = 0; t < rows; t++) {
      const h = H[t];
      const set = h >>> (32 - SETS_BITS);
      for (let slot = 2 * set; slot < 2 * set + 2; slot++) {
        if (hashes[slot] !== h) continue;
        for (let at = slot * w, end = at + w; at < end; at += 8) sum += keys[at];
      }
    }
    this.touched = sum;
  }

  /** Row r (its key at block[from, from + width), its hash h): found, pending on an earlier row of the batch, or a new miss. */
  private place(r: number, from: number, h: number): void {
    const set = h >>> (32 - SETS_BITS);
    const hashes = this.hashes;
    const state = this.state;
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
      slot = state[2 * set] === -2 ? 2 * set : state[2 * set + 1] === -2 ? 2 * set + 1 : 2 * set + 1 - this.recent[set];
    }
    this.recent[set] = slot & 1;
    this.slotOf[r] = slot;
    // the first row of the batch with this key (the slot's since its key was placed, this batch)
    if (same && this.stamp[slot] === this.batchNo) this.sameAs[r] = this.firstRow[slot];
    else {
      this.stamp[slot] = this.batchNo;
      this.firstRow[slot] = r;
      this.sameAs[r] = r;
    }
    const s = state[slot];
    if (same) {
      // pending on an earlier row of this batch, or scored before: its scores copied now, as a
      // later miss of the batch may take the slot
      this.missOf[r] = s;
      if (s === -1) {
        const m = this.detectors;
        const hit = this.hit;
        const S = this.scores;
        for (let j = 0; j < m; j++) hit[r * m + j] = S[slot * m + j];
      }
      return;
    }
    const k = this.missCount++;
    this.missOf[r] = k;
    this.misses[k] = r;
    state[slot] = k;
    hashes[slot] = h;
    // the key's words (exact bits)
    const wordsPerKey = 2 * this.width;
    const keyWords = this.keyWords;
    const words = this.blockWords;
    for (let i = 0, to = slot * wordsPerKey, at = 2 * from; i < wordsPerKey; i++) keyWords[to + i] = words[at + i];
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

  /**
   * `score` of the planned misses, SLICE_ROWS rows at a time: each slice's input columns copied into
   * the cache's slice arrays (in L2, reused: a table of all the misses was a new copy of their 83
   * columns per batch, tens of MB of fresh pages), scored, and its scores appended.
   */
  private scoreMisses(batch: FlowTable, score: (t: FlowTable) => Float64Array[]): Float64Array[] {
    const count = this.missCount;
    const m = this.detectors;
    const w = this.width;
    const positions = this.lastPositions;
    // the slice table's columns: each input's column of the batch, in table order, over slice arrays
    const order = Int32Array.from({ length: w }, (_, i) => i).sort((a, b) => positions[a] - positions[b]);
    const columns: Column[] = new Array(w);
    for (let c = 0; c < w; c++) {
      const i = order[c];
      const col = batch.columns[positions[i]];
      columns[c] = col.kind === 'numeric' ? { ...col, values: this.sliceValues[i] } : { ...col, codes: this.sliceCodes[i] };
    }
    const out: Float64Array[] = [];
    for (let j = 0; j < m; j++) out.push(new Float64Array(count));
    for (let k0 = 0; k0 < count; k0 += SLICE_ROWS) {
      const k1 = Math.min(count, k0 + SLICE_ROWS);
      for (let i = 0; i < w; i++) {
        const v = this.numeric[i];
        if (v !== undefined) takeValues(this.sliceValues[i], v, this.misses, k0, k1);
        else takeCodes(this.sliceCodes[i], this.codes[i]!, this.misses, k0, k1);
      }
      // the slice arrays hold new rows: the logged columns the pipeline keeps by array must go
      releaseSliceLogs();
      const part = score({ ...batch, rowCount: k1 - k0, columns, origin: undefined });
      for (let j = 0; j < m; j++) out[j].set(part[j].subarray(0, k1 - k0), k0);
    }
    releaseSliceLogs();
    return out;
  }

  /**
   * Per row of the batch last given to scoresOf, the first row of that batch whose inputs are the
   * same bits (itself when none before): undefined when the batch was not looked up whole (idle,
   * backed off, or not keyable). The array is the cache's, valid until the next scoresOf.
   */
  sameRows(): Int32Array | undefined {
    return this.sameKnown ? this.sameAs : undefined;
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

  /** Empties the slots a failed batch left pending. */
  private forget(): void {
    for (let k = 0; k < this.missCount; k++) {
      const slot = this.slotOf[this.misses[k]];
      if (this.state[slot] >= 0) this.state[slot] = -2;
    }
  }
}

const EMPTY_VALUES = new Float64Array(0);
const EMPTY_CODES = new Int32Array(0);

/** A hash of a key's words: four multiply chains side by side (one chain waited on each multiply in turn). */
function hashKey(words: Uint32Array, at: number, count: number): number {
  let h0 = 0x811c9dc5;
  let h1 = 0x01000193;
  let h2 = 0x5bd1e995;
  let h3 = 0x27d4eb2f;
  let k = 0;
  for (; k + 4 <= count; k += 4) {
    h0 = Math.imul(h0 ^ words[at + k], 0x01000193);
    h1 = Math.imul(h1 ^ words[at + k + 1], 0x01000193);
    h2 = Math.imul(h2 ^ words[at + k + 2], 0x01000193);
    h3 = Math.imul(h3 ^ words[at + k + 3], 0x01000193);
  }
  for (; k < count; k++) h0 = Math.imul(h0 ^ words[at + k], 0x01000193);
  const h = Math.imul(h0 ^ (h1 >>> 7), 0x9e3779b1) ^ Math.imul(h2 ^ (h3 >>> 11), 0x85ebca6b);
  return Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
}

/** block[(r − r0) · w + i] = v[r] for r in [r0, r1). */
function gatherValues(block: Float64Array, i: number, w: number, v: Float64Array, r0: number, r1: number): void {
  for (let r = r0, at = i; r < r1; r++, at += w) block[at] = v[r];
}

/** block[(r − r0) · w + i] = the category index of row r (−1 missing or not a pipeline category). */
function gatherCategories(block: Float64Array, i: number, w: number, c: Int32Array, map: Int32Array, r0: number, r1: number): void {
  for (let r = r0, at = i; r < r1; r++, at += w) block[at] = c[r] < 0 ? -1 : map[c[r]];
}

/** into[k − k0] = v[rows[k]] for k in [k0, k1). */
function takeValues(into: Float64Array, v: Float64Array, rows: Int32Array, k0: number, k1: number): void {
  for (let k = k0; k < k1; k++) into[k - k0] = v[rows[k]];
}

function takeCodes(into: Int32Array, c: Int32Array, rows: Int32Array, k0: number, k1: number): void {
  for (let k = k0; k < k1; k++) into[k - k0] = c[rows[k]];
}
