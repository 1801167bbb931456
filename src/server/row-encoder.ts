/**
 * Turns JSON records straight into the rows of the matrix a model saw in training, without
 * building a FlowTable first: the request path of /classify and the batch endpoints. It applies
 * exactly the fitted pipeline's steps (signed log, missing → training median, ±Infinity →
 * training extremes, scaling, one-hot or ordinal codes; see src/features/pipeline.ts), compiled
 * once per model so a request costs a few property reads and one Map lookup per category.
 *
 * Field names are matched after folding (see seed-fields.ts), so seed 004's `srcbytes` and
 * NSL-KDD's `src_bytes` both feed the model input `src_bytes`. A model input the record does not
 * carry is missing (NaN → the training median; a category → no category), which is how a model
 * trained on all 41 NSL-KDD columns answers seed 004's 31 fields. A category never seen in
 * training is refused by default (unknownCategory 'reject'), or encoded as "no known category"
 * as scikit-learn's handle_unknown='ignore' does ('ignore').
 */
import type { PipelineState } from '../features/pipeline.js';
import { canonicalField, SEED_FIELDS } from './seed-fields.js';

export class FieldError extends Error {
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

export type UnknownCategory = 'reject' | 'ignore';

export interface RowEncoder {
  readonly width: number;
  /** model input names, in pipeline order */
  readonly inputs: readonly string[];
  /** inputs no seed 004 field provides (filled as missing when /classify is used) */
  readonly notInSeed: readonly string[];
  /** categories known per categorical input */
  readonly categories: Readonly<Record<string, readonly string[]>>;
  /** write one record into out[offset .. offset + width); throws FieldError */
  encode(record: Record<string, unknown>, out: Float64Array, offset: number): void;
  /** a record given as strings in a fixed column order (CSV): column index per input, -1 = absent */
  encodeCells(cells: readonly string[], columnOf: Int32Array, out: Float64Array, offset: number): void;
  /** column index per input for a CSV header */
  columnsFor(header: readonly string[]): Int32Array;
  /**
   * Field by field, for scanners that read values straight from bytes (jsonl-scanner.ts): the
   * model inputs in order, each with the record field names it is read from (first wins) and,
   * for a category, its known values. `putValue` applies the same steps as `encode` to a number
   * (NaN = missing) or a category code (-1 = none); `start` clears the row first.
   */
  readonly fields: readonly EncoderField[];
  readonly unknownCategory: UnknownCategory;
  start(out: Float64Array, offset: number): void;
  putValue(field: number, v: number, out: Float64Array, offset: number): void;
  /** putValue's steps as flat arrays, for a scanner's hot loop to apply in place (see FieldSteps) */
  readonly steps: FieldSteps;
}

/**
 * Per field, what putValue does to a finite number or a category code, in arrays a scanner reads
 * inline instead of calling putValue for each value (jsonl-scanner.ts's layout path). A finite
 * number v: if LOG, v = v < 0 ? -log1p(-v) : log1p(v); then, if AFFINE, v = (v - center) / scale
 * (not set when center is +0 and scale 1, where that leaves every finite v as it is); if CLIP,
 * v clamped to [0, 1]; written at column. A category code k: if ONEHOT, 1 at column + k when
 * k >= 0; else k at column. (Missing values, NaN and ±Infinity still go through putValue.)
 */
export interface FieldSteps {
  readonly column: Int32Array;
  readonly flags: Uint8Array;
  readonly center: Float64Array;
  readonly scale: Float64Array;
}
export const STEP_LOG = 1;
export const STEP_CLIP = 2;
export const STEP_CATEGORY = 4;
export const STEP_ONEHOT = 8;
export const STEP_AFFINE = 16;

export interface EncoderField {
  readonly names: readonly string[];
  readonly numeric: boolean;
  /** categories: known values, code = index */
  readonly categories: readonly string[];
}

interface NumStep {
  kind: 0;
  names: string[];
  label: string;
  offset: number;
  fill: number;
  posInf: number;
  negInf: number;
  center: number;
  scale: number;
  clip: boolean;
  log: boolean;
}
interface CatStep {
  kind: 1;
  names: string[];
  label: string;
  offset: number;
  onehot: boolean;
  lookup: Map<string, number>;
  known: readonly string[];
}

export function compileRowEncoder(p: PipelineState, unknownCategory: UnknownCategory = 'reject'): RowEncoder {
  const seedByCanon = new Map(SEED_FIELDS.map(([n]) => [canonicalField(n), n]));
  const steps: (NumStep | CatStep)[] = [];
  const notInSeed: string[] = [];
  const categories: Record<string, readonly string[]> = {};
  let o = 0;
  for (const inp of p.inputs) {
    const seed = seedByCanon.get(canonicalField(inp.name));
    if (!seed) notInSeed.push(inp.name);
    const names = [inp.name, ...(seed && seed !== inp.name ? [seed] : [])];
    if (inp.kind === 'numeric') {
      steps.push({ kind: 0, names, label: seed ?? inp.name, offset: o, fill: inp.fill, posInf: inp.posInf, negInf: inp.negInf, center: inp.center, scale: inp.scale, clip: inp.clip, log: inp.log === true });
      o += 1;
    } else {
      const lookup = new Map<string, number>();
      inp.categories.forEach((c, i) => lookup.set(c, i));
      categories[seed ?? inp.name] = inp.categories;
      steps.push({ kind: 1, names, label: seed ?? inp.name, offset: o, onehot: inp.encoding === 'onehot', lookup, known: inp.categories });
      o += inp.encoding === 'onehot' ? inp.categories.length : 1;
    }
  }
  const width = o;
  if (width !== p.outputNames.length) throw new Error(`row encoder: ${width} columns, the pipeline makes ${p.outputNames.length}`);

  const putNumber = (s: NumStep, v: number, out: Float64Array, base: number): void => {
    if (s.log && v === v && v !== Infinity && v !== -Infinity) v = v < 0 ? -Math.log1p(-v) : Math.log1p(v);
    if (v !== v) v = s.fill;
    else if (v === Infinity) v = s.posInf;
    else if (v === -Infinity) v = s.negInf;
    v = (v - s.center) / s.scale;
    if (s.clip) v = v < 0 ? 0 : v > 1 ? 1 : v;
    out[base + s.offset] = v;
  };
  const putCategory = (s: CatStep, v: string | undefined, out: Float64Array, base: number): void => {
    let k = -1;
    if (v !== undefined && v !== '') {
      const hit = s.lookup.get(v);
      if (hit === undefined) {
        if (unknownCategory === 'reject') {
          throw new FieldError(s.label, `"${v.length > 40 ? v.slice(0, 40) + '…' : v}" was never seen in training (known: ${s.known.slice(0, 12).join(', ')}${s.known.length > 12 ? `, … ${s.known.length} in all` : ''})`);
        }
      } else k = hit;
    }
    if (s.onehot) {
      if (k >= 0) out[base + s.offset + k] = 1;
    } else out[base + s.offset] = k;
  };

  const putCode = (s: CatStep, k: number, out: Float64Array, base: number): void => {
    if (s.onehot) {
      if (k >= 0) out[base + s.offset + k] = 1;
    } else out[base + s.offset] = k;
  };

  const fieldSteps: FieldSteps = {
    column: Int32Array.from(steps, (s) => s.offset),
    // (v - +0) / 1 is v for every finite v, -0 included; a center of -0 would turn -0 into +0
    flags: Uint8Array.from(steps, (s) =>
      s.kind === 0 ? (s.log ? STEP_LOG : 0) | (s.clip ? STEP_CLIP : 0) | (Object.is(s.center, 0) && s.scale === 1 ? 0 : STEP_AFFINE) : STEP_CATEGORY | (s.onehot ? STEP_ONEHOT : 0),
    ),
    center: Float64Array.from(steps, (s) => (s.kind === 0 ? s.center : 0)),
    scale: Float64Array.from(steps, (s) => (s.kind === 0 ? s.scale : 1)),
  };

  return {
    width,
    steps: fieldSteps,
    fields: steps.map((s) => ({ names: s.names, numeric: s.kind === 0, categories: s.kind === 1 ? s.known : [] })),
    unknownCategory,
    start(out, base) {
      out.fill(0, base, base + width);
    },
    putValue(i, v, out, base) {
      const s = steps[i];
      if (s.kind === 0) putNumber(s, v, out, base);
      else putCode(s, v, out, base);
    },
    inputs: p.inputs.map((i) => i.name),
    notInSeed,
    categories,
    encode(rec, out, base) {
      out.fill(0, base, base + width);
      for (let i = 0; i < steps.length; i++) {
        const s = steps[i];
        let v: unknown = rec[s.names[0]];
        if (v === undefined && s.names.length > 1) v = rec[s.names[1]];
        if (s.kind === 0) {
          let x: number;
          if (typeof v === 'number') x = v;
          else if (v === undefined || v === null) x = NaN;
          else if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) x = Number(v);
          else throw new FieldError(s.label, `expected a number, got ${describe(v)}`);
          putNumber(s, x, out, base);
        } else {
          if (v !== undefined && v !== null && typeof v !== 'string') throw new FieldError(s.label, `expected a string, got ${describe(v)}`);
          putCategory(s, (v as string | null | undefined) ?? undefined, out, base);
        }
      }
    },
    columnsFor(header) {
      const byCanon = new Map<string, number>();
      header.forEach((h, i) => byCanon.set(canonicalField(h), i));
      return Int32Array.from(steps, (s) => byCanon.get(canonicalField(s.names[0])) ?? -1);
    },
    encodeCells(cells, columnOf, out, base) {
      out.fill(0, base, base + width);
      for (let i = 0; i < steps.length; i++) {
        const s = steps[i];
        const c = columnOf[i];
        const raw = c >= 0 ? cells[c] : undefined;
        if (s.kind === 0) {
          let x = NaN;
          if (raw !== undefined && raw !== '') {
            x = Number(raw);
            if (x !== x && !/^\s*nan\s*$/i.test(raw)) throw new FieldError(s.label, `expected a number, got ${describe(raw)}`);
          }
          putNumber(s, x, out, base);
        } else putCategory(s, raw, out, base);
      }
    },
  };
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  return `${typeof v} ${String(v)}`;
}
