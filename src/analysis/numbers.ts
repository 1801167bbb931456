/**
 * How the analysis's outputs print numbers: six decimals in JSON (summary, alerts), six
 * significant digits in flows_scored.csv (written once per flow and per score, so it avoids
 * toPrecision on the hot path).
 */

export function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** six significant digits, cheaply; '' for NaN and ±Infinity */
export function sig6(x: number): string {
  if (!Number.isFinite(x)) return '';
  const a = Math.abs(x);
  if (a >= 1e-4 && a < 1e15) {
    const scale = 10 ** (5 - Math.floor(Math.log10(a)));
    return String(Math.round(x * scale) / scale);
  }
  return x === 0 ? '0' : x.toPrecision(6);
}
