/**
 * Label columns computed from other label columns: an attack family from an attack name, and
 * `binary` (normal / attack) from any label. Work on the dictionary, not per row, so deriving a
 * label costs one pass over the codes.
 *
 * A value the mapping does not know is an InputError at the first row that has it: a label that
 * silently became "unknown" (or worse, "normal") would corrupt every result computed from it.
 */
import { categoricalColumn, type CategoricalColumn, type Column, type ColumnRole } from '../flows/table.js';
import { InputError } from '../util/errors.js';
import type { DeriveContext } from './table-plan.js';

export const NORMAL = 'normal';
export const ATTACK = 'attack';

/**
 * Map each category of `source` through `fn`; null maps to missing, undefined means "not known",
 * reported with `unknown(value)` as the problem at the first row holding that value.
 */
export function mapCategories(
  source: Column,
  name: string,
  role: ColumnRole,
  fn: (value: string) => string | null | undefined,
  ctx: DeriveContext,
  unknown: (value: string) => string,
): CategoricalColumn {
  if (source.kind !== 'categorical') throw new Error(`mapCategories: column "${source.name}" is not categorical`);
  const dict: string[] = [];
  const index = new Map<string, number>();
  const map = new Int32Array(source.dictionary.length);
  const bad: number[] = [];
  source.dictionary.forEach((v, k) => {
    const m = fn(v);
    if (m === undefined) {
      bad.push(k);
      map[k] = -1;
      return;
    }
    if (m === null) {
      map[k] = -1;
      return;
    }
    let c = index.get(m);
    if (c === undefined) {
      c = dict.length;
      dict.push(m);
      index.set(m, c);
    }
    map[k] = c;
  });
  const codes = new Int32Array(source.codes.length);
  for (let i = 0; i < codes.length; i++) {
    const s = source.codes[i];
    codes[i] = s < 0 ? -1 : map[s];
  }
  if (bad.length > 0) {
    const badSet = new Set(bad);
    for (let i = 0; i < source.codes.length; i++) {
      if (badSet.has(source.codes[i])) throw new InputError(ctx.place(i, source.name), unknown(source.dictionary[source.codes[i]]));
    }
  }
  return categoricalColumn(name, role, codes, dict);
}

/** normal / attack from a categorical label; missing stays missing. */
export function binaryFrom(source: Column, isNormal: (value: string) => boolean, name = 'binary'): CategoricalColumn {
  if (source.kind !== 'categorical') throw new Error(`binaryFrom: column "${source.name}" is not categorical`);
  const dict = [NORMAL, ATTACK];
  const map = source.dictionary.map((v) => (isNormal(v) ? 0 : 1));
  const codes = new Int32Array(source.codes.length);
  for (let i = 0; i < codes.length; i++) codes[i] = source.codes[i] < 0 ? -1 : map[source.codes[i]];
  return categoricalColumn(name, 'label', codes, dict);
}
