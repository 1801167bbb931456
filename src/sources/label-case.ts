/**
 * Label values that differ only in case ("BENIGN" and "Benign", a CIC-IDS2017 file beside a
 * CIC-IDS2018 one, a hand-labelled CSV) are one class. Kept apart, they became two classes without
 * a word: `train` learned to tell BENIGN from Benign, the report counted each, evaluation scored a
 * right answer as wrong. Merged into the spelling met first in the input (first row first), so the
 * choice is the same whatever the batch size and whether the file is read whole or streamed, with
 * one warning per label column at the end of the read naming every spelling and its rows.
 *
 * Why merge rather than only warn: no dataset we know gives a class meaning by its case, and a
 * warning alone left the model with two classes for one. A user who does mean two classes renames
 * one (the warning says so). The CICFlowMeter reader maps its known labels to one spelling
 * already (cicLabel); this covers every format and every label value.
 */
import { categoricalColumn, type CategoricalColumn, type Column, type FlowTable } from '../flows/table.js';
import { thousands } from '../util/thousands.js';
import { plural } from '../util/plural.js';

interface ColumnState {
  /** lower case → the spelling kept (the first met) */
  readonly kept: Map<string, string>;
  /** every spelling met → its rows */
  readonly rows: Map<string, number>;
  /** lower-case keys met in more than one spelling */
  readonly merged: Set<string>;
}

export class LabelCaseMerger {
  private readonly columns = new Map<string, ColumnState>();

  /** The batch with its label columns' spellings merged (the same table when nothing differs). */
  merge(t: FlowTable): FlowTable {
    let changed: Column[] | undefined;
    t.columns.forEach((c, i) => {
      if (c.role !== 'label' || c.kind !== 'categorical') return;
      let st = this.columns.get(c.name);
      if (!st) this.columns.set(c.name, (st = { kept: new Map(), rows: new Map(), merged: new Set() }));
      const perCode = new Float64Array(c.dictionary.length);
      for (let r = 0; r < c.codes.length; r++) if (c.codes[r] >= 0) perCode[c.codes[r]]++;
      // each entry's spelling kept, and the entry it becomes (entries spelt alike become one)
      const map = new Int32Array(c.dictionary.length);
      const dictionary: string[] = [];
      const at = new Map<string, number>();
      let same = true;
      c.dictionary.forEach((v, k) => {
        if (perCode[k] > 0) st.rows.set(v, (st.rows.get(v) ?? 0) + perCode[k]);
        const lower = v.toLowerCase();
        let keep = st.kept.get(lower);
        if (keep === undefined) st.kept.set(lower, (keep = v));
        else if (keep !== v && perCode[k] > 0) st.merged.add(lower);
        let m = at.get(keep);
        if (m === undefined) {
          at.set(keep, (m = dictionary.length));
          dictionary.push(keep);
        }
        map[k] = m;
        if (m !== k || keep !== v) same = false;
      });
      if (same) return;
      const codes = new Int32Array(c.codes.length);
      for (let r = 0; r < codes.length; r++) codes[r] = c.codes[r] < 0 ? -1 : map[c.codes[r]];
      changed ??= t.columns.slice();
      changed[i] = categoricalColumn(c.name, c.role, codes, dictionary);
    });
    return changed ? { ...t, columns: changed } : t;
  }

  /** One line per label column whose values were merged, naming each spelling and its rows. */
  warnings(): string[] {
    const out: string[] = [];
    for (const [name, st] of this.columns) {
      if (st.merged.size === 0) continue;
      const groups: string[] = [];
      for (const lower of st.merged) {
        const keep = st.kept.get(lower) as string;
        const others = [...st.rows.keys()].filter((v) => v !== keep && v.toLowerCase() === lower);
        const rows = (v: string) => `"${v}" (${thousands(st.rows.get(v) ?? 0)} ${plural(st.rows.get(v) ?? 0, 'row')})`;
        groups.push(`${others.map(rows).join(', ')} read as ${rows(keep)}`);
      }
      out.push(
        `label column "${name}": values that differ only in case are one class, spelt as first met in the input: ${groups.join('; ')}; ` +
          `if they are different classes, give them different names`,
      );
    }
    return out;
  }
}

/**
 * A test set's label column in a model's spelling of its classes: "benign" in the test file is the
 * class "BENIGN" the model was trained on (the merge above, across two datasets). Only values that
 * are no class as they are and equal one class but for case; the pairs renamed are returned.
 */
export function inModelSpelling(col: CategoricalColumn, classes: readonly string[]): { col: CategoricalColumn; renamed: [string, string][] } {
  const exact = new Set(classes);
  const byLower = new Map<string, string>();
  for (const c of classes) if (!byLower.has(c.toLowerCase())) byLower.set(c.toLowerCase(), c);
  const renamed: [string, string][] = [];
  const texts = col.dictionary.map((v) => {
    if (exact.has(v)) return v;
    const to = byLower.get(v.toLowerCase());
    if (to === undefined) return v;
    renamed.push([v, to]);
    return to;
  });
  if (renamed.length === 0) return { col, renamed };
  const at = new Map<string, number>();
  const dictionary: string[] = [];
  const map = texts.map((v) => {
    let m = at.get(v);
    if (m === undefined) {
      at.set(v, (m = dictionary.length));
      dictionary.push(v);
    }
    return m;
  });
  const codes = Int32Array.from(col.codes, (k) => (k < 0 ? -1 : map[k]));
  return { col: categoricalColumn(col.name, col.role, codes, dictionary), renamed };
}
