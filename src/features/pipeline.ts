/**
 * The feature pipeline: turns a FlowTable into the numeric Matrix a model sees, with state fitted
 * on training data only and saved inside the model file, so prediction transforms new data
 * exactly as training did.
 *
 * Steps, per input column, in a fixed order:
 *   numeric:      missing (NaN) → training median; +Infinity → training maximum, −Infinity →
 *                 training minimum (rate columns such as "Flow Bytes/s" divide by a zero duration);
 *                 then standard (z-score) or min-max scaling, or none.
 *   categorical:  one-hot over the categories seen in training (the `maxCategories` most frequent;
 *                 rarer ones and categories unseen in training give an all-zero block, as
 *                 scikit-learn's handle_unknown="ignore"), or one ordinal code column (categories
 *                 numbered by training frequency; unseen or missing → −1).
 * Optional PCA runs last, on the scaled matrix (see pca-step.ts).
 *
 * It deliberately does not impute by model, balance classes or drop rows: nothing is lost here.
 */
import { medianInPlace } from '../util/select.js';
import { InputError, UserError } from '../util/errors.js';
import { matrix, type Matrix } from './matrix.js';
import {
  featureColumns,
  getColumn,
  labelColumns,
  type CategoricalColumn,
  type Column,
  type FlowTable,
  type NumericColumn,
} from '../flows/table.js';

export type Scaling = 'standard' | 'minmax' | 'none';
export type CategoricalEncoding = 'onehot' | 'ordinal';

export interface PipelineOptions {
  readonly scaling: Scaling;
  readonly categorical: CategoricalEncoding;
  /** use only these input columns (default: every column with role 'feature') */
  readonly select?: readonly string[];
  /** leave out these input columns */
  readonly drop?: readonly string[];
  /** one-hot width cap per column (most frequent categories kept) */
  readonly maxCategories?: number;
  /** min-max: clip transformed values into [0, 1] (autoencoders with a sigmoid output want it) */
  readonly clip?: boolean;
  /**
   * compress numeric columns with sign(x)·log(1 + |x|) before filling and scaling: flow counters,
   * byte counts, rates and durations span many orders of magnitude, and distance-based detectors
   * otherwise see only the few largest values
   */
  readonly log?: boolean;
}

export interface NumericInputState {
  readonly kind: 'numeric';
  readonly name: string;
  readonly fill: number;
  readonly posInf: number;
  readonly negInf: number;
  /** transformed = (x − center) / scale */
  readonly center: number;
  readonly scale: number;
  readonly clip: boolean;
  /** sign(x)·log1p(|x|) applied first (fill, posInf, negInf, center, scale are in log units) */
  readonly log?: boolean;
}

export interface CategoricalInputState {
  readonly kind: 'categorical';
  readonly name: string;
  readonly encoding: CategoricalEncoding;
  /** categories in output order (most frequent first) */
  readonly categories: readonly string[];
}

export type InputState = NumericInputState | CategoricalInputState;

export interface PipelineState {
  readonly options: PipelineOptions;
  readonly inputs: readonly InputState[];
  /** name of each output column, e.g. "duration", "service=http" */
  readonly outputNames: readonly string[];
  /** for each output column, the index of the input column it comes from */
  readonly outputSource: Int32Array;
}

const DEFAULT_MAX_CATEGORIES = 100;

/** Fit the pipeline on training rows. */
export function fitPipeline(table: FlowTable, options: PipelineOptions): PipelineState {
  const cols = chooseColumns(table, options);
  if (cols.length === 0) throw new UserError('no feature columns to train on (check --select/--drop)');
  const maxCat = options.maxCategories ?? DEFAULT_MAX_CATEGORIES;
  const inputs: InputState[] = [];
  const outputNames: string[] = [];
  const outputSource: number[] = [];
  cols.forEach((c, i) => {
    if (c.kind === 'numeric') {
      const s = fitNumeric(c, options);
      inputs.push(s);
      outputNames.push(c.name);
      outputSource.push(i);
    } else {
      const s = fitCategorical(c, options.categorical, maxCat);
      inputs.push(s);
      if (s.encoding === 'onehot') {
        for (const cat of s.categories) {
          outputNames.push(`${c.name}=${cat}`);
          outputSource.push(i);
        }
      } else {
        outputNames.push(c.name);
        outputSource.push(i);
      }
    }
  });
  return { options, inputs, outputNames, outputSource: Int32Array.from(outputSource) };
}

/**
 * Transform rows of any table that has the input columns, into the matrix the model saw.
 * `scratch`, when it is large enough, holds the result instead of new memory (the flow scorer
 * reuses one per detector across batches: the matrix lives only until the detector has scored it).
 */
export function transformTable(state: PipelineState, table: FlowTable, where?: string, scratch?: Float64Array): Matrix {
  return transformRows(state, table, 0, table.rowCount, where, scratch);
}

/**
 * transformTable of rows [start, end) only: row `start` is the matrix's first row. The flow scorer
 * scores a large batch in slices that fit its reused scratch memory (a 65,536-flow capture batch
 * made three new 45 MB matrices per batch, most of analyze's garbage); every cell is computed as
 * transformTable computes it, so the slices' rows are the same bits.
 */
export function transformRows(state: PipelineState, table: FlowTable, start: number, end: number, where?: string, scratch?: Float64Array): Matrix {
  const n = end - start;
  const width = state.outputNames.length;
  const reuse = scratch !== undefined && scratch.length >= n * width;
  const out: Matrix = reuse ? { rows: n, cols: width, data: scratch.subarray(0, n * width) } : matrix(n, width);
  const d = out.data;
  // look every column up first (a missing one is an error before any work), then fill the matrix
  // in blocks of rows, so the block's output rows stay in cache while each column writes its cells
  // `values` of a numeric column: cell of matrix row r at values[r + shift] (the table's own column,
  // shift = start; a text column parsed for these rows only, shift = 0); `codes`: at codes[r + shift]
  // (a logged column: its logged values, row 0 at `shift` − start)
  // `identity`: a numeric column whose scaling is (x − 0) / 1, which is x for every double (−0
  // included; a centre of −0 is not: −0 − −0 is +0), so the cell is copied without the subtraction
  // and division (the isolation forest's pipeline, scaling 'none', is all such columns)
  const parts: { inp: InputState; offset: number; values?: Float64Array; shift: number; codes?: Int32Array; identity: boolean }[] = [];
  const logged: Logged = { values: EMPTY, base: 0 };
  let o = 0;
  const index = indexOfTable(table);
  const positions = inputPositions(state, index);
  // the categorical inputs' category indexes go one after another into one reused array
  let categorical = 0;
  for (const inp of state.inputs) if (inp.kind === 'categorical') categorical++;
  if (codeScratch.length < categorical * n) codeScratch = new Int32Array(Math.max(categorical * n, 2 * codeScratch.length));
  let codesAt = 0;
  for (let i = 0; i < state.inputs.length; i++) {
    const inp = state.inputs[i];
    const position = positions[i];
    const col = position < 0 ? undefined : table.columns[position];
    if (!col || position < 0) throw lacksInput(inp.name, table, where);
    if (inp.kind === 'numeric') {
      const values = numericValues(col, inp.name, table, where, start, end);
      if (inp.log === true) {
        // logged and filled once per column for every pipeline that scores this table (a text
        // column, parsed for these rows only, each time)
        if (col.kind === 'numeric') loggedFilled(values, inp, index, position, start, end, logged);
        else {
          logged.values = fillLogged(values, 0, values.length, inp, new Float64Array(values.length), 0);
          logged.base = 0;
        }
        parts.push({ inp, offset: o, values: logged.values, shift: logged.base + (col.kind === 'numeric' ? start : 0), identity: identityScaling(inp) });
      } else parts.push({ inp, offset: o, values, shift: col.kind === 'numeric' ? start : 0, identity: identityScaling(inp) });
      o += 1;
    } else {
      categoryIndexes(col, categoryLookup(inp), start, end, codeScratch, codesAt);
      parts.push({ inp, offset: o, shift: codesAt, codes: codeScratch, identity: false });
      codesAt += n;
      o += inp.encoding === 'onehot' ? inp.categories.length : 1;
    }
  }
  const BLOCK = 512;
  // each kind of cell by a small function of its own: a capture is often scored in one batch, so
  // this runs cold, and one large loop with every kind inline was compiled (on V8's helper
  // threads) again and again as each detector's kinds ran for the first time
  for (let r0 = 0; r0 < n; r0 += BLOCK) {
    const r1 = Math.min(n, r0 + BLOCK);
    for (let k = 0; k < parts.length; k++) {
      const { inp, offset, values, shift, codes, identity } = parts[k];
      if (inp.kind === 'numeric') {
        // logged columns are filled already
        if (inp.log === true) {
          if (identity) copyCells(d, width, offset, values!, shift, r0, r1);
          else scaleCells(d, width, offset, values!, shift, inp.center, inp.scale, inp.clip, r0, r1);
        } else numericCells(d, width, offset, values!, shift, inp, identity, r0, r1);
      } else if (inp.encoding === 'onehot') oneHotCells(d, width, offset, codes!, shift, inp.categories.length, reuse, r0, r1);
      else ordinalCells(d, width, offset, codes!, shift, r0, r1);
    }
  }
  return out;
}

/** The error of a table without one of the pipeline's input columns (transformRows and inputProblems say it alike). */
function lacksInput(name: string, table: FlowTable, where?: string): InputError {
  const have = table.columns.filter((c) => c.role === 'feature').map((c) => c.name);
  return new InputError(
    { file: where },
    `the model needs column "${name}", which this input lacks (it has ${have.length} feature column${have.length === 1 ? '' : 's'}${have.length ? `, e.g. ${have.slice(0, 5).map((h) => `"${h}"`).join(', ')}` : ''})`,
  );
}

/** What transformRows would refuse in a table (inputProblems). */
export interface InputProblems {
  /** every input column the pipelines need, in their order (each once): listed by the caller, only when some are missing (a batch with all of them, the usual one, costs no list) */
  readonly needed: string[];
  /** the input columns the table lacks, in the pipelines' order (each once) */
  readonly missing: string[];
  /** the error transformRows throws for the first of them */
  missingError?: InputError;
  /** per row whose text in a numeric input is not a number: the error for its first such cell */
  readonly rows: Map<number, InputError>;
}

/**
 * What transformRows would refuse in `table`, found without transforming it and all at once: the
 * input columns it lacks, and every row with text that is no number in a numeric input (the
 * errors transformRows throws, with the same words). A caller that leaves the bad rows out (a stream
 * worker) needs one look per batch, where catching transformRows's errors one by one rescored the
 * batch once per bad row. Each text column's dictionary is parsed once; the rows are looked at
 * only when it has a word that is no number. Several pipelines (a baseline's detectors and a
 * classifier) add to one `into`.
 */
export function inputProblems(state: PipelineState, table: FlowTable, where?: string, into: InputProblems = { needed: [], missing: [], rows: new Map() }): InputProblems {
  const positions = inputPositions(state, indexOfTable(table));
  for (let i = 0; i < state.inputs.length; i++) {
    const inp = state.inputs[i];
    const col = positions[i] < 0 ? undefined : table.columns[positions[i]];
    if (!col) {
      if (!into.missing.includes(inp.name)) into.missing.push(inp.name);
      into.missingError ??= lacksInput(inp.name, table, where);
      continue;
    }
    if (inp.kind !== 'numeric' || col.kind === 'numeric') continue;
    // numericValues's test of a word, once per word of the dictionary
    const bad = col.dictionary.map((s) => s.trim() !== '' && s !== 'NaN' && Number.isNaN(Number(s)));
    if (!bad.includes(true)) continue;
    for (let r = 0; r < table.rowCount; r++) {
      const k = col.codes[r];
      if (k < 0 || !bad[k] || into.rows.has(r)) continue;
      const line = table.origin ? table.origin.line[r] : undefined;
      const file = table.origin ? table.origin.files[table.origin.file[r]] : where;
      into.rows.set(r, new InputError({ file, line, column: inp.name }, `"${col.dictionary[k]}" is not a number, and the model was trained with a numeric "${inp.name}"`));
    }
  }
  return into;
}

/** Cells of matrix rows [r0, r1) at `offset`: a logged column with identity scaling, as it is. */
function copyCells(d: Float64Array, width: number, offset: number, pre: Float64Array, shift: number, r0: number, r1: number): void {
  for (let r = r0; r < r1; r++) d[r * width + offset] = pre[r + shift];
}

/** A logged column: (x − center) / scale, clipped to [0, 1] when asked. */
function scaleCells(d: Float64Array, width: number, offset: number, pre: Float64Array, shift: number, center: number, scale: number, clip: boolean, r0: number, r1: number): void {
  for (let r = r0; r < r1; r++) {
    let v = (pre[r + shift] - center) / scale;
    if (clip) v = v < 0 ? 0 : v > 1 ? 1 : v;
    d[r * width + offset] = v;
  }
}

/** A numeric column not logged: missing and infinite cells filled, then scaled (unless identity) and clipped. */
function numericCells(d: Float64Array, width: number, offset: number, vals: Float64Array, shift: number, inp: NumericInputState, identity: boolean, r0: number, r1: number): void {
  const { fill, posInf, negInf, center, scale, clip } = inp;
  for (let r = r0; r < r1; r++) {
    let v = vals[r + shift];
    if (v !== v) v = fill;
    else if (v === Infinity) v = posInf;
    else if (v === -Infinity) v = negInf;
    if (!identity) v = (v - center) / scale;
    if (clip) v = v < 0 ? 0 : v > 1 ? 1 : v;
    d[r * width + offset] = v;
  }
}

/**
 * One-hot block of a categorical column. Reused memory holds the last slice's cells: the block is
 * zeroed here, where its row is written anyway, rather than the whole matrix first (a pass over
 * ~0.7 MB per detector).
 */
function oneHotCells(d: Float64Array, width: number, offset: number, codes: Int32Array, shift: number, len: number, reuse: boolean, r0: number, r1: number): void {
  for (let r = r0; r < r1; r++) {
    const at = r * width + offset;
    if (reuse) for (let k = 0; k < len; k++) d[at + k] = 0;
    const k = codes[r + shift];
    if (k >= 0) d[at + k] = 1;
  }
}

/** Ordinal code of a categorical column (−1 unseen or missing). */
function ordinalCells(d: Float64Array, width: number, offset: number, codes: Int32Array, shift: number, r0: number, r1: number): void {
  for (let r = r0; r < r1; r++) d[r * width + offset] = codes[r + shift];
}

/** Whether a numeric input's scaling leaves every value as it is: (x − 0) / 1, no clip. */
function identityScaling(inp: NumericInputState): boolean {
  return Object.is(inp.center, 0) && inp.scale === 1 && !inp.clip;
}

/** Convenience: fit on a table and transform it. */
export function fitTransform(table: FlowTable, options: PipelineOptions): { state: PipelineState; X: Matrix } {
  const state = fitPipeline(table, options);
  return { state, X: transformTable(state, table) };
}

/** The label column a model trains on: the named one, else the table's default. */
export function targetColumn(table: FlowTable, name?: string, where?: string): CategoricalColumn {
  const wanted = name ?? table.defaultTarget;
  const labels = labelColumns(table).map((c) => c.name);
  if (!wanted) {
    throw new UserError(
      `${where ? where + ': ' : ''}this data has no label column to train on; name one with --label COLUMN` +
        (labels.length ? ` (label columns: ${labels.join(', ')})` : ''),
    );
  }
  const col = getColumn(table, wanted);
  if (!col) {
    throw new UserError(
      `${where ? where + ': ' : ''}no label column "${wanted}"` +
        (labels.length ? `; label columns here: ${labels.join(', ')}` : `; columns here: ${table.columns.map((c) => c.name).slice(0, 12).join(', ')}`),
    );
  }
  if (col.kind === 'categorical') return col;
  // a numeric label (0/1) becomes text categories
  const dict: string[] = [];
  const idx = new Map<string, number>();
  const codes = new Int32Array(table.rowCount);
  for (let r = 0; r < table.rowCount; r++) {
    const v = col.values[r];
    if (v !== v) {
      codes[r] = -1;
      continue;
    }
    const s = String(v);
    let k = idx.get(s);
    if (k === undefined) {
      k = dict.length;
      dict.push(s);
      idx.set(s, k);
    }
    codes[r] = k;
  }
  return { kind: 'categorical', name: col.name, role: col.role, codes, dictionary: dict };
}

export interface EncodedTarget {
  /** class index per row; −1 where the row's class is not in `classes` or is missing */
  readonly y: Int32Array;
  readonly classes: readonly string[];
  /** rows whose label is missing or not among `classes` */
  readonly unknownRows: number;
  /** the distinct unknown values, for a message */
  readonly unknownValues: readonly string[];
}

/**
 * Class indices for a label column. Without `classes`, the classes are the sorted distinct values
 * (scikit-learn's order); with `classes` (a trained model's), values outside them become −1.
 */
export function encodeTarget(col: CategoricalColumn, classes?: readonly string[]): EncodedTarget {
  const cls = classes ?? [...new Set(col.dictionary.filter((_, i) => col.codes.includes(i)))].sort();
  const pos = new Map<string, number>();
  cls.forEach((c, i) => pos.set(c, i));
  const remap = col.dictionary.map((s) => pos.get(s) ?? -1);
  const y = new Int32Array(col.codes.length);
  let unknown = 0;
  const unknownValues = new Set<string>();
  for (let r = 0; r < y.length; r++) {
    const c = col.codes[r];
    const k = c < 0 ? -1 : remap[c];
    y[r] = k;
    if (k < 0) {
      unknown++;
      if (c >= 0) unknownValues.add(col.dictionary[c]);
    }
  }
  return { y, classes: cls, unknownRows: unknown, unknownValues: [...unknownValues] };
}

function chooseColumns(table: FlowTable, options: PipelineOptions): Column[] {
  let cols: Column[];
  if (options.select && options.select.length) {
    cols = options.select.map((name) => {
      const c = getColumn(table, name);
      if (!c) throw new UserError(`--select names column "${name}", which the data does not have`);
      if (c.role === 'label') throw new UserError(`--select names "${name}", which is a label column; a model cannot train on its own answer`);
      return c;
    });
  } else cols = featureColumns(table);
  if (options.drop && options.drop.length) {
    for (const name of options.drop) {
      if (!getColumn(table, name)) throw new UserError(`--drop names column "${name}", which the data does not have`);
    }
    const dropped = new Set(options.drop);
    cols = cols.filter((c) => !dropped.has(c.name));
  }
  return cols;
}

function fitNumeric(c: NumericColumn, options: PipelineOptions): NumericInputState {
  const v = options.log ? Float64Array.from(c.values, signedLog) : c.values;
  // one pass: the finite values (for the median), their sum, and how many cells are NaN / ±Inf
  const finite = new Float64Array(v.length);
  let nFinite = 0;
  let nNaN = 0;
  let nPos = 0;
  let nNeg = 0;
  let sumFinite = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x !== x) nNaN++;
    else if (x === Infinity) nPos++;
    else if (x === -Infinity) nNeg++;
    else {
      finite[nFinite++] = x;
      sumFinite += x;
      if (x < min) min = x;
      if (x > max) max = x;
    }
  }
  if (nFinite === 0) {
    min = 0;
    max = 0;
  }
  const fill = nFinite ? medianInPlace(finite, nFinite) : 0;
  // statistics of the column as the model will see it (NaN → fill, ±Inf → max/min), so scaling is
  // exact; the median reordered `finite`, which sums do not mind
  // values near Number.MAX_VALUE (a 1e308 in a file) overflow a plain sum or square: the mean and
  // std became Infinity/NaN and the model refused its input ("X row 1 ... is Infinity"). Then the
  // moments are taken of x / k and scaled back; k is 1 (the same arithmetic) for ordinary columns
  const big = Math.max(Math.abs(min), Math.abs(max));
  const k = big > 1e150 ? big : 1;
  let sumK = sumFinite;
  if (k !== 1) {
    sumK = 0;
    for (let i = 0; i < nFinite; i++) sumK += finite[i] / k;
  }
  const n = v.length;
  const meanK = n ? (sumK + nNaN * (fill / k) + nPos * (max / k) + nNeg * (min / k)) / n : 0;
  const mean = meanK * k;
  let ss = nNaN * (fill / k - meanK) ** 2 + nPos * (max / k - meanK) ** 2 + nNeg * (min / k - meanK) ** 2;
  for (let i = 0; i < nFinite; i++) {
    const dx = finite[i] / k - meanK;
    ss += dx * dx;
  }
  const std = n ? Math.sqrt(ss / n) * k : 0;
  let center = 0;
  let scale = 1;
  if (options.scaling === 'standard') {
    center = mean;
    scale = std > 0 ? std : 1;
    // the mean near one end of a range past the largest double (1.7e308, -1.7e308, -1.7e308):
    // x - mean overflowed to Infinity for the values at the other end, which the model refused.
    // Centred on the midpoint instead, every x - center is finite (at most the half range);
    // the column is then not centred on 0, which no value could be read through anyway
    if (max - center === Infinity || center - min === Infinity) center = min / 2 + max / 2;
  } else if (options.scaling === 'minmax') {
    center = min;
    scale = max > min ? max - min : 1;
    if (scale === Infinity) {
      // a range past the largest double (-1e308 and 1e308 in one column): max - min, and x - min,
      // overflow to Infinity, and every cell became NaN or ±Infinity, which the model refused
      // ("Input X contains NaN"). No (x - center) / scale of finite numbers maps such a column onto
      // [0, 1] (x - min itself overflows), so it is scaled about its midpoint by its half range,
      // onto [-1, 1]: finite, in order, and in every place that applies a pipeline (scoring, the
      // service's encoders) the same affine step, with no new field in the model file
      center = min / 2 + max / 2;
      scale = max / 2 - min / 2;
    }
  }
  return {
    kind: 'numeric',
    name: c.name,
    fill,
    posInf: max,
    negInf: min,
    center,
    scale,
    clip: options.scaling === 'minmax' && options.clip === true,
    ...(options.log ? { log: true } : {}),
  };
}

function signedLog(x: number): number {
  if (x !== x || x === Infinity || x === -Infinity) return x;
  return x < 0 ? -Math.log1p(-x) : Math.log1p(x);
}

function fitCategorical(c: CategoricalColumn, encoding: CategoricalEncoding, maxCat: number): CategoricalInputState {
  const counts = new Float64Array(c.dictionary.length);
  for (let i = 0; i < c.codes.length; i++) if (c.codes[i] >= 0) counts[c.codes[i]]++;
  const order = [...c.dictionary.keys()].filter((k) => counts[k] > 0);
  // most frequent first; ties by name so the order never depends on reading order
  order.sort((a, b) => counts[b] - counts[a] || (c.dictionary[a] < c.dictionary[b] ? -1 : 1));
  const keep = encoding === 'onehot' ? order.slice(0, maxCat) : order;
  return { kind: 'categorical', name: c.name, encoding, categories: keep.map((k) => c.dictionary[k]) };
}

/**
 * The table's columns by name, kept while its column list lives: each of a baseline's pipelines
 * looks up ~85 columns in a ~90-column table, and a linear search per lookup was ~1 µs per flow
 * in batches of 50 (bench script baseline-scoring). The first column of a name wins, as getColumn.
 * The entry also holds the logged columns of whole-table requests (see loggedFilled).
 */
interface TableIndex {
  readonly length: number;
  /** name → position in the column list */
  readonly position: Map<string, number>;
  logged?: LoggedColumnsOfTable;
}

const tableIndexes = new WeakMap<readonly Column[], TableIndex>();

/**
 * The column names of the last table indexed and their map: a reader's or a stream's batches are
 * new tables with the same columns, and building the map was ~90 insertions per batch; a table
 * whose names are the same, in the same order, gets the same (never changed) map.
 */
let lastSchema: { readonly names: readonly string[]; readonly position: Map<string, number> } | undefined;

function indexOfTable(table: FlowTable): TableIndex {
  let m = tableIndexes.get(table.columns);
  // rebuilt if the list grew since (tables are built by pushing columns, then left alone)
  if (!m || m.length !== table.columns.length) {
    const cols = table.columns;
    let position: Map<string, number>;
    if (lastSchema && sameNames(lastSchema.names, cols)) position = lastSchema.position;
    else {
      position = new Map<string, number>();
      cols.forEach((c, i) => {
        if (!position.has(c.name)) position.set(c.name, i);
      });
      lastSchema = { names: cols.map((c) => c.name), position };
    }
    m = { length: cols.length, position };
    tableIndexes.set(cols, m);
  }
  return m;
}

function sameNames(names: readonly string[], cols: readonly Column[]): boolean {
  if (names.length !== cols.length) return false;
  for (let i = 0; i < names.length; i++) if (names[i] !== cols[i].name) return false;
  return true;
}

/**
 * Per pipeline, the position of each input column in tables of the map they were looked up in
 * (−1: missing): a baseline's three pipelines looked up ~85 names each per batch, and batches of
 * one schema share a map (above).
 */
const inputPositionCache = new WeakMap<PipelineState, { readonly of: Map<string, number>; readonly at: Int32Array }>();

function inputPositions(state: PipelineState, index: TableIndex): Int32Array {
  const cached = inputPositionCache.get(state);
  if (cached && cached.of === index.position) return cached.at;
  const at = Int32Array.from(state.inputs, (inp) => index.position.get(inp.name) ?? -1);
  inputPositionCache.set(state, { of: index.position, at });
  return at;
}

/**
 * sign(x)·log1p(|x|) of a table's columns with their missing and infinite cells filled, kept for
 * the next pipeline over the same rows: a baseline's detectors each have a pipeline (other
 * scaling) over the same logged columns with the same fill values, and log1p of every cell was the
 * largest part of scoring's feature work (issue 8 #2). Same arithmetic as inline, same bits.
 *
 * Up to SLICE_ROWS rows (the flow scorer's slices, a stream worker's batches) go to one slab shared
 * by every table, each column's rows at its position (position p from p · SLICE_ROWS), remembered
 * with the values array, rows and fill values they were made from: the scorer transforms a slice
 * for every detector before the next slice, so the slab (~0.7 MB) stays in cache and no memory is
 * made per batch (a slab per table was 47 MB per 65,536-flow capture batch, written once and read
 * from memory three times, and a new array per batch in a stream worker). Larger requests (a whole
 * table at once) keep a slab with their table, for the table's whole columns.
 *
 * The records compare the values array by identity, not by content: a caller that writes new values
 * into the same array and transforms again must call releaseSliceLogs() first, or it gets the old
 * rows' logged values. Every caller today hands over fresh arrays per batch (readers, the stream's
 * per-message block, the flow scorer, which also releases after each batch).
 */
const EMPTY = new Float64Array(0);

/**
 * rows of a request whose logged columns go to the shared slab: the flow scorer's slice. 1,024 rows
 * keep the slab and a detector's matrix (~0.7 MB each) in L2 while every detector reads them: about
 * 5 % less score-stage CPU than 4,096 on the 1M-packet replay capture.
 */
export const SLICE_ROWS = 1024;

/** Logged columns and what each was made from: per position, the values array (undefined = none), first row, row count, and fill, posInf, negInf. */
interface LoggedColumns {
  readonly slab: Float64Array;
  readonly from: (Float64Array | undefined)[];
  readonly start: Int32Array;
  readonly count: Int32Array;
  readonly fills: Float64Array;
}

function loggedColumns(positions: number, rowsPerPosition: number): LoggedColumns {
  return {
    slab: new Float64Array(positions * rowsPerPosition),
    from: new Array<Float64Array | undefined>(positions).fill(undefined),
    start: new Int32Array(positions),
    count: new Int32Array(positions),
    fills: new Float64Array(3 * positions),
  };
}

interface LoggedColumnsOfTable extends LoggedColumns {
  readonly rows: number;
}

/** the shared slab of slices, grown to the widest table seen */
let sliceLogs: LoggedColumns | undefined;

/** The logged column's array and the index there of the column's row 0. */
interface Logged {
  values: Float64Array;
  base: number;
}

/**
 * Where rows [start, end) of `vals` (the column at `position` of the table indexed by `index`) are,
 * logged and filled with `inp`'s fill values; `into` receives the array and the index there of the
 * column's row 0 (row r at base + r).
 */
function loggedFilled(vals: Float64Array, inp: NumericInputState, index: TableIndex, position: number, start: number, end: number, into: Logged): void {
  const n = end - start;
  if (n <= SLICE_ROWS) {
    if (!sliceLogs || sliceLogs.from.length < index.length) sliceLogs = loggedColumns(index.length, SLICE_ROWS);
    const at = position * SLICE_ROWS;
    if (!madeFrom(sliceLogs, position, vals, start, n, inp)) fillLogged(vals, start, end, inp, sliceLogs.slab, at);
    into.values = sliceLogs.slab;
    into.base = at - start;
    return;
  }
  const rows = vals.length;
  let L = index.logged;
  if (!L || L.rows !== rows) {
    // a column whose length differs from the slab's (never in tables built row by row) gets its own
    if (L && L.rows !== rows) {
      into.values = fillLogged(vals, 0, rows, inp, new Float64Array(rows), 0);
      into.base = 0;
      return;
    }
    L = index.logged = { ...loggedColumns(index.length, rows), rows };
  }
  const at = position * rows;
  if (!madeFrom(L, position, vals, 0, rows, inp)) fillLogged(vals, 0, rows, inp, L.slab, at);
  into.values = L.slab;
  into.base = at;
}

/**
 * Lets go of the values arrays the shared slab's records hold, so they keep no batch alive (a
 * capture batch's columns are views of one ~60 MB block): the flow scorer calls it after each
 * batch. (A number per array in a WeakMap instead cost ~0.5 µs a flow in batches of 50.)
 */
export function releaseSliceLogs(): void {
  if (sliceLogs) sliceLogs.from.fill(undefined);
}

/** Whether position holds rows [start, start + n) of vals logged with inp's fills; if not, records that it is about to. */
function madeFrom(L: LoggedColumns, position: number, vals: Float64Array, start: number, n: number, inp: NumericInputState): boolean {
  const f = L.fills;
  const k = 3 * position;
  if (L.from[position] === vals && L.start[position] === start && L.count[position] === n && f[k] === inp.fill && f[k + 1] === inp.posInf && f[k + 2] === inp.negInf) return true;
  L.from[position] = vals;
  L.start[position] = start;
  L.count[position] = n;
  f[k] = inp.fill;
  f[k + 1] = inp.posInf;
  f[k + 2] = inp.negInf;
  return false;
}

/** Whole numbers below this get log1p from a table (8 KB: stays in L1 while a column is logged). */
const SMALL_LOGS = 1024;
let smallLogTable: Float64Array | undefined;

/** log1p(k) for k = 1 … SMALL_LOGS − 1 (entry 0 unused: the caller keeps ±0 as it is). */
function smallLogs(): Float64Array {
  if (!smallLogTable) {
    smallLogTable = new Float64Array(SMALL_LOGS);
    for (let k = 1; k < SMALL_LOGS; k++) smallLogTable[k] = Math.log1p(k);
  }
  return smallLogTable;
}

/** out[base + r − start] = vals[r] logged for r in [start, end), then NaN → fill and ±Infinity → posInf / negInf. */
function fillLogged(vals: Float64Array, start: number, end: number, inp: NumericInputState, out: Float64Array, base: number): Float64Array {
  const { fill, posInf, negInf } = inp;
  const small = smallLogs();
  const shift = base - start;
  for (let r = start; r < end; r++) {
    let v = vals[r];
    // counters and flags are mostly small whole numbers: their log1p from a table (the same bits,
    // computed by the same Math.log1p), 0 and −0 as they are (log1p(±0) = ±0)
    if (v === 0) {
      // log1p(±0) = ±0: v as it is
    } else if (v > 0 && v < SMALL_LOGS && (v | 0) === v) v = small[v];
    else if (v === v && v !== Infinity && v !== -Infinity) v = v < 0 ? -Math.log1p(-v) : Math.log1p(v);
    if (v !== v) v = fill;
    else if (v === Infinity) v = posInf;
    else if (v === -Infinity) v = negInf;
    out[r + shift] = v;
  }
  return out;
}

/** The column's own values (whole column), or a text column's rows [start, end) parsed (index 0 = row start). */
function numericValues(col: Column, name: string, table: FlowTable, where: string | undefined, start: number, end: number): Float64Array {
  if (col.kind === 'numeric') return col.values;
  // a column read as text (e.g. a generic CSV whose first rows looked categorical): parse it
  const out = new Float64Array(end - start);
  const parsed = col.dictionary.map((s) => (s.trim() === '' ? NaN : Number(s)));
  for (let r = start; r < end; r++) {
    const k = col.codes[r];
    if (k < 0) {
      out[r - start] = NaN;
      continue;
    }
    const v = parsed[k];
    if (Number.isNaN(v) && col.dictionary[k].trim() !== '' && col.dictionary[k] !== 'NaN') {
      const line = table.origin ? table.origin.line[r] : undefined;
      const file = table.origin ? table.origin.files[table.origin.file[r]] : where;
      throw new InputError({ file, line, column: name }, `"${col.dictionary[k]}" is not a number, and the model was trained with a numeric "${name}"`);
    }
    out[r - start] = v;
  }
  return out;
}

/** category → its index in the input's output block, made once per input state (not per batch) */
const categoryLookups = new WeakMap<CategoricalInputState, Map<string, number>>();

function categoryLookup(inp: CategoricalInputState): Map<string, number> {
  let lookup = categoryLookups.get(inp);
  if (!lookup) {
    lookup = new Map<string, number>();
    inp.categories.forEach((c, i) => lookup!.set(c, i));
    categoryLookups.set(inp, lookup);
  }
  return lookup;
}

/**
 * Where transformRows puts the category indexes of a call's categorical inputs, grown as needed:
 * a new Int32Array per input and call was ~5 % of the transform of a 50-flow batch (a stream
 * message's); the indexes live only until that call has written its matrix.
 */
let codeScratch = new Int32Array(0);

/** Category index of rows [start, end) into out[at ..] (out[at] = row start). */
function categoryIndexes(col: Column, lookup: Map<string, number>, start: number, end: number, out: Int32Array, at: number): void {
  const n = end - start;
  if (col.kind === 'categorical') {
    const remap = col.dictionary.map((s) => lookup.get(s) ?? -1);
    for (let r = 0; r < n; r++) out[at + r] = col.codes[r + start] < 0 ? -1 : remap[col.codes[r + start]];
  } else {
    for (let r = 0; r < n; r++) {
      const v = col.values[r + start];
      out[at + r] = v !== v ? -1 : (lookup.get(String(v)) ?? -1);
    }
  }
}

