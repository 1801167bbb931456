/**
 * A count as people read it in a sentence: "1,996 of 2,500 flows". Counts below 1,000 (most of
 * them) skip Intl, which costs about a microsecond a call: source reasons are made for every
 * source of a run.
 */
export function thousands(n: number): string {
  return n < 1000 && n > -1000 ? String(n) : n.toLocaleString('en-US');
}
