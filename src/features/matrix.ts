/**
 * A dense row-major matrix of float64: the only shape models see. Rows are flows, columns are the
 * features the pipeline produced. Never an array of row objects on a hot path.
 */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  /** row-major: value (r, c) at data[r * cols + c] */
  readonly data: Float64Array;
}

export function matrix(rows: number, cols: number, data?: Float64Array): Matrix {
  const d = data ?? new Float64Array(rows * cols);
  if (d.length !== rows * cols) throw new Error(`matrix: data has ${d.length} values, expected ${rows}x${cols}`);
  return { rows, cols, data: d };
}

/** The rows at `index`, copied into a new matrix. */
export function takeRows(m: Matrix, index: ArrayLike<number>): Matrix {
  const out = new Float64Array(index.length * m.cols);
  for (let i = 0; i < index.length; i++) {
    const r = index[i];
    out.set(m.data.subarray(r * m.cols, (r + 1) * m.cols), i * m.cols);
  }
  return { rows: index.length, cols: m.cols, data: out };
}

/** Column c as a new array. */
export function column(m: Matrix, c: number): Float64Array {
  const out = new Float64Array(m.rows);
  for (let r = 0; r < m.rows; r++) out[r] = m.data[r * m.cols + c];
  return out;
}

/** Row slices of at most `size` rows, as views (no copy): for scoring in chunks. */
export function* chunks(m: Matrix, size: number): Generator<{ start: number; m: Matrix }> {
  for (let start = 0; start < m.rows; start += size) {
    const end = Math.min(m.rows, start + size);
    yield { start, m: { rows: end - start, cols: m.cols, data: m.data.subarray(start * m.cols, end * m.cols) } };
  }
}

/** Pick entries of a typed array by index. */
export function takeValues<T extends Float64Array | Int32Array | Float32Array>(a: T, index: ArrayLike<number>): T {
  const out = new (a.constructor as new (n: number) => T)(index.length);
  for (let i = 0; i < index.length; i++) out[i] = a[index[i]];
  return out;
}
