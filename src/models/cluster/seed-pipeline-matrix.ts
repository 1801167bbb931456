/**
 * The matrix the seed pipeline (../shared/peers/seed_pipeline_cicids.py) feeds to DBSCAN and the
 * silhouette, rebuilt from a CICFlowMeter FlowTable, so that our clustering can be compared with
 * scikit-learn's label for label on the same numbers (quality test and benchmark).
 *
 * The peer: drop id, Flow ID, Src IP, Dst IP, Timestamp, Label, Attempted Category; every other
 * column as a number in file order (Protocol too: our reader keeps it categorical, its codes are
 * the protocol numbers as text); +-Infinity and NaN to 0; StandardScaler (population standard
 * deviation; a constant column is only centred); then cast to float32, which we reproduce with
 * Math.fround so the distances are the peer's.
 *
 * This is a comparison fixture, not the product's feature pipeline (features/pipeline.ts is).
 */
import type { FlowTable } from '../../flows/table.js';
import type { Matrix } from '../../features/matrix.js';

const DROPPED = new Set(['id', 'Flow ID', 'Src IP', 'Dst IP', 'Timestamp', 'Label', 'Attempted Category']);

export function seedPipelineMatrix(table: FlowTable): Matrix {
  const n = table.rowCount;
  const cols: Float64Array[] = [];
  for (const c of table.columns) {
    if (DROPPED.has(c.name) || c.role === 'label') continue;
    let v: Float64Array;
    if (c.kind === 'numeric') v = Float64Array.from(c.values);
    else {
      const asNumber = c.dictionary.map((s) => Number(s));
      v = new Float64Array(n);
      for (let i = 0; i < n; i++) v[i] = c.codes[i] < 0 ? NaN : asNumber[c.codes[i]];
    }
    for (let i = 0; i < n; i++) if (!Number.isFinite(v[i])) v[i] = 0;
    let mean = 0;
    for (let i = 0; i < n; i++) mean += v[i];
    mean /= n;
    let varSum = 0;
    for (let i = 0; i < n; i++) varSum += (v[i] - mean) ** 2;
    const std = Math.sqrt(varSum / n);
    const scale = std > 0 ? std : 1;
    for (let i = 0; i < n; i++) v[i] = Math.fround((v[i] - mean) / scale);
    cols.push(v);
  }
  const d = cols.length;
  const data = new Float64Array(n * d);
  for (let j = 0; j < d; j++) {
    const v = cols[j];
    for (let i = 0; i < n; i++) data[i * d + j] = v[i];
  }
  return { rows: n, cols: d, data };
}
