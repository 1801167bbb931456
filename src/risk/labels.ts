/**
 * Normal-vs-attack truth from whatever labels a table has, for baselines (fit on normal rows)
 * and for measuring analysis quality. Undefined when the table carries no labels at all.
 */
import { getColumn, labelColumns, type FlowTable } from '../flows/table.js';

const NORMAL = /^(normal|benign|0|false|legitimate)$/i;

export function binaryTruthOrUndefined(table: FlowTable): Uint8Array | undefined {
  const bin = getColumn(table, 'binary');
  if (bin && bin.kind === 'categorical') {
    const normal = bin.dictionary.indexOf('normal');
    return Uint8Array.from(bin.codes, (c) => (c === normal ? 0 : 1));
  }
  const target = table.defaultTarget ? getColumn(table, table.defaultTarget) : labelColumns(table)[0];
  if (!target || target.kind !== 'categorical') return undefined;
  const normalValue = table.normalClass ?? target.dictionary.find((v) => NORMAL.test(v));
  if (normalValue === undefined) return undefined;
  const code = target.dictionary.indexOf(normalValue);
  return Uint8Array.from(target.codes, (c) => (c === code ? 0 : 1));
}
