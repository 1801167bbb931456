/**
 * Addresses as small integers, so rule state is keyed by numbers instead of strings built per row.
 *
 * Each batch's address column already has a dictionary; `idsFor` maps its codes to engine-wide ids
 * with one Map lookup per distinct address in the batch, never one per row. Ids stay below 2^26 so
 * that two of them and a port fit in one exactly-representable number key.
 *
 * Memory stays bounded on an endless stream through `compact`: the engine rebuilds the table from
 * the addresses its live state still refers to (every rule re-keys its state through the remap
 * function), so addresses seen once long ago are forgotten. Ids change at a compaction; per-id
 * caches watch `generation`.
 */
import type { IpField } from '../flows/flow-fields.js';
import { UserError } from '../util/errors.js';

/** Ids are < 2^26 so that (id, id) and (id, port, proto) keys fit in 53 bits. */
export const MAX_IP_ID = 1 << 26;

export class IpInterner {
  private index = new Map<string, number>();
  private texts: string[] = [];
  /** bumped at every compaction: ids from an older generation mean something else now */
  generation = 0;

  get size(): number {
    return this.texts.length;
  }

  intern(s: string): number {
    let id = this.index.get(s);
    if (id === undefined) {
      id = this.texts.length;
      if (id >= MAX_IP_ID) {
        throw new UserError(`more than ${MAX_IP_ID} distinct addresses in one batch; read the input in smaller batches`);
      }
      this.index.set(s, id);
      this.texts.push(s);
    }
    return id;
  }

  /** The id of exactly this text, or -1 when it was never interned (nothing is added). */
  idOf(s: string): number {
    return this.index.get(s) ?? -1;
  }

  text(id: number): string {
    return this.texts[id];
  }

  /** Per-row ids for an address column (-1 where the cell is missing). */
  idsFor(field: IpField): Int32Array {
    const { codes, dictionary } = field;
    const remap = new Int32Array(dictionary.length).fill(-2);
    const out = new Int32Array(codes.length);
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i];
      if (c < 0) {
        out[i] = -1;
        continue;
      }
      let id = remap[c];
      if (id === -2) {
        const s = dictionary[c].trim();
        id = s === '' || s === '-' ? -1 : this.intern(s);
        remap[c] = id;
      }
      out[i] = id;
    }
    return out;
  }

  /**
   * Start afresh, keeping only what `keep` re-interns: it receives `remap(oldId) → newId` and must
   * call it for every id the caller's state still holds.
   */
  compact(keep: (remap: (oldId: number) => number) => void): void {
    const oldTexts = this.texts;
    this.index = new Map();
    this.texts = [];
    keep((oldId) => (oldId < 0 ? oldId : this.intern(oldTexts[oldId])));
    this.generation++;
  }
}
