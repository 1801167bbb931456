/**
 * A count as people read it in a sentence: "1,996 of 2,500 flows". Counts below 1,000 (most of
 * them) skip Intl, which costs about a microsecond a call: source reasons are made for every
 * source of a run. Whole numbers above are grouped here too, the same text as
 * toLocaleString('en-US'): the first toLocaleString of a process sets up Intl's number formatting
 * (~12 ms CPU measured, the largest part of the flow scorer's setup), a fixed cost of every run
 * that formats a count.
 */
export function thousands(n: number): string {
  if (n < 1000 && n > -1000) return String(n);
  if (Number.isSafeInteger(n)) return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return n.toLocaleString('en-US');
}
