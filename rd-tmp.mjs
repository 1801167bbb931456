import { readDataset } from './dist/sources/read-dataset.js';
const t0 = Date.now();
const t = await readDataset([process.argv[2]], { label: 'label', limits: { maxColumns: 200000, maxLineBytes: 1 << 28 } });
console.log(t.rowCount, t.columns.length, Date.now() - t0, 'ms', (process.memoryUsage().rss / 1048576).toFixed(0), 'MB rss');
