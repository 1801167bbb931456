/**
 * A small FlowTable with every case the profile must handle (missing and infinite cells, ±0, a
 * constant column, an exact linear pair, a column with a NaN, a categorical feature with a missing
 * cell, a label with a missing cell), shared by the profile's tests.
 */
import { categoricalFrom, numericColumn, type FlowTable } from '../flows/table.js';

export function tinyFlowTable(): FlowTable {
  const bytes = [1, 2, 3, 4, 10, 11, 12, 13];
  return {
    rowCount: 8,
    format: 'test',
    defaultTarget: 'attack_cat',
    columns: [
      numericColumn('bytes', 'feature', Float64Array.from(bytes)),
      numericColumn('rate', 'feature', Float64Array.of(Number.NaN, Infinity, 5, 5, 1, -Infinity, 0, -0)),
      categoricalFrom('proto', 'feature', ['tcp', 'tcp', 'udp', 'tcp', 'icmp', 'icmp', null, 'icmp']),
      numericColumn('flag', 'feature', new Float64Array(8).fill(7)),
      numericColumn('twice', 'feature', Float64Array.from(bytes, (b) => 2 * b + 1)),
      numericColumn('neg', 'feature', Float64Array.from(bytes, (b, i) => (i === 0 ? Number.NaN : -b))),
      numericColumn('src_port', 'meta', Float64Array.of(1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007)),
      categoricalFrom('attack_cat', 'label', ['Normal', 'Normal', 'Normal', 'Normal', 'dos', 'dos', 'probe', null]),
    ],
  };
}
